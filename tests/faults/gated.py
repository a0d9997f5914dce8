"""A request whose body arrives in two parts, the second when the test says: in flight on cue."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

import httpx

# Generous: a loaded 2-core machine may take long, and a wait that ends is no assertion.
WAIT_S = 120


class GatedRequest:
    """``POST url`` with ``body``: the headers and the first half are sent at once, the rest
    only after :meth:`release`. Until then the server holds a request it has begun but cannot
    finish, the way a slow client's upload is in flight."""

    def __init__(self, url: str, body: bytes, headers: dict[str, str]) -> None:
        self._first, self._rest = body[: len(body) // 2], body[len(body) // 2 :]
        self._first_sent = threading.Event()
        self._release = threading.Event()
        self._pool = ThreadPoolExecutor(max_workers=1)
        self._headers = {
            **headers,
            "Content-Type": "application/json",
            # Declared, so the body is sent as is rather than chunked.
            "Content-Length": str(len(body)),
        }
        self.response: Future[httpx.Response] = self._pool.submit(self._send, url)

    def _parts(self) -> Iterator[bytes]:
        yield self._first
        # httpx asks for the next part once the previous one is written to the socket.
        self._first_sent.set()
        if not self._release.wait(WAIT_S):
            raise TimeoutError("the test never released the rest of the body")
        yield self._rest

    def _send(self, url: str) -> httpx.Response:
        with httpx.Client(timeout=WAIT_S) as client:
            return client.post(url, content=self._parts(), headers=self._headers)

    def wait_in_flight(self) -> None:
        if not self._first_sent.wait(WAIT_S):
            raise TimeoutError(f"the first part was not sent within {WAIT_S} s")

    def release(self) -> httpx.Response:
        self._release.set()
        try:
            return self.response.result(timeout=WAIT_S)
        finally:
            self._pool.shutdown(wait=False)

    def __enter__(self) -> GatedRequest:
        return self

    def __exit__(self, *exc: Any) -> None:
        self._release.set()  # never leave the sender thread waiting
        self._pool.shutdown(wait=True)
