"""Alerts (one per rule and subject), their transitions, and evaluation cycles."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal

from sqlalchemy import (
    BigInteger,
    Boolean,
    ForeignKey,
    Identity,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from alerting.models.base import Base, func_now


class Alert(Base):
    __tablename__ = "alerts"
    __table_args__ = (
        UniqueConstraint("rule_id", "fingerprint"),
        Index("ix_alerts_state_severity", "state", "severity"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    rule_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("rules.id", ondelete="CASCADE"))
    fingerprint: Mapped[str] = mapped_column(String(32))
    subject: Mapped[str] = mapped_column(String(300))
    state: Mapped[str] = mapped_column(String(10))
    severity: Mapped[str] = mapped_column(String(10))
    value: Mapped[Decimal | None]
    threshold: Mapped[Decimal]
    breaches: Mapped[int] = mapped_column(Integer, default=0)
    labels: Mapped[dict[str, str]] = mapped_column(JSONB, default=dict)
    started_at: Mapped[datetime | None]
    fired_at: Mapped[datetime | None]
    resolved_at: Mapped[datetime | None]
    last_evaluated_at: Mapped[datetime]
    acknowledged_by: Mapped[str | None] = mapped_column(String(200))
    acknowledged_at: Mapped[datetime | None]


class AlertTransition(Base):
    """Every state change, in commit order of ids: the SSE stream and the history read it."""

    __tablename__ = "alert_transitions"
    __table_args__ = (Index("ix_alert_transitions_alert_id", "alert_id", "id"),)

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    alert_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("alerts.id", ondelete="CASCADE"))
    cycle_id: Mapped[int | None] = mapped_column(BigInteger)
    from_state: Mapped[str] = mapped_column(String(10))
    to_state: Mapped[str] = mapped_column(String(10))
    value: Mapped[Decimal | None]
    # A silence matched: the change is recorded, no notification goes out.
    suppressed: Mapped[bool] = mapped_column(Boolean, default=False)
    at: Mapped[datetime] = mapped_column(server_default=func_now())


class EvaluationCycle(Base):
    __tablename__ = "evaluation_cycles"
    __table_args__ = (Index("ix_evaluation_cycles_started_at", "started_at"),)

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    started_at: Mapped[datetime]
    finished_at: Mapped[datetime]
    trigger: Mapped[str] = mapped_column(String(10))  # schedule | manual
    replica: Mapped[str] = mapped_column(String(200))
    customer_api_up: Mapped[bool] = mapped_column(Boolean)
    unavailable: Mapped[list[str]] = mapped_column(JSONB, default=list)
    error: Mapped[str | None] = mapped_column(Text)
    rules: Mapped[int] = mapped_column(Integer)
    observations: Mapped[int] = mapped_column(Integer)
    transitions: Mapped[int] = mapped_column(Integer)
    notifications: Mapped[int] = mapped_column(Integer)
    duration_ms: Mapped[int] = mapped_column(Integer)
