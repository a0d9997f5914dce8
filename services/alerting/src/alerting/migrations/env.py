"""Alembic environment for schema ``alerting`` (async, asyncpg)."""

from __future__ import annotations

from alerting.models import SCHEMA, Base
from guarantee_shared.db.migrations import run_env

run_env(Base.metadata, SCHEMA)
