"""A fresh real PostgreSQL database per test run (and per xdist worker).

Where the server comes from: TEST_DATABASE_URL; else 127.0.0.1:5432 if it answers; else an
embedded server (pgserver). Under CI=true a missing server is a failure, never a skip.
"""

from __future__ import annotations

import asyncio
import os
import uuid
from pathlib import Path

import asyncpg
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parents[2]
LOCAL_ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"


class DatabaseUnavailable(RuntimeError):
    pass


async def _answers(url: str) -> bool:
    try:
        conn = await asyncpg.connect(url, timeout=3)
    except (OSError, asyncpg.PostgresError, TimeoutError):
        return False
    await conn.close()
    return True


def admin_url() -> str:
    """A plain ``postgresql://`` URL to a maintenance database on the chosen server."""
    explicit = os.environ.get("TEST_DATABASE_URL")
    if explicit:
        url = make_url(explicit).set(drivername="postgresql")
        rendered = url.render_as_string(hide_password=False)
        if not asyncio.run(_answers(rendered)):
            raise DatabaseUnavailable(f"TEST_DATABASE_URL does not answer: {url!r}")
        return rendered
    if asyncio.run(_answers(LOCAL_ADMIN_URL)):
        return LOCAL_ADMIN_URL
    if os.environ.get("CI", "").lower() == "true":
        raise DatabaseUnavailable(
            "CI=true and no PostgreSQL answers on 127.0.0.1:5432 (nor TEST_DATABASE_URL)"
        )
    from guarantee_shared.db.embedded import embedded_url

    url = make_url(embedded_url(ROOT / ".data" / "test")).set(drivername="postgresql")
    return url.set(database="postgres").render_as_string(hide_password=False)


def create_database(admin: str, *, prefix: str) -> str:
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"

    async def run() -> None:
        conn = await asyncpg.connect(admin)
        try:
            await conn.execute(f'CREATE DATABASE "{name}"')
        finally:
            await conn.close()

    asyncio.run(run())
    return make_url(admin).set(database=name).render_as_string(hide_password=False)


def drop_database(admin: str, url: str) -> None:
    name = make_url(url).database

    async def run() -> None:
        conn = await asyncpg.connect(admin)
        try:
            await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await conn.close()

    asyncio.run(run())


def asyncpg_dsn(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
