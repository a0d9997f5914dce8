"""The partner registry, what a partner may see, and its webhook subscriptions. Flushes, never
commits."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from customer_api.audit import service as audit
from customer_api.models import OutboxMessage, Partner, PartnerLender, PartnerSubscription
from customer_api.models.base import new_id
from customer_api.partners import queries
from customer_api.partners.schemas import (
    PartnerChange,
    PartnerFields,
    PartnerOut,
    SubscriptionFields,
    SubscriptionOut,
)
from customer_api.ratings.schemas import PartnerRating
from guarantee_shared.clock import business_today
from guarantee_shared.db.queries import get_or_404, keyset_page
from guarantee_shared.errors import Conflict, Forbidden, InvalidInput, NotFound
from guarantee_shared.identifiers import normalise
from guarantee_shared.outbox.signing import secret_key
from guarantee_shared.outbox.targets import TargetRefused, check_target
from guarantee_shared.versions import check_version

ENTITY = "partner"
SUBSCRIPTION_ENTITY = "partner_subscription"


def snapshot(partner: Partner) -> dict[str, Any]:
    return PartnerOut.model_validate(partner).model_dump(mode="json")


async def get(session: AsyncSession, code: str, *, for_update: bool = False) -> Partner:
    query = select(Partner).where(Partner.code == code)
    if for_update:
        query = query.with_for_update().execution_options(populate_existing=True)
    partner = await session.scalar(query)
    if partner is None:
        raise NotFound(f"No partner with code {code}")
    return partner


async def list_partners(
    session: AsyncSession, *, limit: int, cursor: str | None
) -> tuple[list[Partner], str | None]:
    return await keyset_page(session, select(Partner), [Partner.code], limit=limit, cursor=cursor)


async def _check_names_free(
    session: AsyncSession, names: Sequence[str], *, partner: Partner | None
) -> None:
    """409 naming the partner that already has one of ``names``."""
    query = (
        select(PartnerLender.lender, Partner.code)
        .join(Partner, Partner.id == PartnerLender.partner_id)
        .where(PartnerLender.lender.in_(names))
        .order_by(PartnerLender.lender)
    )
    if partner is not None:
        query = query.where(PartnerLender.partner_id != partner.id)
    taken = (await session.execute(query.limit(1))).first()
    if taken is not None:
        raise Conflict(
            f"The lender name {taken.lender} belongs to partner {taken.code}",
            lender_name=taken.lender,
            partner=taken.code,
        )


def _name_conflict() -> Conflict:
    # A concurrent registration took the code or a name between our check and our insert.
    return Conflict("The partner code or one of the lender names was registered concurrently")


def _lenders(partner: Partner, names: Sequence[str]) -> list[PartnerLender]:
    return [
        PartnerLender(lender=name, partner_id=partner.id, position=position)
        for position, name in enumerate(names)
    ]


async def create(session: AsyncSession, fields: PartnerFields, *, actor: str) -> Partner:
    existing = await session.scalar(select(Partner.id).where(Partner.code == fields.code))
    if existing is not None:
        raise Conflict(f"A partner with code {fields.code} exists", code=fields.code)
    await _check_names_free(session, fields.lender_names, partner=None)
    # The id is set here so the names can point at it; one flush writes both.
    partner = Partner(id=new_id(), code=fields.code, name=fields.name, version=1)
    session.add_all(_lenders(partner, fields.lender_names))
    return await audit.insert(
        session,
        partner,
        actor=actor,
        entity_type=ENTITY,
        snapshot=snapshot,
        on_conflict=_name_conflict,
    )


async def update(
    session: AsyncSession,
    partner: Partner,
    fields: PartnerChange,
    *,
    actor: str,
    expected_version: int,
) -> Partner:
    """Rename the partner or replace its lender names (the partner row is locked)."""
    check_version(current=partner.version, expected=expected_version)
    before = snapshot(partner)
    await _check_names_free(session, fields.lender_names, partner=partner)
    partner.name = fields.name
    partner.version += 1
    # The old names go first: a name kept is written again under the same key.
    for lender in list(partner.lenders):
        await session.delete(lender)
    await session.flush()
    session.add_all(_lenders(partner, fields.lender_names))
    return await audit.update(
        session,
        partner,
        before=before,
        actor=actor,
        entity_type=ENTITY,
        snapshot=snapshot,
        on_conflict=_name_conflict,
    )


async def disclosed_ratings(
    session: AsyncSession, credit_codes: Sequence[str], *, partner: str | None
) -> list[tuple[str, PartnerRating | None]]:
    """Each code (normalised) with its disclosed rating, or None where the caller may not see
    one: unknown, unrated, or not financed by the partner's lenders — the same answer for
    all three. One statement for every code. 403 when ``partner`` names no registered partner.
    """
    codes = [normalise(code) for code in credit_codes]
    rows = (
        await session.execute(queries.lookup(codes, partner=partner, today=business_today()))
    ).all()
    if rows and not rows[0].partner_known:
        raise Forbidden(f"The token's partner {partner} is not a registered partner")
    return [(row.code, _disclosed(row)) for row in rows]


def _disclosed(row: Any) -> PartnerRating | None:
    if (
        row.credit_code is None
        or row.rated_at is None
        or row.score is None
        or row.credit_grade is None
        or row.risk_tier is None
        or row.customer_class is None
        or row.model_version is None
    ):
        return None
    return PartnerRating(
        credit_code=row.credit_code,
        name=row.name,
        credit_grade=row.credit_grade,
        risk_tier=row.risk_tier,
        customer_class=row.customer_class,
        score=float(row.score),
        rated_at=row.rated_at,
        model_version=row.model_version,
    )


async def disclosed_rating(
    session: AsyncSession, credit_code: str, *, partner: str | None
) -> PartnerRating:
    """One code's disclosed rating; 404 when the caller may not see one, whatever the reason."""
    [(code, rating)] = await disclosed_ratings(session, [credit_code], partner=partner)
    if rating is None:
        raise NotFound(f"No rating for credit code {code}")
    return rating


