"""Typed client of the rating engine (docs/CONTRACT.md, rating-engine).

One :class:`RatingEngineClient` wraps one ``httpx.AsyncClient``: explicit timeouts, a bearer
token from a string or a callable, the caller's request id forwarded, and bounded retries with
``stamina`` on transport errors and 502/503/504. Retrying is safe for every call here: scoring
is pure, so sending a request twice gives the same rating. A peer that stays down, or answers
5xx, raises :class:`~guarantee_shared.errors.PeerUnavailable` (503); a request the engine
refuses (4xx) raises :class:`RatingEngineRejected` with the engine's problem details, and an
unknown ``model_version`` its subclass :class:`UnknownModelVersion`, which callers report as
their own caller's mistake (422) rather than the engine's (502).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import httpx
from pydantic import TypeAdapter

from guarantee_shared.clients.base import PeerRejected, ServiceClient, problem_of
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
_BATCH = TypeAdapter(RatingBatchResponse)
_DOCUMENT = TypeAdapter(dict[str, Any])


class RatingEngineRejected(PeerRejected):
    """The engine refused the request (4xx): a bad request or a token it does not accept."""

    title = "Rating engine rejected the request"
    slug = "rating-engine-rejected"


class UnknownModelVersion(RatingEngineRejected):
    """The engine has no ruleset with the ``model_version`` it was asked for (its 404).

    That is the caller's mistake, not the engine's: the service turns it into a 422 on the
    field the version came from. Left uncaught, it is still a :class:`RatingEngineRejected`.
    """

    title = "Unknown model version"
    slug = "unknown-model-version"


class RatingEngineClient(ServiceClient):
    """Calls the rating engine at ``base_url``; use as ``async with`` or call :meth:`aclose`."""

    peer = "rating-engine"
    peer_title = "The rating engine"
    rejected = RatingEngineRejected
    default_timeout = DEFAULT_TIMEOUT

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
        self._refuse_unknown_version(response, model_version)
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
        self._refuse_unknown_version(response, model_version)
        return self._parse(response, _BATCH.validate_json).results

    def _refuse_unknown_version(self, response: httpx.Response, model_version: str | None) -> None:
        # Both scoring routes exist, so their only 404 is "no ruleset has model version …".
        if response.status_code == 404 and model_version:
            problem = problem_of(response)
            raise UnknownModelVersion(
                problem.get("detail") or f"No ruleset has model version {model_version!r}",
                model_version=model_version,
                upstream_status=404,
            )

    async def has_model(self, version: str, *, request_id: str | None = None) -> bool:
        """Whether the engine has a ruleset ``version`` (from its index of models)."""
        index = await self.models(request_id=request_id)
        return any(model.version == version for model in index.available)

    async def models(self, *, request_id: str | None = None) -> ModelsIndex:
        """The active ruleset version and the available ones."""
        response = await self._send("GET", "/v1/models", request_id=request_id)
        return self._parse(response, ModelsIndex.model_validate_json)

    async def model(self, version: str, *, request_id: str | None = None) -> dict[str, Any]:
        """One whole ruleset as the engine serves it."""
        response = await self._send("GET", f"/v1/models/{version}", request_id=request_id)
        return self._parse(response, _DOCUMENT.validate_json)
