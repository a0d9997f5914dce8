"""Rate limits on the real apps, counting in memory: budgets per subject and per address, the
classes that have their own budgets, the 429 problem and its headers, what is never limited,
and a limiter whose storage is down letting requests through. Redis: test_ratelimit_redis.py.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest
from asgi_lifespan import LifespanManager
from fastapi import FastAPI
from prometheus_client import REGISTRY
from pydantic import ValidationError

from alerting.app import create_app as create_alerting_app
from alerting.settings import AlertingSettings
from customer_api.app import create_app as create_customer_app
from customer_api.settings import CustomerApiSettings
from guarantee_shared.errors import PROBLEM_BASE
from guarantee_shared.settings import ServiceSettings
from guarantee_shared.web.ratelimit import _SweepingMemoryStorage
from rating_engine.app import create_app as create_engine_app
from rating_engine.settings import RatingEngineSettings
from tests.rating_engine.factories import payload
from tests.support.auth import bearer
from tests.support.processes import free_port
from tests.support.ratelimit import client_for, engine, serving

# Never connected to: those apps are built but their lifespans (which open it) not run.
UNUSED_DB = "postgresql+asyncpg://nobody@127.0.0.1:1/unused"
SCORE = bearer("ratings:score", sub="partner-bank-a")
RATELIMIT_HEADERS = ("ratelimit-limit", "ratelimit-remaining", "ratelimit-reset")


def metric(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


# --- settings -----------------------------------------------------------------------------


@pytest.mark.parametrize("rate", ["lots", "10/fortnight", "10/second;600/minute", "0/minute", ""])
def test_a_class_takes_exactly_one_rate_in_the_limits_notation(rate: str) -> None:
    with pytest.raises(ValidationError, match="rate_limit_partner"):
        ServiceSettings(rate_limit_partner=rate)


def test_rates_may_be_written_as_the_limits_library_reads_them() -> None:
    settings = ServiceSettings(rate_limit_score="20 per second", rate_limit_write="5/2 minutes")
    assert settings.rate_limit_score == "20 per second"


def test_the_counters_live_in_memory_or_in_redis() -> None:
    assert ServiceSettings().rate_limit_storage_url == "memory://"
    ServiceSettings(rate_limit_storage_url="rediss://:secret@redis.internal:6380/2")
    with pytest.raises(ValidationError, match="rate_limit_storage_url"):
        ServiceSettings(rate_limit_storage_url="memcached://127.0.0.1:11211")


def test_exempt_subjects_are_a_comma_separated_list(monkeypatch: pytest.MonkeyPatch) -> None:
    assert ServiceSettings().rate_limit_exempt_subs == {"customer-api", "alerting"}
    monkeypatch.setenv("RATE_LIMIT_EXEMPT_SUBS", " svc-customer-api , svc-alerting,")
    assert ServiceSettings().rate_limit_exempt_subs == {"svc-customer-api", "svc-alerting"}
    monkeypatch.setenv("RATE_LIMIT_EXEMPT_SUBS", "")
    assert ServiceSettings().rate_limit_exempt_subs == frozenset()


# --- every service --------------------------------------------------------------------------

APPS: dict[str, Callable[[], FastAPI]] = {
    "customer-api": lambda: create_customer_app(
        CustomerApiSettings(
            environment="test",
            log_level="WARNING",
            database_url=UNUSED_DB,
            rate_limit_enabled=True,
            rate_limit_read="2/minute",
        )
    ),
    "rating-engine": lambda: engine(rate_limit_read="2/minute"),
    "alerting": lambda: create_alerting_app(
        AlertingSettings(
            environment="test",
            log_level="WARNING",
            database_url=UNUSED_DB,
            rate_limit_enabled=True,
            rate_limit_read="2/minute",
        )
    ),
}


@pytest.mark.parametrize("service", sorted(APPS))
async def test_every_service_limits_its_routes_but_never_probes_metrics_or_docs(
    service: str,
) -> None:
    app = APPS[service]()
    transport = httpx.ASGITransport(app=app, client=("10.0.0.2", 40000))
    async with httpx.AsyncClient(transport=transport, base_url="http://service.test") as client:
        for path in ("/healthz", "/readyz", "/metrics", "/openapi.json", "/docs", "/redoc"):
            for _ in range(4):
                answer = await client.get(path)
                assert answer.status_code != 429, path
                assert "ratelimit-limit" not in answer.headers, path
        # Any other path is a read of this service's budget, matched by a route or not.
        first, second, third = [await client.get("/v1/no-such-route") for _ in range(3)]
    assert (first.status_code, second.status_code, third.status_code) == (404, 404, 429)
    assert [first.headers["ratelimit-remaining"], second.headers["ratelimit-remaining"]] == [
        "1",
        "0",
    ]
    assert third.json()["route_class"] == "read"


def test_switched_off_the_limiter_is_not_installed() -> None:
    app = create_engine_app(RatingEngineSettings(environment="test", rate_limit_enabled=False))
    assert all(m.cls.__name__ != "RateLimitMiddleware" for m in app.user_middleware)
    assert any(m.cls.__name__ == "RateLimitMiddleware" for m in engine().user_middleware)


# --- who is counted --------------------------------------------------------------------------


async def test_each_subject_spends_its_own_budget() -> None:
    a = bearer("ratings:score", sub="bank-a")
    b = bearer("ratings:score", sub="bank-b")
    async with serving(engine(rate_limit_read="3/minute")) as client:
        spent = [await client.get("/v1/models", headers=a) for _ in range(4)]
        other = await client.get("/v1/models", headers=b)
    assert [r.status_code for r in spent] == [200, 200, 200, 429]
    assert [r.headers["ratelimit-remaining"] for r in spent] == ["2", "1", "0", "0"]
    assert other.status_code == 200
    assert other.headers["ratelimit-remaining"] == "2"


async def test_without_a_valid_token_the_client_address_is_counted() -> None:
    forged = bearer("ratings:score", sub="bank-a", secret="not-the-secret-" * 3)
    app = engine(rate_limit_read="2/minute")
    async with serving(app, address="10.1.1.1") as first_address:
        no_token = await first_address.get("/v1/models")
        bad_token = await first_address.get("/v1/models", headers=forged)
        over = await first_address.get("/v1/models")
        with_token = await first_address.get("/v1/models", headers=SCORE)
        async with client_for(app, "10.1.1.2") as second_address:
            elsewhere = await second_address.get("/v1/models")
    # A forged token counts like none at all: the address's budget, then a 401 from the route.
    assert [no_token.status_code, bad_token.status_code, over.status_code] == [401, 401, 429]
    assert over.headers["ratelimit-remaining"] == "0"
    # A verified subject has a budget of its own, wherever it calls from.
    assert with_token.status_code == 200
    assert elsewhere.status_code == 401
    assert elsewhere.headers["ratelimit-remaining"] == "1"


async def test_the_platforms_own_services_are_not_limited() -> None:
    peer = bearer("ratings:score", sub="customer-api")
    app = engine(rate_limit_score="1/minute")
    async with serving(app) as client:
        peer_answers = [await client.post("/v1/score", json=payload(), headers=peer)]
        peer_answers += [await client.post("/v1/score", json=payload(), headers=peer)]
        partner = [await client.post("/v1/score", json=payload(), headers=SCORE)]
        partner += [await client.post("/v1/score", json=payload(), headers=SCORE)]
    assert [r.status_code for r in peer_answers] == [200, 200]
    assert all("ratelimit-limit" not in r.headers for r in peer_answers)
    assert [r.status_code for r in partner] == [200, 429]


# --- budgets by class ------------------------------------------------------------------------


async def test_scoring_and_batches_have_budgets_apart_from_the_general_one() -> None:
    batch = {"requests": [payload(), payload()]}
    app = engine(
        rate_limit_read="2/minute", rate_limit_score="2/minute", rate_limit_score_batch="1/minute"
    )
    async with serving(app) as client:
        scores = [await client.post("/v1/score", json=payload(), headers=SCORE) for _ in range(3)]
        reads = [await client.get("/v1/models", headers=SCORE)]
        batches = [await client.post("/v1/score/batch", json=batch, headers=SCORE)]
        batches += [await client.post("/v1/score/batch", json=batch, headers=SCORE)]
        reads += [await client.get("/v1/models", headers=SCORE)]
        reads += [await client.get("/v1/models", headers=SCORE)]
        score_after_all = await client.post("/v1/score", json=payload(), headers=SCORE)
    assert [r.status_code for r in scores] == [200, 200, 429]
    assert [r.status_code for r in batches] == [200, 429]
    assert len(batches[0].json()["results"]) == 2  # one hit, however many items
    assert [r.status_code for r in reads] == [200, 200, 429]
    assert score_after_all.status_code == 429
    assert [scores[0].headers["ratelimit-policy"], batches[0].headers["ratelimit-policy"]] == [
        "2;w=60",
        "1;w=60",
    ]


# --- the answer -------------------------------------------------------------------------------


async def test_a_refused_request_is_a_rate_limited_problem_with_retry_after() -> None:
    refused_before = metric(
        "rate_limit_refused_total", service="rating-engine", route_class="score"
    )
    async with serving(engine(rate_limit_score="2/minute")) as client:
        allowed = [await client.post("/v1/score", json=payload(), headers=SCORE)]
        allowed += [await client.post("/v1/score", json=payload(), headers=SCORE)]
        refused = await client.post("/v1/score", json=payload(), headers=SCORE)
        again = await client.post("/v1/score", json=payload(), headers=SCORE)
    assert [r.headers["ratelimit-remaining"] for r in allowed] == ["1", "0"]
    assert all(r.headers["ratelimit-limit"] == "2" for r in allowed)
    assert all(0 <= int(r.headers["ratelimit-reset"]) <= 60 for r in allowed)
    assert refused.status_code == 429
    assert refused.headers["content-type"] == "application/problem+json"
    retry_after = int(refused.headers["retry-after"])
    assert 1 <= retry_after <= 60
    assert refused.headers["ratelimit-limit"] == "2"
    assert refused.headers["ratelimit-remaining"] == "0"
    assert int(refused.headers["ratelimit-reset"]) <= retry_after
    assert refused.headers["ratelimit-policy"] == "2;w=60"
    assert refused.headers["x-request-id"]  # answered inside the request-id middleware
    problem = refused.json()
    assert problem["type"] == PROBLEM_BASE + "rate-limited"
    assert problem["status"] == 429
    assert problem["title"] == "Too many requests"
    assert problem["route_class"] == "score"
    assert (problem["limit"], problem["window_s"]) == (2, 60)
    assert problem["retry_after_s"] == retry_after
    assert "2 score requests per minute" in problem["detail"]
    # Refused again while the window is full: the same answer, without asking the storage.
    assert again.status_code == 429
    assert 1 <= int(again.headers["retry-after"]) <= retry_after
    refused_after = metric("rate_limit_refused_total", service="rating-engine", route_class="score")
    assert refused_after - refused_before == 2


async def test_a_refused_request_is_answered_before_its_body_is_read() -> None:
    app = engine(rate_limit_score_batch="1/minute")
    headers = [(k.lower().encode(), v.encode()) for k, v in SCORE.items()]
    reads: list[str] = []
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        reads.append("body")
        return {"type": "http.request", "body": b'{"requests": []}', "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": "/v1/score/batch",
        "raw_path": b"/v1/score/batch",
        "query_string": b"",
        "root_path": "",
        "headers": [(b"content-type", b"application/json"), *headers],
        "client": ("10.0.0.3", 40000),
        "server": ("service.test", 80),
    }
    async with LifespanManager(app):
        await app(dict(scope), receive, send)
        assert sent[0]["status"] == 200
        reads.clear()
        sent.clear()
        await app(dict(scope), receive, send)
    assert sent[0]["status"] == 429
    assert reads == []


# --- the storage --------------------------------------------------------------------------------


async def test_a_limiter_whose_storage_is_down_lets_every_request_through(
    capfd: pytest.CaptureFixture[str],
) -> None:
    closed = free_port()  # bound once and released: nothing listens there
    errors_before = metric("rate_limit_storage_errors_total", service="rating-engine")
    app = engine(
        rate_limit_score="1/minute", rate_limit_storage_url=f"redis://127.0.0.1:{closed}/0"
    )
    async with serving(app) as client:
        answers = [await client.post("/v1/score", json=payload(), headers=SCORE) for _ in range(3)]
        probe = await client.get("/healthz")
    assert [r.status_code for r in answers] == [200, 200, 200]
    assert all(h not in r.headers for r in answers for h in RATELIMIT_HEADERS)
    assert probe.status_code == 200
    assert metric("rate_limit_storage_errors_total", service="rating-engine") > errors_before
    logged = capfd.readouterr().err
    assert "rate_limit_storage_unavailable" in logged
    assert "requests pass unlimited" in logged


def test_counting_in_memory_starts_no_thread_and_still_sweeps_expired_counters() -> None:
    storage = _SweepingMemoryStorage()
    started_with = storage.timer
    started_with.join()  # the one timer the library's constructor starts
    storage.incr("gone", expiry=0)  # expires at once
    storage._next_sweep = 0.0  # the next count sweeps
    for _ in range(200):
        storage.incr("kept", expiry=60)
    # The library would have started a timer thread for each count after the last one ended.
    assert storage.timer is started_with
    assert "gone" not in storage.storage
    assert storage.get("kept") == 200
