"""alerting under test: a migrated fresh database, the app in-process, a fake customer-api.

Unit-level tests drive cycles with ``POST /v1/evaluate`` and deliveries with
``DeliveryWorker.deliver_due()``: the app's loops are switched off (ALERT_EVALUATOR_ENABLED,
DELIVERY_WORKER_ENABLED), as on an API-only replica. customer-api is a small in-process ASGI
app serving whatever figures a test sets (:class:`FakeCustomerApi`); webhooks go to an
in-process receiver that records every request (:class:`Receiver`).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import asyncpg
import httpx
import pytest
from asgi_lifespan import LifespanManager
from fastapi import FastAPI

from alerting.app import create_app
from alerting.migrate import SCRIPT_LOCATION
from alerting.settings import AlertingSettings
from guarantee_shared.db import migrations
from tests.alerting.fakes import FakeCustomerApi
from tests.support.auth import bearer
from tests.support.database import asyncpg_dsn, create_database, drop_database
from tests.support.webhooks import Receiver

# Rule rows are kept (the default rules are data of the migration); everything else is emptied.
TABLES = (
    "delivery_attempts",
    "outbox",
    "alert_transitions",
    "alerts",
    "evaluation_cycles",
    "silences",
    "channels",
    "idempotency_keys",
)


@pytest.fixture(scope="session")
def alerting_db_url(pg_admin_url: str) -> Iterator[str]:
    url = create_database(pg_admin_url, prefix="test_alerting")
    migrations.upgrade(SCRIPT_LOCATION, url)
    yield url
    drop_database(pg_admin_url, url)


@pytest.fixture(scope="session")
def fake_customer_api() -> FakeCustomerApi:
    return FakeCustomerApi()


@pytest.fixture(scope="session")
def receiver() -> Receiver:
    return Receiver()


@pytest.fixture(scope="session")
def alerting_settings(alerting_db_url: str) -> AlertingSettings:
    return AlertingSettings(
        database_url=alerting_db_url,
        environment="test",
        log_level="WARNING",
        alert_evaluator_enabled=False,
        delivery_worker_enabled=False,
        delivery_backoff_base_s=0.01,
        delivery_max_attempts=3,
        customer_api_url="http://customer-api.test",
    )


@pytest.fixture(scope="session")
async def alerting_app(
    alerting_settings: AlertingSettings, fake_customer_api: FakeCustomerApi, receiver: Receiver
) -> AsyncIterator[FastAPI]:
    application = create_app(
        alerting_settings,
        customer_api_transport=httpx.ASGITransport(app=fake_customer_api.app),
        webhook_transport=httpx.ASGITransport(app=receiver.app),
    )
    async with LifespanManager(application):
        yield application


@pytest.fixture
async def adb(
    alerting_db_url: str, fake_customer_api: FakeCustomerApi, receiver: Receiver
) -> AsyncIterator[asyncpg.Connection]:
    """A raw connection for assertions; state and user rules are reset afterwards."""
    conn = await asyncpg.connect(asyncpg_dsn(alerting_db_url))
    try:
        yield conn
    finally:
        await conn.execute(
            "TRUNCATE " + ", ".join(f"alerting.{t}" for t in TABLES) + " RESTART IDENTITY CASCADE"
        )
        await conn.execute(
            'DELETE FROM alerting.rules WHERE NOT labels @> \'{"source": "default"}\''
        )
        await conn.execute("UPDATE alerting.rules SET enabled = true")
        await conn.close()
        fake_customer_api.reset()
        receiver.reset()


@pytest.fixture
async def api(alerting_app: FastAPI, adb: asyncpg.Connection) -> AsyncIterator[httpx.AsyncClient]:
    """A client with the alerts scopes; each test starts with no alerts and only default rules."""
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=alerting_app),
        base_url="http://alerting.test",
        headers=bearer("alerts:read", "alerts:write", sub="ops@example.com"),
    ) as c:
        yield c
