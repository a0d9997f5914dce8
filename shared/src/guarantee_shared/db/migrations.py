"""Alembic run the same way by `make migrate`, the app's readiness probe and the tests."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from guarantee_shared.db.engine import asyncpg_url


def alembic_config(script_location: Path, url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(script_location))
    # ConfigParser interpolation would eat a '%' in a password.
    config.set_main_option("sqlalchemy.url", asyncpg_url(url).replace("%", "%%"))
    return config


def upgrade(script_location: Path, url: str, revision: str = "head") -> None:
    command.upgrade(alembic_config(script_location, url), revision)


def downgrade(script_location: Path, url: str, revision: str) -> None:
    command.downgrade(alembic_config(script_location, url), revision)


def heads(script_location: Path) -> tuple[str, ...]:
    script = ScriptDirectory.from_config(alembic_config(script_location, "postgresql://x/y"))
    return tuple(script.get_heads())


async def pending_reason(engine: AsyncEngine, script_location: Path, schema: str) -> str | None:
    """None when the database is reachable and at head, else why not (for /readyz)."""
    expected = set(heads(script_location))
    async with engine.connect() as conn:
        await conn.execute(text("SELECT 1"))

        def current(sync_conn: object) -> set[str]:
            ctx = MigrationContext.configure(
                sync_conn,  # type: ignore[arg-type]
                opts={"version_table_schema": schema},
            )
            return set(ctx.get_current_heads())

        found = await conn.run_sync(current)
    if found != expected:
        return f"migrations at {sorted(found) or 'none'}, head is {sorted(expected)}"
    return None
