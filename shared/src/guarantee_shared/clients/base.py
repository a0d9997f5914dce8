"""What every typed inter-service client shares.

One ``httpx.AsyncClient`` per peer, explicit timeouts, a bearer token from a string or a
callable (:class:`guarantee_shared.web.auth.ServiceToken`), the caller's request id forwarded,
bounded ``stamina`` retries on transport errors and 502/503/504 for calls that are safe to
repeat, and one mapping of failures: a peer that stays down, answers 5xx or breaks the
contract raises :class:`~guarantee_shared.errors.PeerUnavailable` (503); a request the peer
refuses (4xx) raises the client's ``rejected`` error (502) with the peer's problem details.
"""

from __future__ import annotations

from collections.abc import Callable
from types import TracebackType
from typing import Any, ClassVar, Self, TypeVar

import httpx
import stamina
from pydantic import ValidationError

from guarantee_shared.errors import DomainError, PeerUnavailable

RETRY_STATUSES = frozenset({502, 503, 504})

TokenSource = str | Callable[[], str]
T = TypeVar("T")


class PeerRejected(DomainError):
    """A peer refused the request (4xx): a bad request or a token it does not accept."""

    status = 502
    title = "A service this one depends on rejected the request"
    slug = "peer-rejected"


class _RetryableStatus(Exception):
    def __init__(self, response: httpx.Response) -> None:
        super().__init__(f"answered {response.status_code}")
        self.response = response


def problem_of(response: httpx.Response) -> dict[str, Any]:
    """The peer's problem details, or an empty dict when the body is not one."""
    try:
        body = response.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


class ServiceClient:
    """Base of the typed clients; use as ``async with`` or call :meth:`aclose`."""

    peer: ClassVar[str]  # short name, e.g. "rating-engine"
    peer_title: ClassVar[str]  # how messages name it, e.g. "The rating engine"
    rejected: ClassVar[type[DomainError]] = PeerRejected
    default_timeout: ClassVar[httpx.Timeout] = httpx.Timeout(5.0, connect=2.0)
    default_attempts: ClassVar[int] = 3

    def __init__(
        self,
        base_url: str,
        *,
        token: TokenSource,
        timeout: httpx.Timeout | None = None,
        attempts: int | None = None,
        retry_timeout_s: float = 10.0,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self._token = token
        self._attempts = attempts if attempts is not None else self.default_attempts
        self._retry_timeout_s = retry_timeout_s
        self._http = httpx.AsyncClient(
            base_url=base_url, timeout=timeout or self.default_timeout, transport=transport
        )

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._http.aclose()

    def _headers(self, request_id: str | None) -> dict[str, str]:
        token = self._token if isinstance(self._token, str) else self._token()
        headers = {
            "Authorization": f"Bearer {token}",
            "Accept": "application/json",
            "Content-Type": "application/json",
        }
        if request_id:
            headers["X-Request-ID"] = request_id
        return headers

    async def _send(
        self,
        method: str,
        path: str,
        *,
        request_id: str | None,
        content: str | bytes | None = None,
        params: httpx.QueryParams | dict[str, str] | None = None,
        http_timeout: httpx.Timeout | None = None,
    ) -> httpx.Response:
        """Send with bounded retries; only for calls that are safe to repeat."""
        try:
            async for attempt in stamina.retry_context(
                on=(httpx.TransportError, _RetryableStatus),
                attempts=self._attempts,
                timeout=self._retry_timeout_s,
            ):
                with attempt:
                    response = await self._http.request(
                        method,
                        path,
                        content=content,
                        params=params,
                        headers=self._headers(request_id),
                        timeout=http_timeout or httpx.USE_CLIENT_DEFAULT,
                    )
                    if response.status_code in RETRY_STATUSES:
                        raise _RetryableStatus(response)
        except httpx.TransportError as exc:
            raise PeerUnavailable(
                f"{self.peer_title} could not be reached: {type(exc).__name__}: {exc}",
                peer=self.peer,
            ) from exc
        except _RetryableStatus as exc:
            response = exc.response
        return response

    def _parse(self, response: httpx.Response, parse: Callable[[bytes], T]) -> T:
        status = response.status_code
        if status >= 500:
            raise PeerUnavailable(
                f"{self.peer_title} answered {status}: {problem_of(response).get('detail', '')}",
                peer=self.peer,
            )
        if status >= 400:
            problem = problem_of(response)
            raise self.rejected(
                f"{self.peer_title} answered {status}: {problem.get('detail', response.text)}",
                upstream_status=status,
                upstream_errors=problem.get("errors", []),
            )
        try:
            return parse(response.content)
        except ValidationError as exc:
            raise PeerUnavailable(
                f"{self.peer_title}'s answer does not match the contract: {exc}", peer=self.peer
            ) from exc
