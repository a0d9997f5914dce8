"""Rate customers through the engine and keep the history. Flushes, never commits."""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Mapping, Sequence
from datetime import date, datetime, timedelta
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from customer_api.audit.service import record
from customer_api.customers import service as customers
from customer_api.models import Customer, Rating
from customer_api.partners import events as partner_events
from customer_api.ratings.assemble import build_requests
from guarantee_shared.clients.rating_engine import RatingEngineClient, UnknownModelVersion
from guarantee_shared.clock import business_date, business_today, utc_now
from guarantee_shared.db.queries import ensure_exists, get_or_404, keyset_page
from guarantee_shared.errors import Conflict, InvalidInput
from guarantee_shared.schemas.rating import RatingRequest, RatingResult


def request_hash(request: RatingRequest) -> str:
    return hashlib.sha256(request.model_dump_json().encode()).hexdigest()


def next_review_due(customer: Customer, *, interval_days: int) -> date:
    """DOMAIN §5: last verification (or creation) + the tier's interval."""
    base: datetime = customer.last_verified_at or customer.created_at
    return business_date(base) + timedelta(days=interval_days)


async def apply_result(
    session: AsyncSession,
    customer: Customer,
    request: RatingRequest,
    result: RatingResult,
    *,
    actor: str,
    job_id: uuid.UUID | None = None,
) -> Rating:
    """Store ``result`` in the history and on the (row-locked) customer, with an audit entry,
    and the partners' events it announces (their outbox, in this transaction)."""
    before = customers.snapshot(customer)
    previous = partner_events.disclosed(customer)
    rated_at = utc_now()
    rating = Rating(
        id=uuid.uuid4(),
        customer_id=customer.id,
        rated_at=rated_at,
        as_of=request.as_of,
        request_hash=request_hash(request),
        request=request.model_dump(mode="json"),
        model_version=result.model_version,
        score=Decimal(result.score),
        credit_grade=result.credit_grade,
        risk_tier=result.risk_tier,
        customer_class=result.customer_class,
        size_class=result.size_class,
        result=result.model_dump(mode="json"),
        seen_liability=request.guarantee_history.outstanding_balance,
        actor=actor,
        job_id=job_id,
    )
    session.add(rating)
    customer.score = Decimal(result.score)
    customer.credit_grade = result.credit_grade
    customer.risk_tier = result.risk_tier
    customer.customer_class = result.customer_class
    customer.size_class = result.size_class
    customer.rated_at = rated_at
    customer.model_version = result.model_version
    customer.next_review_due = next_review_due(customer, interval_days=result.review_interval_days)
    customer.version += 1
    customer.updated_at = rated_at
    await session.flush()
    await record(
        session,
        actor=actor,
        action="rate",
        entity_type="customer",
        entity_id=customer.id,
        before=before,
        after=customers.snapshot(customer),
    )
    await partner_events.rating_changed(session, customer, previous=previous, rating=rating)
    return rating


