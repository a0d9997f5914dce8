"""Regenerate customer-api's initial migration from the models (only before it has shipped).

Usage: uv run python scripts/regen_initial_migration.py
Needs the PostgreSQL on 127.0.0.1:5432 (or ADMIN_DATABASE_URL).
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import uuid
from pathlib import Path

import asyncpg
from alembic import command

from guarantee_shared.db.migrations import alembic_config

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "services/customer-api/src/customer_api/migrations"
ADMIN = os.environ.get("ADMIN_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/postgres")


async def _db(sql: str) -> None:
    conn = await asyncpg.connect(ADMIN)
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


def main() -> None:
    name = f"regen_{uuid.uuid4().hex[:8]}"
    asyncio.run(_db(f'CREATE DATABASE "{name}"'))
    try:
        for old in (SCRIPT / "versions").glob("2026_11_28_*.py"):
            old.unlink()
        cfg = alembic_config(SCRIPT, ADMIN.rsplit("/", 1)[0] + "/" + name)
        cfg.set_main_option("file_template", "2026_11_28_%%(slug)s")
        command.revision(cfg, message="initial schema", autogenerate=True, rev_id="0001")
    finally:
        asyncio.run(_db(f'DROP DATABASE "{name}"'))
    subprocess.run(["ruff", "format", str(SCRIPT / "versions")], check=True)


if __name__ == "__main__":
    main()
