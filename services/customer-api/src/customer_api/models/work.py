"""Keeping the book current (DOMAIN §13): review campaigns and the review tasks they open."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from customer_api.models.base import Base, TimestampedMixin, func_now, new_id

TASK_STATUSES = ("open", "in_progress", "done", "cancelled")
FINDING_STATUSES = ("open", "resolved", "waived")


class ReviewCampaign(TimestampedMixin, Base):
    """A review of part of the book: one task per matching active customer at creation."""

    __tablename__ = "review_campaigns"
    __table_args__ = (Index("ix_review_campaigns_created_at_id", "created_at", "id"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    name: Mapped[str] = mapped_column(String(200))
    due_on: Mapped[date]
    # The customer filter as given (GET /v1/customers' parameters), kept to show what was chosen.
    filter: Mapped[dict[str, Any]] = mapped_column(JSONB)
    assign_to: Mapped[str | None] = mapped_column(String(200))
    actor: Mapped[str] = mapped_column(String(200))
    version: Mapped[int] = mapped_column(Integer, default=1)


class ReviewTask(Base):
    """One customer to verify for one campaign; ``assignee`` null is the unassigned queue."""

    __tablename__ = "review_tasks"
    __table_args__ = (
        # One task per customer per campaign, whatever races create them.
        UniqueConstraint("campaign_id", "customer_id"),
        CheckConstraint(
            "status IN (" + ", ".join(f"'{s}'" for s in TASK_STATUSES) + ")", name="status"
        ),
        Index("ix_review_tasks_due_on_id", "due_on", "id"),
        Index("ix_review_tasks_assignee_due_on_id", "assignee", "due_on", "id"),
        Index("ix_review_tasks_customer_status", "customer_id", "status"),
        Index("ix_review_tasks_campaign_assignee_status", "campaign_id", "assignee", "status"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    campaign_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("review_campaigns.id", ondelete="CASCADE")
    )
    customer_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"))
    assignee: Mapped[str | None] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(12), default="open")
    due_on: Mapped[date]
    opened_at: Mapped[datetime] = mapped_column(server_default=func_now())
    completed_at: Mapped[datetime | None]
    version: Mapped[int] = mapped_column(Integer, default=1)
    updated_at: Mapped[datetime] = mapped_column(server_default=func_now())


class Finding(TimestampedMixin, Base):
    """Something a review found that must be put right by a date (整改事项)."""

    __tablename__ = "findings"
    __table_args__ = (
        CheckConstraint("severity IN ('low', 'medium', 'high')", name="severity"),
        CheckConstraint(
            "status IN (" + ", ".join(f"'{s}'" for s in FINDING_STATUSES) + ")", name="status"
        ),
        Index("ix_findings_customer_created_id", "customer_id", "created_at", "id"),
        Index("ix_findings_status_customer", "status", "customer_id"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    customer_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"))
    severity: Mapped[str] = mapped_column(String(10))
    description: Mapped[str] = mapped_column(Text)
    due_on: Mapped[date]
    owner: Mapped[str | None] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(10), default="open")
    resolved_at: Mapped[datetime | None]
    resolution_note: Mapped[str | None] = mapped_column(Text)
    actor: Mapped[str] = mapped_column(String(200))
    version: Mapped[int] = mapped_column(Integer, default=1)
