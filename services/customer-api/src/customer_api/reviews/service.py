"""Verification schedule (DOMAIN §5) and satisfaction surveys (§11). Flushes, never commits."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from customer_api.audit import service as audit
from customer_api.customers import service as customers
from customer_api.models import Customer, Rating, Survey, Verification
from customer_api.reviews.schemas import (
    Outcome,
    SurveyIn,
    SurveyOut,
    VerificationIn,
    VerificationOut,
)
from customer_api.work import service as work
from guarantee_shared.clock import CHINA_TZ, business_today, utc_now
from guarantee_shared.db.queries import ensure_exists, get_or_404, keyset_page

# Customers not rated yet are reviewed on the medium tier's schedule (ours): often enough to
# catch a risky one early, without treating every new customer as high risk.
UNRATED_TIER = "medium"


async def review_interval(
    session: AsyncSession, customer: Customer, *, outcome: Outcome, intervals: Mapping[str, int]
) -> int:
    """Days until the next review after a verification with ``outcome``.

    An unreachable customer gets the shortest interval whatever its tier: facts nobody could
    confirm must not be left alone for half a year. Otherwise the interval the latest rating
    carried (the ruleset's), else the configured one for the customer's tier.
    """
    if outcome is Outcome.unreachable:
        return min(intervals.values())
    if customer.rated_at is not None:
        result = await session.scalar(
            select(Rating.result)
            .where(Rating.customer_id == customer.id)
            .order_by(Rating.rated_at.desc(), Rating.id.desc())
            .limit(1)
        )
        days = (result or {}).get("review_interval_days")
        if isinstance(days, int) and days > 0:
            return days
    return intervals[customer.risk_tier or UNRATED_TIER]


def verified_moment(verified_on: date) -> datetime:
    """When the verification happened: now if it is dated today, else that day's start (China)."""
    if verified_on == business_today():
        return utc_now()
    return datetime.combine(verified_on, time(0), CHINA_TZ)


def verification_snapshot(verification: Verification) -> dict[str, Any]:
    return VerificationOut.model_validate(verification).model_dump(mode="json")


def survey_snapshot(survey: Survey) -> dict[str, Any]:
    return SurveyOut.model_validate(survey).model_dump(mode="json")


async def create_verification(
    session: AsyncSession,
    *,
    customer_id: uuid.UUID,
    fields: VerificationIn,
    actor: str,
    intervals: Mapping[str, int],
) -> Verification:
    """Record a verification and move the customer's schedule to it.

    A verification dated before the customer's latest one is kept in the history but leaves
    ``last_verified_at`` and ``next_review_due`` alone: the newest check governs the schedule.
    """
    customer = await customers.get(session, customer_id, for_update=True)
    interval = await review_interval(session, customer, outcome=fields.outcome, intervals=intervals)
    verification = Verification(
        id=uuid.uuid4(),
        customer_id=customer.id,
        verified_on=fields.verified_on,
        verified_by=fields.verified_by,
        outcome=fields.outcome.value,
        note=fields.note,
        interval_days=interval,
        next_review_due=fields.verified_on + timedelta(days=interval),
        actor=actor,
        version=1,
    )
    await audit.insert(
        session,
        verification,
        actor=actor,
        entity_type="verification",
        snapshot=verification_snapshot,
    )
    # The verifier's own open review tasks on this customer are done by this (DOMAIN §13).
    await work.complete_on_verification(session, customer_id=customer.id, actor=actor)
    moment = verified_moment(fields.verified_on)
    if customer.last_verified_at is None or moment >= customer.last_verified_at:
        before = customers.snapshot(customer)
        customer.last_verified_at = moment
        customer.next_review_due = verification.next_review_due
        customer.version += 1
        customer.updated_at = utc_now()
        await audit.update(
            session,
            customer,
            before=before,
            actor=actor,
            entity_type="customer",
            snapshot=customers.snapshot,
            action="verify",
        )
    return verification


async def create_survey(
    session: AsyncSession, *, customer_id: uuid.UUID, fields: SurveyIn, actor: str
) -> Survey:
    await ensure_exists(session, Customer, customer_id)
    survey = Survey(
        id=uuid.uuid4(),
        customer_id=customer_id,
        surveyed_on=fields.surveyed_on,
        score=fields.score,
        channel=fields.channel.value,
        comment=fields.comment,
        actor=actor,
        version=1,
    )
    return await audit.insert(
        session, survey, actor=actor, entity_type="survey", snapshot=survey_snapshot
    )


async def get_verification(
    session: AsyncSession, *, customer_id: uuid.UUID, verification_id: uuid.UUID
) -> Verification:
    return await get_or_404(session, Verification, verification_id, customer_id=customer_id)


async def get_survey(
    session: AsyncSession, *, customer_id: uuid.UUID, survey_id: uuid.UUID
) -> Survey:
    return await get_or_404(session, Survey, survey_id, customer_id=customer_id)


async def list_verifications(
    session: AsyncSession, *, customer_id: uuid.UUID, limit: int, cursor: str | None
) -> tuple[Sequence[Verification], str | None]:
    """Newest first."""
    await ensure_exists(session, Customer, customer_id)
    query = select(Verification).where(Verification.customer_id == customer_id)
    order = [Verification.verified_on, Verification.id]
    return await keyset_page(session, query, order, limit=limit, cursor=cursor, descending=True)


async def list_surveys(
    session: AsyncSession, *, customer_id: uuid.UUID, limit: int, cursor: str | None
) -> tuple[Sequence[Survey], str | None]:
    """Newest first."""
    await ensure_exists(session, Customer, customer_id)
    query = select(Survey).where(Survey.customer_id == customer_id)
    order = [Survey.surveyed_on, Survey.id]
    return await keyset_page(session, query, order, limit=limit, cursor=cursor, descending=True)
