"""Customer review records: verifications, satisfaction surveys, complaints and their events."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import (
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from customer_api.models.base import Base, TimestampedMixin, func_now, new_id

COMPLAINT_STATUSES = ("open", "assigned", "responded", "resolved", "closed")


class Verification(Base):
    """One periodic verification of a customer's facts (DOMAIN §1.1) and the schedule it set."""

    __tablename__ = "verifications"
    __table_args__ = (
        CheckConstraint("outcome IN ('confirmed', 'corrected', 'unreachable')", name="outcome"),
        Index("ix_verifications_customer_verified", "customer_id", "verified_on", "id"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    customer_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"))
    verified_on: Mapped[date]
    verified_by: Mapped[str] = mapped_column(String(100))
    outcome: Mapped[str] = mapped_column(String(12))
    note: Mapped[str | None] = mapped_column(Text)
    # The schedule this verification produced (kept even when a newer one supersedes it).
    interval_days: Mapped[int] = mapped_column(Integer)
    next_review_due: Mapped[date]
    actor: Mapped[str] = mapped_column(String(200))
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(server_default=func_now())


class Survey(Base):
    """A satisfaction survey answer (DOMAIN §11: score 1-5)."""

    __tablename__ = "surveys"
    __table_args__ = (
        CheckConstraint("score BETWEEN 1 AND 5", name="score"),
        Index("ix_surveys_customer_surveyed", "customer_id", "surveyed_on", "id"),
        Index("ix_surveys_surveyed_on", "surveyed_on"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    customer_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"))
    surveyed_on: Mapped[date]
    score: Mapped[int] = mapped_column(SmallInteger)
    channel: Mapped[str] = mapped_column(String(10))
    comment: Mapped[str | None] = mapped_column(Text)
    actor: Mapped[str] = mapped_column(String(200))
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(server_default=func_now())


class Complaint(TimestampedMixin, Base):
    """A customer complaint with its service-level due time (DOMAIN §11)."""

    __tablename__ = "complaints"
    __table_args__ = (
        CheckConstraint("severity IN ('low', 'medium', 'high')", name="severity"),
        CheckConstraint(
            "status IN (" + ", ".join(f"'{s}'" for s in COMPLAINT_STATUSES) + ")", name="status"
        ),
        Index("ix_complaints_created_id", "created_at", "id"),
        Index("ix_complaints_customer_created", "customer_id", "created_at", "id"),
        # The complaint_breached signal reads open complaints past their due time.
        Index("ix_complaints_status_due", "status", "due_at"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    customer_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"))
    category: Mapped[str] = mapped_column(String(50))
    severity: Mapped[str] = mapped_column(String(10))
    description: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(10), default="open")
    assignee: Mapped[str | None] = mapped_column(String(100))
    due_at: Mapped[datetime]
    resolved_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]
    actor: Mapped[str] = mapped_column(String(200))
    version: Mapped[int] = mapped_column(Integer, default=1)


class ComplaintEvent(Base):
    """One step of a complaint's handling, in order (``seq`` from 1)."""

    __tablename__ = "complaint_events"
    __table_args__ = (UniqueConstraint("complaint_id", "seq"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    complaint_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("complaints.id", ondelete="CASCADE"))
    seq: Mapped[int] = mapped_column(Integer)
    type: Mapped[str] = mapped_column(String(10))
    assignee: Mapped[str | None] = mapped_column(String(100))
    note: Mapped[str | None] = mapped_column(Text)
    status_after: Mapped[str] = mapped_column(String(10))
    actor: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(server_default=func_now())
