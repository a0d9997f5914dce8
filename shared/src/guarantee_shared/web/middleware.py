"""One pure ASGI middleware: request id, access log and metrics, body-size limit, security
headers (``guarantee_shared.web.headers``).

It runs on every request of every service, so it does each job once and cheaply: one pass over
the request headers, the Prometheus children of each (method, route, status) looked up once and
kept, no receive wrapper when a Content-Length within the limit already bounds the body (the
HTTP server reads no more than it declares), and the access line built only when INFO is on.
"""

from __future__ import annotations

import logging
import os
import re
import time
from typing import Any

import orjson
import structlog
from prometheus_client import Counter, Histogram
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from guarantee_shared.logging import get_logger
from guarantee_shared.web.headers import SecurityHeaders
from guarantee_shared.web.problems import unexpected_problem

REQUEST_ID_HEADER = "x-request-id"
_REQUEST_ID = REQUEST_ID_HEADER.encode()
_CONTENT_LENGTH = b"content-length"
_VALID_REQUEST_ID = re.compile(rb"^[A-Za-z0-9._:\-]{1,128}$")
# Probes and scrapes are counted but not logged: they would drown the request lines.
_QUIET_ROUTES = frozenset({"/healthz", "/readyz", "/metrics"})

HTTP_REQUESTS = Counter(
    "http_requests_total", "HTTP requests handled", ["service", "method", "route", "status"]
)
HTTP_LATENCY = Histogram(
    "http_request_duration_seconds",
    "HTTP request latency",
    ["service", "method", "route"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)

log = get_logger("http")


def _problem_bytes(status: int, title: str, detail: str) -> bytes:
    return orjson.dumps({"type": "about:blank", "title": title, "status": status, "detail": detail})


class ServiceMiddleware:
    """Request id, metrics, access log and body limit for every HTTP request.

    * The request id is the caller's ``X-Request-ID`` when well formed, else a new one; it is
      bound to the log context, kept in ``scope["state"]["request_id"]`` and echoed back.
    * ``http_requests_total`` and ``http_request_duration_seconds`` count every request by
      route template (``unmatched`` when no route matched), and one ``http_request`` line is
      logged at INFO for each one but the probes.
    * A body above ``max_bytes`` is refused with a 413 problem before the application reads
      it; ``overrides`` maps a path prefix to its own limit (file uploads take more than JSON).
    * ``security`` adds the security headers a response does not set itself.
    """

    def __init__(
        self,
        app: ASGIApp,
        *,
        service: str,
        max_bytes: int,
        overrides: dict[str, int] | None = None,
        security: SecurityHeaders | None = None,
    ) -> None:
        self.app = app
        self.security = security
        self.service = service
        self.max_bytes = max_bytes
        self.overrides = tuple((overrides or {}).items())
        # Label children by key: ``labels()`` validates and hashes its arguments under a lock
        # on every call; these dicts grow exactly as the metrics' own label sets do.
        self._counts: dict[tuple[str, str, int], Any] = {}
        self._latencies: dict[tuple[str, str], Any] = {}
        # The logger itself rather than its lazy proxy; the app is built after
        # configure_logging, so this is the configured one.
        self._log = log.bind()

    def _limit_for(self, path: str) -> int:
        for prefix, limit in self.overrides:
            if path.startswith(prefix):
                return limit
        return self.max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        incoming: bytes | None = None
        declared: bytes | None = None
        for key, value in scope["headers"]:
            if key == _REQUEST_ID:
                if incoming is None:
                    incoming = value
            elif key == _CONTENT_LENGTH and declared is None:
                declared = value
        request_id = (
            incoming.decode("latin-1")
            if incoming is not None and _VALID_REQUEST_ID.match(incoming)
            else os.urandom(16).hex()  # 32 hex digits like uuid4().hex, without its object
        )
        scope.setdefault("state", {})["request_id"] = request_id
        structlog.contextvars.clear_contextvars()
        structlog.contextvars.bind_contextvars(request_id=request_id)
        echoed = (_REQUEST_ID, request_id.encode("latin-1"))
        status = 500
        response_started = False
        security = self.security
        tls = scope.get("scheme") == "https"

        async def send_with_id(message: Message) -> None:
            nonlocal status, response_started
            if message["type"] == "http.response.start":
                status = message["status"]
                response_started = True
                headers = message.get("headers", ())
                added = security.missing(headers, tls=tls) if security is not None else ()
                message = {**message, "headers": [*headers, echoed, *added]}
            await send(message)

        limit = self._limit_for(scope["path"])
        too_large = False
        app_receive = receive
        if declared is not None and (not declared.isdigit() or int(declared) > limit):
            too_large = True
        elif declared is None:
            # No declared length (chunked): count what arrives and stop at the limit.
            received = 0

            async def counting_receive() -> Message:
                nonlocal received, too_large
                message = await receive()
                if message["type"] == "http.request":
                    received += len(message.get("body", b""))
                    if received > limit:
                        too_large = True
                        raise _BodyTooLarge
                return message

            app_receive = counting_receive

        try:
            if too_large:
                await _reject(send_with_id, limit)
            else:
                await self.app(scope, app_receive, send_with_id)
        except _BodyTooLarge:
            if not response_started:
                await _reject(send_with_id, limit)
        except Exception as exc:
            if too_large and not response_started:
                await _reject(send_with_id, limit)
            elif not response_started:
                # Answered here rather than by Starlette's outermost handler, so an unexpected
                # 500 carries the security headers and the request id like every other answer.
                response = unexpected_problem(Request(scope), exc)
                await response(scope, app_receive, send_with_id)
            else:
                raise
        finally:
            self._observe(scope, status, time.perf_counter() - started)

    def _observe(self, scope: Scope, status: int, elapsed: float) -> None:
        route = scope.get("route")
        template: str = getattr(route, "path", None) or "unmatched"
        method: str = scope["method"]
        count_key = (method, template, status)
        counter = self._counts.get(count_key)
        if counter is None:
            counter = HTTP_REQUESTS.labels(self.service, method, template, str(status))
            self._counts[count_key] = counter
        counter.inc()
        latency_key = (method, template)
        latency = self._latencies.get(latency_key)
        if latency is None:
            latency = HTTP_LATENCY.labels(self.service, method, template)
            self._latencies[latency_key] = latency
        latency.observe(elapsed)
        if template not in _QUIET_ROUTES and self._log.is_enabled_for(logging.INFO):
            self._log.info(
                "http_request",
                method=method,
                path=scope["path"],
                route=template,
                status=status,
                duration_ms=round(elapsed * 1000, 2),
            )


async def _reject(send: Send, limit: int) -> None:
    body = _problem_bytes(413, "Content too large", f"The request body exceeds {limit} bytes.")
    headers: list[Any] = [
        (b"content-type", b"application/problem+json"),
        (b"content-length", str(len(body)).encode()),
    ]
    await send({"type": "http.response.start", "status": 413, "headers": headers})
    await send({"type": "http.response.body", "body": body})


class _BodyTooLarge(Exception):
    pass
