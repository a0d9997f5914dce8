"""/healthz (alive), /readyz (dependencies reachable), /metrics (Prometheus).

The probes are open: an orchestrator calls them without credentials, and they tell nothing
but "up" and "ready". /metrics is not: it carries portfolio figures (alerting exports every
indicator of the book), so with ``METRICS_TOKEN`` set it answers only a scraper presenting
``Authorization: Bearer <METRICS_TOKEN>``, and production does not start without one.
"""

from __future__ import annotations

import hmac
from collections.abc import Awaitable, Callable
from typing import Literal

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from pydantic import BaseModel, Field, SecretStr

from guarantee_shared.errors import Unauthorized

# A readiness check returns None when fine, or a short reason why not.
ReadinessCheck = Callable[[Request], Awaitable[str | None]]


class Readiness(BaseModel):
    """What /readyz answers, ready (200) or not (503)."""

    status: Literal["ready", "not_ready"]
    checks: dict[str, str] = Field(description="Each check: `ok`, or why it failed")


def check_metrics_token(authorization: str | None, expected: SecretStr) -> None:
    """401 unless ``authorization`` is ``Bearer <expected>``; compared in constant time, so
    the answer's timing says nothing about how much of a guess was right."""
    scheme, _, presented = (authorization or "").partition(" ")
    if scheme.lower() != "bearer" or not hmac.compare_digest(
        presented.strip().encode(), expected.get_secret_value().encode()
    ):
        raise Unauthorized("/metrics needs Authorization: Bearer <METRICS_TOKEN>")


def probes_router(checks: dict[str, ReadinessCheck]) -> APIRouter:
    router = APIRouter(tags=["probes"])

    @router.get("/healthz", summary="Liveness")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @router.get(
        "/readyz",
        summary="Readiness: dependencies reachable, migrations at head",
        responses={
            200: {"model": Readiness},
            503: {"model": Readiness, "description": "Not ready"},
        },
    )
    async def readyz(request: Request) -> JSONResponse:
        if request.app.state.draining:
            # Stopping (guarantee_shared.web.server): still serving, but send nothing new.
            return JSONResponse(
                {"status": "not_ready", "checks": {"shutdown": "draining"}}, status_code=503
            )
        results: dict[str, str] = {}
        for name, check in checks.items():
            try:
                reason = await check(request)
            except Exception as exc:  # a probe reports, it never raises
                reason = f"{type(exc).__name__}: {exc}"
            results[name] = reason or "ok"
        ready = all(v == "ok" for v in results.values())
        return JSONResponse(
            {"status": "ready" if ready else "not_ready", "checks": results},
            status_code=200 if ready else 503,
        )

    @router.get(
        "/metrics",
        summary="Prometheus metrics (with METRICS_TOKEN set: Authorization: Bearer <it>)",
        response_class=Response,
        responses={
            200: {"content": {"text/plain": {"schema": {"type": "string"}}}},
            401: {"description": "METRICS_TOKEN is set and was not presented"},
        },
    )
    async def metrics(request: Request) -> Response:
        expected: SecretStr | None = request.app.state.settings.metrics_token
        if expected is not None:
            check_metrics_token(request.headers.get("authorization"), expected)
        return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)

    return router
