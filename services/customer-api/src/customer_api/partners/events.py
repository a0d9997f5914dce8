"""Partners' ``rating.changed`` events: written with the rating, delivered by the shared outbox.

When a rating changes a customer's grade, tier or class (or rates it for the first time), every
enabled ``rating.changed`` subscription of every partner that sees the customer (the same rule
as the look-ups, :func:`customer_api.partners.queries.financed_by`) gets one outbox message, in
the rating's own transaction: the event exists exactly when the rating was committed. Its id is
derived from the rating and the subscription, so one change can never become two events for
one subscription, and it is the ``webhook-id`` of every attempt.
"""

from __future__ import annotations

import uuid
from typing import Any

import httpx
from sqlalchemy import any_, literal, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from customer_api import metrics
from customer_api.models import (
    Customer,
    DeliveryAttempt,
    OutboxMessage,
    Partner,
    PartnerSubscription,
    Rating,
)
from customer_api.partners.queries import financed_by
from customer_api.partners.schemas import RATING_CHANGED
from customer_api.ratings.schemas import PartnerRating
from guarantee_shared.clock import business_today, utc_now
from guarantee_shared.outbox import worker
from guarantee_shared.outbox.cloudevents import cloudevent
from guarantee_shared.outbox.columns import PENDING
from guarantee_shared.outbox.settings import DeliverySettings

# A URI-reference, as CloudEvents allows: the resource family whose look-up shows the same
# fields; `source` + `id` is unique since ids are.
SOURCE = "/v1/ratings"
WATCHED = ("credit_grade", "risk_tier", "customer_class")

TABLES = worker.OutboxTables(
    message=OutboxMessage,
    attempt=DeliveryAttempt,
    target=PartnerSubscription,
    target_key=OutboxMessage.subscription_id,
)


def disclosed(customer: Customer) -> PartnerRating | None:
    """What a partner sees of the customer's current rating; None while it is unrated."""
    if (
        customer.rated_at is None
        or customer.score is None
        or customer.credit_grade is None
        or customer.risk_tier is None
        or customer.customer_class is None
        or customer.model_version is None
    ):
        return None
    return PartnerRating(
        credit_code=customer.credit_code,
        name=customer.name,
        credit_grade=customer.credit_grade,
        risk_tier=customer.risk_tier,
        customer_class=customer.customer_class,
        score=float(customer.score),
        rated_at=customer.rated_at,
        model_version=customer.model_version,
    )


def changed_fields(previous: PartnerRating | None, current: PartnerRating) -> list[str]:
    """Which of grade, tier and class differ; all three on a first rating."""
    if previous is None:
        return list(WATCHED)
    return [name for name in WATCHED if getattr(previous, name) != getattr(current, name)]


def _data(
    partner: str, previous: PartnerRating | None, current: PartnerRating, changed: list[str]
) -> dict[str, Any]:
    return {
        "partner": partner,
        "credit_code": current.credit_code,
        "changed": changed,
        "previous": None if previous is None else previous.model_dump(mode="json"),
        "current": current.model_dump(mode="json"),
    }


async def rating_changed(
    session: AsyncSession, customer: Customer, *, previous: PartnerRating | None, rating: Rating
) -> int:
    """Write the events ``rating`` (already applied to ``customer``) announces; how many."""
    current = disclosed(customer)
    if current is None:
        return 0
    changed = changed_fields(previous, current)
    if not changed:
        return 0
    subscriptions = (
        await session.execute(
            select(PartnerSubscription, Partner.code)
            .join(Partner, Partner.id == PartnerSubscription.partner_id)
            .where(
                PartnerSubscription.enabled.is_(True),
                literal(RATING_CHANGED) == any_(PartnerSubscription.events),
                financed_by(Partner.id, customer.id, today=business_today()),
            )
            .order_by(PartnerSubscription.id)
        )
    ).all()
    now = utc_now()
    for subscription, code in subscriptions:
        message_id = uuid.uuid5(rating.id, str(subscription.id))
        body = cloudevent(
            id=str(message_id),
            source=SOURCE,
            type=RATING_CHANGED,
            subject=current.credit_code,
            time=rating.rated_at,
            data=_data(code, previous, current, changed),
        )
        session.add(
            OutboxMessage(
                id=message_id,
                subscription_id=subscription.id,
                event_type=RATING_CHANGED,
                rating_id=rating.id,
                body=body,
                status=PENDING,
                attempts=0,
                next_attempt_at=now,
            )
        )
    return len(subscriptions)


def _count(outcome: str) -> None:
    metrics.PARTNER_DELIVERIES.labels(status=outcome).inc()


def delivery_worker(
    sessionmaker: async_sessionmaker[AsyncSession],
    settings: DeliverySettings,
    *,
    replica: str,
    transport: httpx.AsyncBaseTransport | None = None,
) -> worker.DeliveryWorker:
    """The shared delivery worker over customer-api's outbox and partners' subscriptions."""
    return worker.DeliveryWorker(
        sessionmaker,
        settings,
        TABLES,
        name="customer-api",
        replica=replica,
        transport=transport,
        on_attempt=_count,
    )
