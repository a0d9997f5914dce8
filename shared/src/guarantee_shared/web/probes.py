"""/healthz (alive), /readyz (dependencies reachable), /metrics (Prometheus)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Literal

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from pydantic import BaseModel, Field

# A readiness check returns None when fine, or a short reason why not.
ReadinessCheck = Callable[[Request], Awaitable[str | None]]


class Readiness(BaseModel):
    """What /readyz answers, ready (200) or not (503)."""

    status: Literal["ready", "not_ready"]
    checks: dict[str, str] = Field(description="Each check: `ok`, or why it failed")


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
        summary="Prometheus metrics",
        response_class=Response,
        responses={200: {"content": {"text/plain": {"schema": {"type": "string"}}}}},
    )
    async def metrics() -> Response:
        return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)

    return router
