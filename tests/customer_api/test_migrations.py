"""Migrations: one head; upgrade, downgrade to base and upgrade again leave the same schema."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import asyncpg
import pytest

from customer_api.migrate import SCRIPT_LOCATION
from guarantee_shared.db import migrations
from tests.support.database import asyncpg_dsn, create_database, drop_database


@pytest.fixture
def scratch_url(pg_admin_url: str) -> Iterator[str]:
    url = create_database(pg_admin_url, prefix="test_migrations")
    yield url
    drop_database(pg_admin_url, url)


async def _tables(url: str) -> list[str]:
    conn = await asyncpg.connect(asyncpg_dsn(url))
    try:
        rows = await conn.fetch(
            "select table_name from information_schema.tables"
            " where table_schema = 'customer' order by table_name"
        )
    finally:
        await conn.close()
    return [r["table_name"] for r in rows]


def test_single_head() -> None:
    assert len(migrations.heads(SCRIPT_LOCATION)) == 1


def test_upgrade_downgrade_upgrade(scratch_url: str) -> None:
    migrations.upgrade(SCRIPT_LOCATION, scratch_url)
    upgraded = asyncio.run(_tables(scratch_url))
    assert {"customers", "contracts", "contract_events", "audit_log"} <= set(upgraded)
    migrations.downgrade(SCRIPT_LOCATION, scratch_url, "base")
    assert asyncio.run(_tables(scratch_url)) == ["alembic_version"]
    migrations.upgrade(SCRIPT_LOCATION, scratch_url)
    assert asyncio.run(_tables(scratch_url)) == upgraded


def test_models_and_migrations_agree(scratch_url: str) -> None:
    """A model change without its migration fails here (autogenerate finds nothing to do)."""
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext
    from sqlalchemy import Connection
    from sqlalchemy.ext.asyncio import create_async_engine

    from customer_api.models import SCHEMA, Base
    from guarantee_shared.db.engine import asyncpg_url

    migrations.upgrade(SCRIPT_LOCATION, scratch_url)

    def diff(conn: Connection) -> list[object]:
        context = MigrationContext.configure(
            conn,
            opts={
                "include_schemas": True,
                "include_name": lambda name, kind, _p: (
                    name == SCHEMA if kind == "schema" else name != "alembic_version"
                ),
                "compare_type": True,
            },
        )
        return list(compare_metadata(context, Base.metadata))

    async def run() -> list[object]:
        engine = create_async_engine(asyncpg_url(scratch_url))
        try:
            async with engine.connect() as conn:
                return await conn.run_sync(diff)
        finally:
            await engine.dispose()

    assert asyncio.run(run()) == []


def test_the_migrate_command(scratch_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert migrations.cli(SCRIPT_LOCATION, scratch_url, ["heads"]) == 0
    assert capsys.readouterr().out.split() == list(migrations.heads(SCRIPT_LOCATION))
    assert migrations.cli(SCRIPT_LOCATION, scratch_url, []) == 0  # upgrade to head
    assert "customers" in asyncio.run(_tables(scratch_url))
    assert migrations.cli(SCRIPT_LOCATION, scratch_url, ["downgrade", "base"]) == 0
    assert asyncio.run(_tables(scratch_url)) == ["alembic_version"]
    assert migrations.cli(SCRIPT_LOCATION, scratch_url, ["sideways"]) == 2
    assert "usage" in capsys.readouterr().err
