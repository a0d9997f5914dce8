"""A database that cannot be reached is a 503 problem with Retry-After; other errors stay 500.

The in-process half of the fault tests (tests/faults/ restart a real server under load): a
connection refused, a backend terminated mid-transaction, and the errors that are not outages.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import asyncpg
import httpx
import pytest
from asgi_lifespan import LifespanManager
from fastapi import FastAPI
from sqlalchemy import text

from guarantee_shared.db.engine import SessionDep, create_engine, create_sessionmaker
from guarantee_shared.db.outage import install_outage_handlers
from guarantee_shared.settings import ServiceSettings
from guarantee_shared.web.app import build_app
from tests.support.processes import free_port


def _app(database_url: str) -> FastAPI:
    app = build_app(
        ServiceSettings(environment="test", log_level="WARNING"),
        service="outage-test",
        title="outage-test",
        version="0",
        description="",
    )
    install_outage_handlers(app)
    app.state.engine = create_engine(database_url, application_name="outage-test")
    app.state.sessionmaker = create_sessionmaker(app.state.engine)

    @app.get("/one")
    async def one(session: SessionDep) -> dict[str, int]:
        return {"one": int(await session.scalar(text("SELECT 1")) or 0)}

    @app.get("/killed-mid-transaction")
    async def killed(session: SessionDep) -> dict[str, int]:
        pid = await session.scalar(text("SELECT pg_backend_pid()"))
        other = await asyncpg.connect(database_url)
        try:
            await other.execute("SELECT pg_terminate_backend($1)", pid)
        finally:
            await other.close()
        await asyncio.sleep(0.2)  # the FATAL reaches the idle connection
        return {"one": int(await session.scalar(text("SELECT 1")) or 0)}

    @app.get("/division-by-zero")
    async def division(session: SessionDep) -> dict[str, int]:
        return {"x": int(await session.scalar(text("SELECT 1 / 0")) or 0)}

    @app.get("/missing-file")
    def missing_file() -> dict[str, str]:
        return {"text": Path("/nonexistent/guarantee/file").read_text()}

    return app


@pytest.fixture
async def client_to(pg_admin_url: str) -> AsyncIterator[httpx.AsyncClient]:
    app = _app(pg_admin_url)
    # Exceptions the app lets escape come back as its 500 response, as a real server sends it.
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with (
        LifespanManager(app),
        httpx.AsyncClient(transport=transport, base_url="http://t") as client,
    ):
        yield client
    await app.state.engine.dispose()


def _is_unavailable_problem(response: httpx.Response) -> None:
    assert response.status_code == 503, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert response.headers["retry-after"] == "2"
    body = response.json()
    assert body["type"] == "https://problems.guarantee.example/database-unavailable"
    assert body["status"] == 503


async def test_a_refused_connection_is_503_with_retry_after() -> None:
    app = _app(f"postgresql://postgres@127.0.0.1:{free_port()}/postgres")
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as c:
        response = await c.get("/one")
    await app.state.engine.dispose()
    _is_unavailable_problem(response)


async def test_a_backend_terminated_mid_transaction_is_503_and_the_pool_recovers(
    client_to: httpx.AsyncClient,
) -> None:
    assert (await client_to.get("/one")).json() == {"one": 1}
    _is_unavailable_problem(await client_to.get("/killed-mid-transaction"))
    # The dead connection left the pool: the next request gets a working one.
    assert (await client_to.get("/one")).json() == {"one": 1}


async def test_a_statement_the_database_refuses_is_still_a_500(
    client_to: httpx.AsyncClient,
) -> None:
    response = await client_to.get("/division-by-zero")
    assert response.status_code == 500
    assert "retry-after" not in response.headers


async def test_an_os_error_outside_the_database_is_still_a_500(
    client_to: httpx.AsyncClient,
) -> None:
    response = await client_to.get("/missing-file")
    assert response.status_code == 500
    assert response.headers["content-type"] == "application/problem+json"
