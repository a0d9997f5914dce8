"""The columns of a service's outbox tables; each service maps them in its own schema.

A service declares three tables, as it declares its idempotency keys::

    class Subscription(WebhookTargetColumns, Base):   # where messages go (url, secret …)
        __tablename__ = "subscriptions"

    class OutboxMessage(OutboxMessageColumns, Base):  # one message to one target
        __tablename__ = "outbox"
        __table_args__ = (due_index("outbox"),)
        subscription_id = mapped_column(ForeignKey("subscriptions.id", ondelete="CASCADE"))

    class DeliveryAttempt(DeliveryAttemptColumns, Base):  # every attempt, for the record
        __tablename__ = "delivery_attempts"
        outbox_id = mapped_column(ForeignKey("outbox.id", ondelete="CASCADE"))

and hands them to :class:`guarantee_shared.outbox.worker.OutboxTables`. The foreign keys are
the service's own: they name its tables.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    DateTime,
    Identity,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    func,
)
from sqlalchemy.orm import Mapped, mapped_column

PENDING, DELIVERED, DEAD = "pending", "delivered", "dead"


class WebhookTargetColumns:
    """A place messages are sent to: its URL, signing secret, and whether it still takes them
    (a 410 Gone switches it off, saying why). ``version`` is its ETag."""

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4, sort_order=-10)
    url: Mapped[str] = mapped_column(String(2000))
    secret: Mapped[str] = mapped_column(String(500))
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    disabled_reason: Mapped[str | None] = mapped_column(Text)
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class OutboxMessageColumns:
    """One message to one target. ``id`` is the ``webhook-id`` of every attempt; ``body`` the
    exact bytes every attempt sends, fixed when the change it announces was written."""

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, sort_order=-10)
    body: Mapped[bytes] = mapped_column(LargeBinary)
    status: Mapped[str] = mapped_column(String(10), default=PENDING)  # pending|delivered|dead
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    delivered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class DeliveryAttemptColumns:
    """One attempt to send a message: when, what came back, which replica sent it."""

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True, sort_order=-10)
    outbox_id: Mapped[uuid.UUID]  # the service maps it with the foreign key to its outbox
    attempt: Mapped[int] = mapped_column(Integer)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    status_code: Mapped[int | None] = mapped_column(Integer)
    error: Mapped[str | None] = mapped_column(Text)
    duration_ms: Mapped[int] = mapped_column(Integer)
    replica: Mapped[str] = mapped_column(String(200))


def due_index(table: str) -> Index:
    """The index the worker's claim reads: pending messages by when they are due."""
    return Index(f"ix_{table}_due", "next_attempt_at", postgresql_where="status = 'pending'")


def attempts_index(table: str) -> Index:
    """A message's attempts in order."""
    return Index(f"ix_{table}_outbox_id", "outbox_id", "id")