async def for_caller(session: AsyncSession, code: str, *, claimed: bool) -> Partner:
    """The partner ``code`` for a caller allowed to manage it; a partner token (``claimed``)
    whose partner is not registered gets 403, as everywhere, rather than 404."""
    try:
        return await get(session, code)
    except NotFound:
        if claimed:
            raise Forbidden(f"The token's partner {code} is not a registered partner") from None
        raise


def subscription_snapshot(subscription: PartnerSubscription) -> dict[str, Any]:
    """The audit form: never the secret."""
    return SubscriptionOut.model_validate(subscription).model_dump(mode="json")


async def create_subscription(
    session: AsyncSession,
    partner: Partner,
    fields: SubscriptionFields,
    *,
    actor: str,
    allow_private: bool,
) -> PartnerSubscription:
    try:
        await check_target(fields.url, allow_private=allow_private)
    except TargetRefused as exc:
        raise InvalidInput(str(exc), loc=["body", "url"], kind="url_refused") from exc
    try:
        secret_key(fields.secret)
    except ValueError as exc:
        raise InvalidInput(str(exc), loc=["body", "secret"]) from exc
    subscription = PartnerSubscription(
        id=new_id(),
        partner_id=partner.id,
        url=fields.url,
        secret=fields.secret,
        events=list(dict.fromkeys(fields.events)),
        enabled=True,
        version=1,
    )
    return await audit.insert(
        session,
        subscription,
        actor=actor,
        entity_type=SUBSCRIPTION_ENTITY,
        snapshot=subscription_snapshot,
    )


async def list_subscriptions(
    session: AsyncSession, partner: Partner, *, limit: int, cursor: str | None
) -> tuple[list[PartnerSubscription], str | None]:
    query = select(PartnerSubscription).where(PartnerSubscription.partner_id == partner.id)
    return await keyset_page(session, query, [PartnerSubscription.id], limit=limit, cursor=cursor)


async def get_subscription(
    session: AsyncSession,
    partner: Partner,
    subscription_id: uuid.UUID,
    *,
    for_update: bool = False,
) -> PartnerSubscription:
    return await get_or_404(
        session,
        PartnerSubscription,
        subscription_id,
        for_update=for_update,
        partner_id=partner.id,
    )


async def delete_subscription(
    session: AsyncSession,
    subscription: PartnerSubscription,
    *,
    actor: str,
    expected_version: int,
) -> None:
    """Delete the subscription; its undelivered events go with it."""
    check_version(current=subscription.version, expected=expected_version)
    before = subscription_snapshot(subscription)
    await session.delete(subscription)
    await session.flush()
    await audit.record(
        session,
        actor=actor,
        action="delete",
        entity_type=SUBSCRIPTION_ENTITY,
        entity_id=subscription.id,
        before=before,
        after=None,
    )


async def list_deliveries(
    session: AsyncSession,
    partner: Partner,
    *,
    subscription_id: uuid.UUID | None,
    status: str | None,
    limit: int,
    cursor: str | None,
) -> tuple[list[OutboxMessage], str | None]:
    """The partner's events, newest first."""
    query = (
        select(OutboxMessage)
        .join(PartnerSubscription, PartnerSubscription.id == OutboxMessage.subscription_id)
        .where(PartnerSubscription.partner_id == partner.id)
    )
    if subscription_id is not None:
        query = query.where(OutboxMessage.subscription_id == subscription_id)
    if status is not None:
        query = query.where(OutboxMessage.status == status)
    order = [OutboxMessage.created_at, OutboxMessage.id]
    return await keyset_page(session, query, order, limit=limit, cursor=cursor, descending=True)
