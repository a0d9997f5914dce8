"""A fresh real PostgreSQL database per test run (and per xdist worker).

Where the server comes from: TEST_DATABASE_URL; else 127.0.0.1:5432 if it answers; else an
embedded server (pgserver) with its data under TEST_DATA_DIR (default .data/test), which
tests/conftest.py starts once for the whole run and stops at its end. Under CI=true a missing
server is a failure, never a skip.
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


def under_ci() -> bool:
    return os.environ.get("CI", "").lower() == "true"


def embedded_data_dir() -> Path:
    """Where the embedded test server keeps its data; apart from `make run`'s .data/pg."""
    return Path(os.environ.get("TEST_DATA_DIR") or ROOT / ".data" / "test").resolve()


async def _answers(url: str) -> bool:
    try:
        conn = await asyncpg.connect(url, timeout=3)
    except (OSError, asyncpg.PostgresError, TimeoutError):
        return False
    await conn.close()
    return True


def reachable_admin_url() -> str | None:
    """TEST_DATABASE_URL (which must answer), else 127.0.0.1:5432 if it answers, else None.

    The URL is a plain ``postgresql://`` one, to a maintenance database of that server.
    """
    explicit = os.environ.get("TEST_DATABASE_URL")
    if explicit:
        url = make_url(explicit).set(drivername="postgresql")
        rendered = url.render_as_string(hide_password=False)
        if not asyncio.run(_answers(rendered)):
            raise DatabaseUnavailable(f"TEST_DATABASE_URL does not answer: {url!r}")
        return rendered
    if asyncio.run(_answers(LOCAL_ADMIN_URL)):
        return LOCAL_ADMIN_URL
    return None


def no_server_reason() -> str:
    if under_ci():
        return "CI=true and no PostgreSQL answers on 127.0.0.1:5432 (nor TEST_DATABASE_URL)"
    return (
        "no PostgreSQL answers on 127.0.0.1:5432 (nor TEST_DATABASE_URL) and the embedded "
        "one was not started (tests/conftest.py starts it when pytest starts)"
    )


def start_embedded(data_dir: Path) -> str:
    """Start the embedded server in ``data_dir``: its admin URL, for ``stop_embedded``."""
    from guarantee_shared.db.embedded import embedded_url

    url = make_url(embedded_url(data_dir)).set(drivername="postgresql")
    return url.set(database="postgres").render_as_string(hide_password=False)


def admin_url() -> str:
    """For tools outside pytest (benchmarks): the reachable server, else an embedded one that
    is left running (``make run``'s way); under CI=true no server is an error."""
    url = reachable_admin_url()
    if url is not None:
        return url
    if under_ci():
        raise DatabaseUnavailable(no_server_reason())
    return start_embedded(embedded_data_dir())


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
