"""Rating history and background jobs (the rerun of every active customer)."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import CheckConstraint, ForeignKey, Index, Integer, String, Text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from customer_api.models.base import Base, func_now, new_id


class Rating(Base):
    """One rating as the engine gave it: the full result and a hash of the request it answered."""

    __tablename__ = "ratings"
    __table_args__ = (
        Index("ix_ratings_customer_rated", "customer_id", "rated_at", "id"),
        Index("ix_ratings_job_id", "job_id"),
        CheckConstraint("source IN ('model', 'override')", name="source"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    customer_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"))
    rated_at: Mapped[datetime] = mapped_column(server_default=func_now())
    as_of: Mapped[date]
    request_hash: Mapped[str] = mapped_column(String(64))
    # The request itself, for the training set; null for ratings stored before it was kept.
    request: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    model_version: Mapped[str] = mapped_column(String(40))
    score: Mapped[Decimal]
    credit_grade: Mapped[str] = mapped_column(String(4))
    risk_tier: Mapped[str] = mapped_column(String(10))
    customer_class: Mapped[str] = mapped_column(String(10))
    size_class: Mapped[str] = mapped_column(String(10))
    result: Mapped[dict[str, Any]] = mapped_column(JSONB)
    # The liability the engine deducted from the limit it recommended: the policy's limit rule
    # adds it back (DOMAIN §14). Null for ratings stored before it was kept.
    seen_liability: Mapped[Decimal | None]
    # "model" from the engine, "override" from an approved rating_override (four eyes).
    source: Mapped[str] = mapped_column(String(10), default="model", server_default="model")
    requested_by: Mapped[str | None] = mapped_column(String(200))
    approved_by: Mapped[str | None] = mapped_column(String(200))
    actor: Mapped[str] = mapped_column(String(200))
    job_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("jobs.id", ondelete="SET NULL"))


class Job(Base):
    """A long-running job with progress; ``cursor`` lets a restarted worker resume it."""

    __tablename__ = "jobs"
    __table_args__ = (
        CheckConstraint("status IN ('queued', 'running', 'succeeded', 'failed')", name="status"),
        Index("ix_jobs_kind_status", "kind", "status"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    kind: Mapped[str] = mapped_column(String(40))
    status: Mapped[str] = mapped_column(String(12), default="queued")
    total: Mapped[int] = mapped_column(Integer, default=0)
    done: Mapped[int] = mapped_column(Integer, default=0)
    failed: Mapped[int] = mapped_column(Integer, default=0)
    cursor: Mapped[str | None] = mapped_column(String(64))
    errors: Mapped[list[dict[str, Any]]] = mapped_column(JSONB, default=list)
    params: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict)
    actor: Mapped[str] = mapped_column(String(200))
    worker: Mapped[str | None] = mapped_column(String(100))
    heartbeat_at: Mapped[datetime | None]
    message: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(server_default=func_now())
    started_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]
