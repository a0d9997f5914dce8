"""A real rating-engine process, stopped while customer-api is rating: 503, nothing half-written."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import asyncpg
import httpx
import pytest
from asgi_lifespan import LifespanManager

from customer_api.app import create_app
from customer_api.settings import CustomerApiSettings
from tests.support.auth import ALL_SCOPES, bearer
from tests.support.factories import customer_body, statement_body
from tests.support.processes import running

pytestmark = [pytest.mark.integration, pytest.mark.xdist_group("rating-engine-process")]


async def _count(db: asyncpg.Connection) -> tuple[int, int, int]:
    ratings = await db.fetchval("select count(*) from customer.ratings")
    rate_audits = await db.fetchval("select count(*) from customer.audit_log where action = 'rate'")
    version = await db.fetchval("select coalesce(sum(version), 0) from customer.customers")
    return ratings, rate_audits, version


@pytest.fixture
async def api_against(
    settings: CustomerApiSettings, db: asyncpg.Connection
) -> AsyncIterator[Callable[[str], Awaitable[httpx.AsyncClient]]]:
    """A factory: a customer-api app whose engine is at the given URL."""
    apps: list[LifespanManager] = []

    async def build(engine_url: str) -> httpx.AsyncClient:
        app = create_app(settings.model_copy(update={"rating_engine_url": engine_url}))
        manager = LifespanManager(app)
        await manager.__aenter__()
        apps.append(manager)
        return httpx.AsyncClient(
            transport=httpx.ASGITransport(app=manager.app),
            base_url="http://test",
            headers=bearer(*ALL_SCOPES),
        )

    yield build
    for manager in apps:
        await manager.__aexit__(None, None, None)


async def test_engine_stopped_mid_rating_leaves_nothing_half_written(
    api_against: Callable[[str], Awaitable[httpx.AsyncClient]],
    db: asyncpg.Connection,
    tmp_path: Path,
) -> None:
    with running(
        "rating_engine",
        port_env="RATING_ENGINE_PORT",
        env={"LOG_LEVEL": "WARNING"},
        tmp_path=tmp_path,
    ) as engine:
        client = await api_against(engine.url)
        created = await client.post("/v1/customers", json=customer_body())
        customer_id = created.json()["id"]
        statement = await client.post(
            f"/v1/customers/{customer_id}/financial-statements", json=statement_body()
        )
        assert statement.status_code == 201
        first = await client.post(f"/v1/customers/{customer_id}/rate")
        assert first.status_code == 201, first.text

        # Keep rating while the engine is killed: every answer is a full rating or a 503.
        async def rate_repeatedly() -> list[int]:
            statuses: list[int] = []
            while statuses.count(503) < 2 and len(statuses) < 200:
                response = await client.post(f"/v1/customers/{customer_id}/rate")
                statuses.append(response.status_code)
                if response.status_code == 503:
                    assert response.headers["content-type"] == "application/problem+json"
                    assert "rating engine" in response.json()["detail"].lower()
                await asyncio.sleep(0.01)
            return statuses

        raters = asyncio.create_task(rate_repeatedly())
        await asyncio.sleep(0.1)
        engine.process.kill()
        engine.process.wait()
        statuses = await raters

    assert set(statuses) <= {201, 503}
    assert statuses[-1] == 503
    ratings, rate_audits, _ = await _count(db)
    succeeded = 1 + statuses.count(201)
    assert ratings == succeeded
    assert rate_audits == succeeded
    customer = await db.fetchrow("select version from customer.customers")
    assert customer["version"] == 1 + succeeded
