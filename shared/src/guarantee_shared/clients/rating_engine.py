"""Typed client of the rating engine (CONTRACT.md, rating-engine).

One :class:`RatingEngineClient` wraps one ``httpx.AsyncClient``: explicit timeouts, a bearer
token from a string or a callable, the caller's request id forwarded, and bounded retries with
``stamina`` on transport errors and 502/503/504. Retrying is safe for every call here: scoring
is pure, so sending a request twice gives the same rating. A peer that stays down, or answers
5xx, raises :class:`~guarantee_shared.errors.PeerUnavailable` (503); a request the engine
refuses (4xx) raises :class:`RatingEngineRejected` with the engine's problem details.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from types import TracebackType
from typing import Any, TypeVar

import httpx
import stamina
from pydantic import TypeAdapter, ValidationError

from guarantee_shared.errors import DomainError, PeerUnavailable
from guarantee_shared.schemas.rating import (
    ModelsIndex,
    RatingBatchError,
    RatingBatchRequest,
    RatingBatchResponse,
    RatingRequest,
    RatingResult,
)

DEFAULT_TIMEOUT = httpx.Timeout(5.0, connect=2.0)
# A full batch of 10,000 takes seconds to rate; only the wait for the answer is longer.
BATCH_TIMEOUT = httpx.Timeout(5.0, connect=2.0, read=120.0, write=30.0)
RETRY_STATUSES = frozenset({502, 503, 504})
_BATCH = TypeAdapter(RatingBatchResponse)
_DOCUMENT = TypeAdapter(dict[str, Any])

TokenSource = str | Callable[[], str]
T = TypeVar("T")


class RatingEngineRejected(DomainError):
    """The engine refused the request (4xx): a bad request or a token it does not accept."""

    status = 502
    title = "Rating engine rejected the request"
    slug = "rating-engine-rejected"


class _RetryableStatus(Exception):
    def __init__(self, response: httpx.Response) -> None:
        super().__init__(f"rating engine answered {response.status_code}")
        self.response = response


def _problem(response: httpx.Response) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


class RatingEngineClient:
    """Calls the rating engine at ``base_url``; use as ``async with`` or call :meth:`aclose`."""

    def __init__(
        self,
        base_url: str,
        *,
        token: TokenSource,
        timeout: httpx.Timeout = DEFAULT_TIMEOUT,
        attempts: int = 3,
        retry_timeout_s: float = 10.0,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self._token = token
        self._attempts = attempts
        self._retry_timeout_s = retry_timeout_s
        self._http = httpx.AsyncClient(base_url=base_url, timeout=timeout, transport=transport)

    async def __aenter__(self) -> RatingEngineClient:
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

    async def score(
        self,
        request: RatingRequest,
        *,
        request_id: str | None = None,
        model_version: str | None = None,
    ) -> RatingResult:
        """Rate one customer."""
        response = await self._send(
            "POST",
            "/v1/score",
            content=request.model_dump_json(exclude_none=True),
            request_id=request_id,
            params={"model_version": model_version} if model_version else None,
        )
        return self._parse(response, RatingResult.model_validate_json)

    async def score_batch(
        self,
        requests: Sequence[RatingRequest],
        *,
        request_id: str | None = None,
        model_version: str | None = None,
    ) -> list[RatingResult | RatingBatchError]:
        """Rate up to 10,000 customers; the answer keeps their order, an error entry per bad one."""
        body = RatingBatchRequest(requests=list(requests))
        response = await self._send(
            "POST",
            "/v1/score/batch",
            content=body.model_dump_json(exclude_none=True),
            request_id=request_id,
            params={"model_version": model_version} if model_version else None,
            http_timeout=BATCH_TIMEOUT,
        )
        return self._parse(response, _BATCH.validate_json).results

    async def models(self, *, request_id: str | None = None) -> ModelsIndex:
        """The active ruleset version and the available ones."""
        response = await self._send("GET", "/v1/models", request_id=request_id)
        return self._parse(response, ModelsIndex.model_validate_json)

    async def model(self, version: str, *, request_id: str | None = None) -> dict[str, Any]:
        """One whole ruleset as the engine serves it."""
        response = await self._send("GET", f"/v1/models/{version}", request_id=request_id)
        return self._parse(response, _DOCUMENT.validate_json)

    def _headers(self, request_id: str | None) -> dict[str, str]:
        token = self._token if isinstance(self._token, str) else self._token()
        headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
        if request_id:
            headers["X-Request-ID"] = request_id
        return headers

    async def _send(
        self,
        method: str,
        path: str,
        *,
        request_id: str | None,
        content: str | None = None,
        params: dict[str, str] | None = None,
        http_timeout: httpx.Timeout | None = None,
    ) -> httpx.Response:
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
                f"The rating engine could not be reached: {type(exc).__name__}: {exc}",
                peer="rating-engine",
            ) from exc
        except _RetryableStatus as exc:
            response = exc.response
        return response

    @staticmethod
    def _parse(response: httpx.Response, parse: Callable[[bytes], T]) -> T:
        status = response.status_code
        if status >= 500:
            raise PeerUnavailable(
                f"The rating engine answered {status}: {_problem(response).get('detail', '')}",
                peer="rating-engine",
            )
        if status >= 400:
            problem = _problem(response)
            raise RatingEngineRejected(
                f"The rating engine answered {status}: {problem.get('detail', response.text)}",
                upstream_status=status,
                upstream_errors=problem.get("errors", []),
            )
        try:
            return parse(response.content)
        except ValidationError as exc:
            raise PeerUnavailable(
                f"The rating engine's answer does not match the contract: {exc}",
                peer="rating-engine",
            ) from exc
