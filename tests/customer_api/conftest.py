"""customer-api under test: migrated fresh database, the app in-process, tables emptied per test.

The app's delivery worker is off: tests that follow partners' events run a worker of their own
against an in-process receiver.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import asyncpg
import httpx
import pytest
from asgi_lifespan import LifespanManager
from fastapi import FastAPI

from customer_api.app import create_app
from customer_api.migrate import SCRIPT_LOCATION
from customer_api.models import Base
from customer_api.settings import CustomerApiSettings
from guarantee_shared.db import migrations
from rating_engine.app import create_app as create_engine_app
from rating_engine.settings import RatingEngineSettings
from tests.support.auth import ALL_SCOPES, bearer
from tests.support.database import asyncpg_dsn, create_database, drop_database

# Every table of the schema, so a new model is emptied between tests without anyone listing it.
TABLES = tuple(table.name for table in Base.metadata.sorted_tables)


@pytest.fixture(scope="session")
def customer_db_url(pg_admin_url: str) -> Iterator[str]:
    url = create_database(pg_admin_url, prefix="test_customer")
    migrations.upgrade(SCRIPT_LOCATION, url)
    yield url
    drop_database(pg_admin_url, url)


@pytest.fixture(scope="session")
def settings(customer_db_url: str) -> CustomerApiSettings:
    return CustomerApiSettings(
        database_url=customer_db_url,
        environment="test",
        log_level="WARNING",
        uscc_allowlist=frozenset({"91350100M0001TGQXM"}),
        guarantor_net_assets="100000000.00",
        guarantor_guarantee_investments="0",
        # Tests deliver partners' events themselves (DeliveryWorker.deliver_due), to receivers
        # they control.
        delivery_worker_enabled=False,
    )


@pytest.fixture(scope="session")
async def app(settings: CustomerApiSettings) -> AsyncIterator[FastAPI]:
    # The real rating engine, in-process: customer-api reaches it through its typed client.
    engine = create_engine_app(RatingEngineSettings(environment="test", log_level="WARNING"))
    application = create_app(settings, rating_transport=httpx.ASGITransport(app=engine))
    async with LifespanManager(application):
        yield application


@pytest.fixture
async def db(customer_db_url: str) -> AsyncIterator[asyncpg.Connection]:
    """A raw connection for assertions on what is stored; empties the tables afterwards."""
    conn = await asyncpg.connect(asyncpg_dsn(customer_db_url))
    try:
        yield conn
    finally:
        await conn.execute(
            "TRUNCATE " + ", ".join(f"customer.{t}" for t in TABLES) + " RESTART IDENTITY CASCADE"
        )
        await conn.close()


@pytest.fixture
async def client(app: FastAPI, db: asyncpg.Connection) -> AsyncIterator[httpx.AsyncClient]:
    """A client with every scope; each test starts on empty tables."""
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://test", headers=bearer(*ALL_SCOPES)
    ) as c:
        yield c


@pytest.fixture
async def anon(app: FastAPI, db: asyncpg.Connection) -> AsyncIterator[httpx.AsyncClient]:
    """A client without a token (set headers per request)."""
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://test"
    ) as c:
        yield c
