"""Alert rules and silences: what to watch and what to mute."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Boolean, Index, Integer, String, Text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from alerting.models.base import Base, func_now


class Rule(Base):
    __tablename__ = "rules"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    indicator: Mapped[str] = mapped_column(String(80))
    scope: Mapped[str] = mapped_column(String(40))
    scope_value: Mapped[str | None] = mapped_column(String(200))
    # Signal values that count (adverse_event kinds, "kind:grade"); null counts every signal.
    match: Mapped[list[str] | None] = mapped_column(JSONB)
    op: Mapped[str] = mapped_column(String(2))
    threshold: Mapped[Decimal]
    for_cycles: Mapped[int] = mapped_column(Integer, default=1)
    severity: Mapped[str] = mapped_column(String(10))
    labels: Mapped[dict[str, str]] = mapped_column(JSONB, default=dict)
    description: Mapped[str | None] = mapped_column(Text)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(server_default=func_now())
    updated_at: Mapped[datetime] = mapped_column(server_default=func_now(), onupdate=func_now())

    __mapper_args__: dict[str, Any] = {"version_id_col": version}  # noqa: RUF012


class Silence(Base):
    __tablename__ = "silences"
    __table_args__ = (Index("ix_silences_ends_at", "ends_at"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    # [{"name": label, "value": exact value}]: every matcher must hold (Alertmanager equality).
    matchers: Mapped[list[dict[str, str]]] = mapped_column(JSONB)
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]
    created_by: Mapped[str] = mapped_column(String(200))
    comment: Mapped[str | None] = mapped_column(Text)
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(server_default=func_now())
