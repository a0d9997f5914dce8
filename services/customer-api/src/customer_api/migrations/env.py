"""Alembic environment for schema ``customer`` (async, asyncpg)."""

from __future__ import annotations

from customer_api.models import SCHEMA, Base
from guarantee_shared.db.migrations import run_env

run_env(Base.metadata, SCHEMA)