async def apply_override(
    session: AsyncSession,
    customer_id: uuid.UUID,
    *,
    changes: Mapping[str, str],
    requested_by: str,
    approved_by: str,
    intervals: Mapping[str, int],
) -> Rating:
    """Put an approved override of grade, tier or class on the (row-locked) customer, as a
    history entry of its own; the next rating replaces it. 409 for an unrated customer.

    The entry copies the rating it overrides (score, limit, knock-outs, and ``as_of``, so the
    facts it rests on keep their age) with the named fields changed.
    """
    customer = await customers.get(session, customer_id, for_update=True)
    base = await latest(session, customer_id)
    if base is None:
        raise Conflict(
            f"Customer {customer_id} is unrated; there is no rating to override",
            customer_id=str(customer_id),
        )
    before = customers.snapshot(customer)
    previous = partner_events.disclosed(customer)
    now = utc_now()
    result = {**base.result, **changes}
    if result["risk_tier"] != base.risk_tier:
        # Another tier is reviewed on that tier's timetable (REVIEW_INTERVAL_DAYS), not on the
        # one the model set for the tier it replaces: a downgrade brings the review forward.
        result["review_interval_days"] = intervals[result["risk_tier"]]
    rating = Rating(
        id=uuid.uuid4(),
        customer_id=customer.id,
        rated_at=now,
        as_of=base.as_of,
        request_hash=base.request_hash,
        model_version=base.model_version,
        score=base.score,
        credit_grade=result["credit_grade"],
        risk_tier=result["risk_tier"],
        customer_class=result["customer_class"],
        size_class=base.size_class,
        result=result,
        seen_liability=base.seen_liability,
        actor=approved_by,
        source="override",
        requested_by=requested_by,
        approved_by=approved_by,
    )
    session.add(rating)
    customer.credit_grade = rating.credit_grade
    customer.risk_tier = rating.risk_tier
    customer.customer_class = rating.customer_class
    customer.rated_at = now
    customer.next_review_due = next_review_due(
        customer, interval_days=int(result["review_interval_days"])
    )
    customer.version += 1
    customer.updated_at = now
    await session.flush()
    await record(
        session,
        actor=approved_by,
        action="rate.override",
        entity_type="customer",
        entity_id=customer.id,
        before=before,
        after=customers.snapshot(customer),
    )
    await partner_events.rating_changed(session, customer, previous=previous, rating=rating)
    return rating


async def latest(session: AsyncSession, customer_id: uuid.UUID) -> Rating | None:
    """The customer's rating in effect: the newest entry of its history."""
    rating: Rating | None = await session.scalar(
        select(Rating)
        .where(Rating.customer_id == customer_id)
        .order_by(Rating.rated_at.desc(), Rating.id.desc())
        .limit(1)
    )
    return rating


async def rate_customer(
    session: AsyncSession,
    customer_id: uuid.UUID,
    *,
    client: RatingEngineClient,
    guarantor_net_assets: Decimal,
    actor: str,
    request_id: str | None,
    model_version: str | None = None,
) -> Rating:
    """Assemble, score, store — the engine is called before anything is written, so an engine
    that is down (503) leaves nothing behind."""
    customer = await customers.get(session, customer_id)
    request = (
        await build_requests(
            session, [customer], as_of=business_today(), guarantor_net_assets=guarantor_net_assets
        )
    )[customer.id]
    try:
        result = await client.score(request, request_id=request_id, model_version=model_version)
    except UnknownModelVersion as exc:
        raise _unknown_version(exc.detail) from exc
    customer = await customers.get(session, customer_id, for_update=True)
    return await apply_result(session, customer, request, result, actor=actor)


def _unknown_version(detail: str) -> InvalidInput:
    """The engine's "no such ruleset" as the caller's own mistake: a 422 on the body field."""
    return InvalidInput(
        f"{detail}; GET /v1/models on the rating engine lists the versions",
        loc=["body", "model_version"],
        kind="unknown_model_version",
    )


async def check_model_version(
    client: RatingEngineClient, model_version: str | None, *, request_id: str | None
) -> None:
    """422 unless the engine has ``model_version`` (``None``: its active one, always there).

    Asked before a job is queued, so a rerun with a mistyped version fails at once instead of
    queueing a job whose every customer the engine then refuses. An engine that cannot be
    reached is a 503 here, as when rating one customer.
    """
    if model_version is None:
        return
    if not await client.has_model(model_version, request_id=request_id):
        raise _unknown_version(f"No ruleset has model version {model_version!r}")


async def history(
    session: AsyncSession, customer_id: uuid.UUID, *, limit: int, cursor: str | None
) -> tuple[Sequence[Rating], str | None]:
    """Newest first."""
    await ensure_exists(session, Customer, customer_id)
    query = select(Rating).where(Rating.customer_id == customer_id)
    order = [Rating.rated_at, Rating.id]
    return await keyset_page(session, query, order, limit=limit, cursor=cursor, descending=True)


async def get_rating(session: AsyncSession, customer_id: uuid.UUID, rating_id: uuid.UUID) -> Rating:
    return await get_or_404(session, Rating, rating_id, customer_id=customer_id)
