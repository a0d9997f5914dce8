"""Counters in Redis, as deployed with replicas: two instances of a service spend one budget.

Uses the Redis on 127.0.0.1:6379 (``TEST_REDIS_URL`` for another). Without one the tests are
skipped, except under CI=true, where a missing Redis is a failure. Every test counts for a
subject or an address of its own, so runs sharing the server do not meet.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

import httpx
import pytest
import redis

from tests.rating_engine.factories import payload
from tests.support.auth import bearer
from tests.support.database import under_ci
from tests.support.processes import running
from tests.support.ratelimit import client_for, engine, serving


@pytest.fixture(scope="module")
def redis_url() -> str:
    url = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
    client = redis.Redis.from_url(url, socket_connect_timeout=2, socket_timeout=2)
    try:
        client.ping()
    except redis.RedisError as exc:
        reason = f"no Redis answers at {url} ({exc}); the CI machine runs one on 127.0.0.1:6379"
        if under_ci():
            pytest.fail(f"CI=true: {reason}", pytrace=False)
        pytest.skip(reason)
    finally:
        client.close()
    return url


def unique(prefix: str) -> str:
    return f"{prefix}-{secrets.token_hex(6)}"


def keys_mentioning(url: str, text: str) -> list[bytes]:
    client = redis.Redis.from_url(url)
    try:
        return list(client.scan_iter(match=f"*{text}*", count=1000))
    finally:
        client.close()


async def test_two_replicas_spend_one_budget_per_subject(redis_url: str) -> None:
    sub = unique("bank")
    token = bearer("ratings:score", sub=sub)
    settings = {"rate_limit_score": "3/minute", "rate_limit_storage_url": redis_url}
    async with (
        serving(engine(**settings)) as first,
        serving(engine(**settings)) as second,
    ):
        answers = []
        for replica in (first, second, first, second, first):
            answers.append(await replica.post("/v1/score", json=payload(), headers=token))
        other = await second.post("/v1/score", json=payload(), headers=bearer("ratings:score"))
    assert [r.status_code for r in answers] == [200, 200, 200, 429, 429]
    assert [r.headers["ratelimit-remaining"] for r in answers[:3]] == ["2", "1", "0"]
    assert other.status_code == 200  # another subject, another budget
    # The counters are in Redis, under the service, class and subject.
    stored = keys_mentioning(redis_url, sub)
    assert stored
    assert all(b"rating-engine/score/sub:" + sub.encode() in key for key in stored)


async def test_two_replicas_spend_one_budget_per_address(redis_url: str) -> None:
    address = f"10.{secrets.randbelow(250)}.{secrets.randbelow(250)}.{secrets.randbelow(250)}"
    settings = {"rate_limit_read": "2/minute", "rate_limit_storage_url": redis_url}
    async with (
        serving(engine(**settings), address=address) as first,
        serving(engine(**settings), address=address) as second,
    ):
        answers = [await first.get("/v1/models"), await second.get("/v1/models")]
        answers += [await first.get("/v1/models"), await second.get("/v1/models")]
    assert [r.status_code for r in answers] == [401, 401, 429, 429]


async def test_budgets_in_redis_are_kept_per_service(redis_url: str) -> None:
    """One Redis for the whole platform: the same subject has a read budget in each service."""
    sub = unique("officer")
    token = bearer("ratings:score", sub=sub)
    settings = {"rate_limit_read": "1/minute", "rate_limit_storage_url": redis_url}
    app = engine(**settings)
    async with serving(app) as client:
        spent = [await client.get("/v1/models", headers=token) for _ in range(2)]
        async with client_for(app, "10.9.9.9") as elsewhere:
            from_elsewhere = await elsewhere.get("/v1/models", headers=token)
    assert [r.status_code for r in spent] == [200, 429]
    assert from_elsewhere.status_code == 429  # a subject's budget follows it across addresses
    assert all(b"rating-engine/read/" in key for key in keys_mentioning(redis_url, sub))


@pytest.mark.integration
@pytest.mark.xdist_group("rating-engine-process")
def test_two_engine_processes_configured_by_the_environment_share_redis(
    redis_url: str, tmp_path: Path
) -> None:
    sub = unique("bank")
    token = bearer("ratings:score", sub=sub)
    env = {
        "ENVIRONMENT": "test",
        "RATE_LIMIT_ENABLED": "true",
        "RATE_LIMIT_STORAGE_URL": redis_url,
        "RATE_LIMIT_SCORE": "3/minute",
    }
    module, port_env = "rating_engine", "RATING_ENGINE_PORT"
    with (
        running(module, port_env=port_env, env=env, tmp_path=tmp_path) as one,
        running(module, port_env=port_env, env=env, tmp_path=tmp_path) as two,
    ):
        answers = [
            httpx.post(f"{replica.url}/v1/score", json=payload(), headers=token, timeout=30)
            for replica in (one, two, one, two)
        ]
        probe = httpx.get(f"{two.url}/healthz", timeout=30)
    assert [r.status_code for r in answers] == [200, 200, 200, 429]
    refused = answers[-1]
    assert refused.headers["content-type"] == "application/problem+json"
    assert refused.json()["type"].endswith("/rate-limited")
    assert 1 <= int(refused.headers["retry-after"]) <= 60
    assert probe.status_code == 200
