"""Alembic run the same way by `make migrate`, the app's readiness probe and the tests."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Sequence
from pathlib import Path

from alembic import command, context
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import MetaData, text
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

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


def run_env(metadata: MetaData, schema: str) -> None:
    """The body of a service's Alembic ``env.py``: async, one schema, its own version table."""
    config = context.config
    if context.is_offline_mode():
        raise SystemExit("offline migrations are not supported; run against a database")

    def run(connection: Connection) -> None:
        connection.execute(text(f'CREATE SCHEMA IF NOT EXISTS "{schema}"'))
        context.configure(
            connection=connection,
            target_metadata=metadata,
            version_table_schema=schema,
            include_schemas=True,
            include_name=lambda name, type_, _parent: type_ != "schema" or name == schema,
            compare_type=True,
        )
        with context.begin_transaction():
            context.run_migrations()

    async def run_async() -> None:
        engine = create_async_engine(config.get_main_option("sqlalchemy.url") or "")
        async with engine.connect() as connection:
            await connection.run_sync(run)
            await connection.commit()
        await engine.dispose()

    asyncio.run(run_async())


USAGE = "usage: python -m <service>.migrate [upgrade [REV] | downgrade REV | heads]"


def cli(script_location: Path, url: str, argv: Sequence[str]) -> int:
    """A service's ``migrate`` command on ``url``: upgrade (default, to head), downgrade, heads."""
    action = argv[0] if argv else "upgrade"
    if action == "upgrade" and len(argv) <= 2:
        upgrade(script_location, url, argv[1] if len(argv) == 2 else "head")
    elif action == "downgrade" and len(argv) == 2:
        downgrade(script_location, url, argv[1])
    elif action == "heads" and len(argv) == 1:
        print(" ".join(heads(script_location)))  # noqa: T201 - a command's output
    else:
        print(USAGE, file=sys.stderr)  # noqa: T201
        return 2
    return 0
