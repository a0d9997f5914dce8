"""``serve(app, ...)``: every service's ``python -m`` runs uvicorn through here, to drain on exit.

A replica being stopped (rolling update, scale-in, node drain) gets SIGTERM while load balancers
still send it requests: they learn that it is going only from its readiness probe, or from an
endpoint update that takes a few seconds to reach every proxy. So on the first SIGTERM or
SIGINT the service:

1. answers ``/readyz`` with 503 at once (``app.state.draining``), and keeps serving everything
   else for ``SHUTDOWN_DRAIN_S`` seconds, so the traffic still routed to it is answered;
2. then shuts uvicorn down gracefully: it stops accepting connections, lets the requests in
   flight finish (at most ``SHUTDOWN_TIMEOUT_S`` seconds, after which they are cancelled), and
   runs the app's lifespan shutdown.

A second signal during the drain skips the rest of it (a second Ctrl-C after that forces the
exit, uvicorn's own rule). The drain is 0 outside production unless set, so Ctrl-C and tests
stop at once.

sse-starlette ends its event streams on shutdown by wrapping ``uvicorn.Server.handle_exit``;
the drain calls that method when it ends, so streams stay open while the replica drains and
close when it shuts down.
"""

from __future__ import annotations

import asyncio
import contextvars
import signal
import socket
from types import FrameType

import uvicorn
from fastapi import FastAPI

from guarantee_shared.logging import get_logger
from guarantee_shared.settings import ServiceSettings

log = get_logger(__name__)


class DrainingServer(uvicorn.Server):
    def __init__(self, config: uvicorn.Config, *, app: FastAPI, drain_s: float) -> None:
        super().__init__(config)
        self._app = app
        self._drain_s = drain_s
        self._loop: asyncio.AbstractEventLoop | None = None

    async def serve(self, sockets: list[socket.socket] | None = None) -> None:
        self._loop = asyncio.get_running_loop()
        await super().serve(sockets)

    def handle_exit(self, sig: int, frame: FrameType | None) -> None:
        first = not self._app.state.draining
        self._app.state.draining = True
        if not first or self._drain_s <= 0 or self._loop is None:
            # uvicorn's own handler (as wrapped by sse-starlette): graceful shutdown now, and
            # the signal re-raised once the server has stopped.
            super().handle_exit(sig, frame)
            return
        # A signal handler runs between two bytecodes of whatever the loop was doing: it only
        # hands the work to the loop, through the entry that is safe from anywhere, in a context
        # of its own (the interrupted request's id must not tag the shutdown's log lines).
        self._loop.call_soon_threadsafe(self._drain, sig, context=contextvars.Context())

    def _drain(self, sig: int) -> None:
        assert self._loop is not None
        log.info("shutdown_draining", signal=signal.Signals(sig).name, drain_s=self._drain_s)
        self._loop.call_later(self._drain_s, self._end_drain, sig)

    def _end_drain(self, sig: int) -> None:
        # A second signal may have ended the drain already; handling this one again would count
        # as that second signal (for SIGINT: force the exit, dropping requests in flight).
        if not self.should_exit:
            log.info("shutdown_drained", drain_s=self._drain_s)
            super().handle_exit(sig, None)


def serve(app: FastAPI, *, host: str, port: int, settings: ServiceSettings) -> None:
    """Run ``app`` (made by ``build_app``) on ``host:port`` until a signal stops it, draining
    first (module docstring)."""
    config = uvicorn.Config(
        app,
        host=host,
        port=port,
        log_level=settings.log_level.lower(),
        log_config=None,  # logging is configured by build_app (structlog JSON)
        access_log=False,  # ServiceMiddleware logs each request once, with its id
        proxy_headers=True,
        timeout_graceful_shutdown=settings.shutdown_timeout_s,
    )
    DrainingServer(config, app=app, drain_s=settings.shutdown_drain_s or 0.0).run()
