"""Webhook receivers for tests of both services that send webhooks, and the receiver's check.

:class:`Receiver` is an in-process ASGI app (unit-level tests give the delivery worker an
``httpx.ASGITransport`` to it); :class:`WebhookReceiver` listens on a real port of 127.0.0.1 in
a thread of the test process (integration tests). :func:`verify` checks a Standard Webhooks
signature, written from the specification rather than with the services' code.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from fastapi import FastAPI, Request, Response


def verify(secret: str, headers: Mapping[str, str], body: bytes) -> bool:
    """Standard Webhooks verification, written from the spec (not with the service's code)."""
    key = base64.b64decode(secret.removeprefix("whsec_"))
    signed = f"{headers['webhook-id']}.{headers['webhook-timestamp']}.".encode() + body
    expected = base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()
    return any(
        hmac.compare_digest(sig.split(",", 1)[1], expected)
        for sig in headers["webhook-signature"].split()
        if sig.startswith("v1,")
    )


@dataclass
class Received:
    headers: dict[str, str]
    body: bytes
    url: str


@dataclass
class Receiver:
    """Records every webhook; answers the queued statuses first, then 200."""

    requests: list[Received] = field(default_factory=list)
    statuses: list[int] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.app = FastAPI()

        @self.app.post("/{path:path}")
        async def hook(request: Request) -> Response:
            self.requests.append(
                Received(dict(request.headers), await request.body(), str(request.url))
            )
            return Response(status_code=self.statuses.pop(0) if self.statuses else 200)

    def reset(self) -> None:
        self.requests.clear()
        self.statuses.clear()


@dataclass(frozen=True)
class Hit:
    path: str
    headers: dict[str, str]
    body: bytes
    answered: int


class WebhookReceiver:
    """Records every POST; answers the queued statuses first, then 200."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.url = f"http://127.0.0.1:{port}"
        self.hits: list[Hit] = []
        self.statuses: list[int] = []
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None

    def start(self) -> None:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("content-length", "0")))
                with receiver._lock:
                    status = receiver.statuses.pop(0) if receiver.statuses else 200
                    receiver.hits.append(
                        Hit(
                            self.path, {k.lower(): v for k, v in self.headers.items()}, body, status
                        )
                    )
                self.send_response(status)
                self.send_header("content-length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:
                return

        self._server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def delivered(self, path: str | None = None) -> list[Hit]:
        with self._lock:
            return [
                h for h in self.hits if 200 <= h.answered < 300 and (path is None or h.path == path)
            ]


def until(predicate: Callable[[], Any], *, timeout_s: float = 20, what: str = "condition") -> Any:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"timed out after {timeout_s} s waiting for {what}")
