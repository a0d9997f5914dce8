"""Partner banks: who they are, the lender names that are theirs, their webhook subscriptions,
and the outbox of events sent to those subscriptions."""

from __future__ import annotations

import uuid

from sqlalchemy import ForeignKey, Index, Integer, String
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Mapped, mapped_column, relationship

from customer_api.models.base import Base, TimestampedMixin, new_id
from guarantee_shared.outbox.columns import (
    DeliveryAttemptColumns,
    OutboxMessageColumns,
    WebhookTargetColumns,
    attempts_index,
    due_index,
)


class Partner(TimestampedMixin, Base):
    """A bank that lends against our guarantees. ``code`` is the ``partner`` claim of its
    tokens and the key of its routes."""

    __tablename__ = "partners"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    version: Mapped[int] = mapped_column(Integer, default=1)

    lenders: Mapped[list[PartnerLender]] = relationship(
        order_by="PartnerLender.position", lazy="selectin", passive_deletes=True
    )

    @property
    def lender_names(self) -> list[str]:
        return [lender.lender for lender in self.lenders]


class PartnerLender(Base):
    """A name under which contracts record a partner (``contracts.lender``). The name is the
    key: one name belongs to one partner, so no bank can be given another's customers by a
    name registered twice."""

    __tablename__ = "partner_lenders"
    __table_args__ = (Index("ix_partner_lenders_partner_id", "partner_id", "position"),)

    lender: Mapped[str] = mapped_column(String(200), primary_key=True)
    partner_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("partners.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)  # the order the partner's names were given in


class PartnerSubscription(WebhookTargetColumns, Base):
    """Where a partner wants its events (the shared target columns: url, secret, enabled …)."""

    __tablename__ = "partner_subscriptions"
    __table_args__ = (Index("ix_partner_subscriptions_partner_id_id", "partner_id", "id"),)

    partner_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("partners.id", ondelete="CASCADE"))
    events: Mapped[list[str]] = mapped_column(ARRAY(String(40)))


class OutboxMessage(OutboxMessageColumns, Base):
    """One event to one subscription, written in the transaction of the change it announces."""

    __tablename__ = "outbox"
    __table_args__ = (
        due_index("outbox"),
        Index("ix_outbox_subscription_id_id", "subscription_id", "id"),
    )

    subscription_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("partner_subscriptions.id", ondelete="CASCADE")
    )
    event_type: Mapped[str] = mapped_column(String(40))
    # The rating whose change the event announces.
    rating_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("ratings.id", ondelete="CASCADE"))


class DeliveryAttempt(DeliveryAttemptColumns, Base):
    __tablename__ = "delivery_attempts"
    __table_args__ = (attempts_index("delivery_attempts"),)

    outbox_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("outbox.id", ondelete="CASCADE"))
