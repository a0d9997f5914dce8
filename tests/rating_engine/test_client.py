"""RatingEngineClient against the real engine app, and against a failing peer."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
import stamina
from fastapi import FastAPI

from guarantee_shared.clients.rating_engine import (
    RatingEngineClient,
    RatingEngineRejected,
    UnknownModelVersion,
)
from guarantee_shared.errors import PeerUnavailable
from guarantee_shared.schemas.rating import (
    RatingBatchError,
    RatingBatchResponse,
    RatingRequest,
    RatingResult,
)
from tests.rating_engine.conftest import BASE_URL
from tests.rating_engine.factories import payload, request


@pytest.fixture(autouse=True)
def no_retry_waits() -> Iterator[None]:
    # Retries still happen (up to 3 attempts) but without sleeping between them.
    with stamina.set_testing(True, attempts=3):
        yield


def engine_client(app: FastAPI, token: str) -> RatingEngineClient:
    return RatingEngineClient(BASE_URL, token=token, transport=httpx.ASGITransport(app=app))


async def test_score_returns_a_typed_result(engine_app: FastAPI, score_token: str) -> None:
    async with engine_client(engine_app, score_token) as client:
        result = await client.score(request(), request_id="rate-42")
    assert isinstance(result, RatingResult)
    assert result.model_version == "v1"
    assert 0 <= result.score <= 1000
    direct = engine_app.state.rating_service.score(request())
    assert result.model_dump() == direct.model_dump()


async def test_score_batch_keeps_order(engine_app: FastAPI, score_token: str) -> None:
    items = [request(), request(customer={"employees": 3}), request(guarantee_history={})]
    async with engine_client(engine_app, score_token) as client:
        results = await client.score_batch(items)
        singles = [await client.score(item) for item in items]
    assert results == singles


async def test_batch_error_entries_come_back_typed(engine_app: FastAPI, score_token: str) -> None:
    # The typed client cannot send an invalid item, so the body is sent raw and the answer
    # parsed with the shared response model the client uses.
    transport = httpx.ASGITransport(app=engine_app)
    async with httpx.AsyncClient(transport=transport, base_url=BASE_URL) as raw:
        response = await raw.post(
            "/v1/score/batch",
            json={"requests": [payload(), {"as_of": "bad"}]},
            headers={"Authorization": f"Bearer {score_token}"},
        )
    parsed = RatingBatchResponse.model_validate_json(response.content)
    assert isinstance(parsed.results[0], RatingResult)
    assert isinstance(parsed.results[1], RatingBatchError)
    assert parsed.results[1].error.status == 422


async def test_models_and_model(engine_app: FastAPI, score_token: str) -> None:
    async with engine_client(engine_app, score_token) as client:
        index = await client.models()
        document = await client.model("v1")
    assert index.active == "v1"
    assert document["version"] == "v1"


async def test_token_may_come_from_a_callable(engine_app: FastAPI, score_token: str) -> None:
    calls: list[int] = []

    def token() -> str:
        calls.append(1)
        return score_token

    async with RatingEngineClient(
        BASE_URL, token=token, transport=httpx.ASGITransport(app=engine_app)
    ) as client:
        await client.models()
        await client.models()
    assert len(calls) == 2


async def test_a_refused_token_is_rejected_not_retried(engine_app: FastAPI) -> None:
    async with engine_client(engine_app, "not-a-jwt") as client:
        with pytest.raises(RatingEngineRejected) as caught:
            await client.score(request())
    assert caught.value.extra["upstream_status"] == 401


async def test_unknown_model_version_is_its_own_error(
    engine_app: FastAPI, score_token: str
) -> None:
    async with engine_client(engine_app, score_token) as client:
        with pytest.raises(UnknownModelVersion, match="v404") as single:
            await client.score(request(), model_version="v404")
        with pytest.raises(UnknownModelVersion, match="v404") as batch:
            await client.score_batch([request()], model_version="v404")
        assert await client.has_model("v1")
        assert not await client.has_model("v404")
    for caught in (single, batch):
        assert isinstance(caught.value, RatingEngineRejected)  # still a refusal if uncaught
        assert caught.value.extra["model_version"] == "v404"


def mock_client(handler: httpx.MockTransport) -> RatingEngineClient:
    return RatingEngineClient(BASE_URL, token="t0ken", transport=handler)


async def test_headers_sent_and_retried_on_503(engine_app: FastAPI) -> None:
    seen: list[httpx.Request] = []
    result = engine_app.state.rating_service.score(request())

    def answer(req: httpx.Request) -> httpx.Response:
        seen.append(req)
        if len(seen) < 3:
            return httpx.Response(503, json={"detail": "starting"})
        return httpx.Response(200, content=result.model_dump_json())

    async with mock_client(httpx.MockTransport(answer)) as client:
        got = await client.score(request(), request_id="req-7")
    assert got == result
    assert len(seen) == 3
    assert all(r.headers["x-request-id"] == "req-7" for r in seen)
    assert all(r.headers["authorization"] == "Bearer t0ken" for r in seen)
    assert RatingRequest.model_validate_json(seen[0].content) == request()


async def test_a_peer_that_stays_down_is_peer_unavailable() -> None:
    attempts: list[int] = []

    def refuse(req: httpx.Request) -> httpx.Response:
        attempts.append(1)
        raise httpx.ConnectError("connection refused", request=req)

    async with mock_client(httpx.MockTransport(refuse)) as client:
        with pytest.raises(PeerUnavailable, match="could not be reached"):
            await client.score(request())
    assert len(attempts) == 3


@pytest.mark.parametrize("status", [500, 502, 504])
async def test_5xx_is_peer_unavailable(status: int) -> None:
    attempts: list[int] = []

    def fail(_: httpx.Request) -> httpx.Response:
        attempts.append(1)
        return httpx.Response(status, json={"detail": "boom"})

    async with mock_client(httpx.MockTransport(fail)) as client:
        with pytest.raises(PeerUnavailable, match=str(status)):
            await client.models()
    # 500 is a deterministic failure and is not retried; 502 and 504 are.
    assert len(attempts) == (1 if status == 500 else 3)


async def test_an_answer_off_contract_is_peer_unavailable() -> None:
    def garbage(_: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={"score": "high"})

    async with mock_client(httpx.MockTransport(garbage)) as client:
        with pytest.raises(PeerUnavailable, match="does not match the contract"):
            await client.score(request())
