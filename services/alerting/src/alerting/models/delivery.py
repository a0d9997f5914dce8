"""Webhook channels, the notification outbox and every delivery attempt; idempotency keys."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, Integer, LargeBinary, String
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, declared_attr, mapped_column

from alerting.models.base import Base, func_now
from guarantee_shared.db.idempotency import IdempotencyKeyColumns
from guarantee_shared.outbox.columns import (
    DeliveryAttemptColumns,
    OutboxMessageColumns,
    WebhookTargetColumns,
    attempts_index,
    due_index,
)


class Channel(WebhookTargetColumns, Base):
    """A webhook target of alerts (id, url, secret, enabled, disabled_reason, version, created_at
    are the shared target columns)."""

    __tablename__ = "channels"

    name: Mapped[str] = mapped_column(String(200))
    format: Mapped[str] = mapped_column(String(20))
    min_severity: Mapped[str] = mapped_column(String(10))

    @declared_attr.directive
    def __mapper_args__(cls) -> dict[str, Any]:  # noqa: N805 - declared_attr takes the class
        # The version column comes from the mixin: name this table's copy of it.
        return {"version_id_col": cls.__table__.c.version}


class OutboxMessage(OutboxMessageColumns, Base):
    """One notification of one alert to one channel (the shared outbox columns, plus these)."""

    __tablename__ = "outbox"
    __table_args__ = (due_index("outbox"), Index("ix_outbox_alert_id", "alert_id"))

    alert_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("alerts.id", ondelete="CASCADE"))
    channel_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("channels.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(10))  # firing | resolved


class DeliveryAttempt(DeliveryAttemptColumns, Base):
    __tablename__ = "delivery_attempts"
    __table_args__ = (attempts_index("delivery_attempts"),)

    outbox_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("outbox.id", ondelete="CASCADE"))


class IdempotencyKey(IdempotencyKeyColumns, Base):
    __tablename__ = "idempotency_keys"
    __table_args__ = (Index("ix_idempotency_keys_created_at", "created_at"),)
    key: Mapped[str] = mapped_column(String(255), primary_key=True)
    route: Mapped[str] = mapped_column(String(200))
    request_hash: Mapped[str] = mapped_column(String(64))
    status_code: Mapped[int] = mapped_column(Integer)
    response_headers: Mapped[dict[str, str]] = mapped_column(JSONB)
    response_body: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(server_default=func_now())
