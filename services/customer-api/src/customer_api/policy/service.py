"""Gather the figures of docs/DOMAIN.md §14 for one proposed guarantee and judge them.

Reads only; the activation that calls it with ``lock=True`` holds the customer's row and its
related group's until it commits, so two activations cannot both fit under one limit.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import and_, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from customer_api.models import Contract, Customer
from customer_api.policy.rules import Facts, Outcome, RatingFacts, evaluate
from customer_api.policy.schemas import Exposure
from customer_api.portfolio import queries as portfolio_queries
from customer_api.portfolio.service import (
    GROUP_LIMIT,
    SINGLE_CUSTOMER_LIMIT,
    ProposedContract,
    regulatory_after,
)
from customer_api.ratings import service as ratings
from customer_api.ratings.assemble import IN_FORCE
from guarantee_shared.clock import business_today
from guarantee_shared.db.queries import get_or_404


@dataclass(frozen=True)
class PolicyLimits:
    """The settings the rules need: the company's own figures and POLICY_REQUIRE_RATING."""

    net_assets: Decimal
    guarantee_investments: Decimal
    require_rating: bool


@dataclass(frozen=True)
class Check:
    outcome: Outcome
    exposure: Exposure


async def lock_customer_and_group(session: AsyncSession, customer_id: uuid.UUID) -> None:
    """Lock the customer's row and its related group's rows, as an activation does before
    it locks the contract (the order every writer of both takes; 404 for no such customer)."""
    await _lock_customer_and_group(session, await get_or_404(session, Customer, customer_id))


async def _lock_customer_and_group(session: AsyncSession, customer: Customer) -> None:
    # In id order, so activations for two customers of one group never wait on each other in
    # a cycle. FOR NO KEY UPDATE, the lock an UPDATE of these rows takes itself: it keeps
    # foreign-key checks (a campaign's tasks, a new contract) from waiting on it.
    same_group = and_(
        Customer.related_group.is_not(None), Customer.related_group == customer.related_group
    )
    # populate_existing: the customer's flags are read again under the lock.
    await session.execute(
        select(Customer)
        .where(or_(Customer.id == customer.id, same_group))
        .order_by(Customer.id)
        .with_for_update(key_share=True)
        .execution_options(populate_existing=True)
    )


async def _rating(session: AsyncSession, customer_id: uuid.UUID) -> RatingFacts | None:
    rating = await ratings.latest(session, customer_id)
    if rating is None:
        return None
    result = rating.result
    recommended = result.get("recommended_limit")
    gross = None
    if recommended is not None:
        gross = Decimal(recommended) + (rating.seen_liability or Decimal(0))
    return RatingFacts(
        knockouts=[str(k) for k in result.get("knockouts") or []],
        gross_limit=gross,
        # From the facts' date: an override does not make the facts it rests on any newer.
        age_days=(business_today() - rating.as_of).days,
        review_interval_days=int(result["review_interval_days"]),
    )


async def check(
    session: AsyncSession,
    *,
    customer_id: uuid.UUID,
    product: str,
    amount: Decimal,
    guarantee_ratio: Decimal,
    limits: PolicyLimits,
    lock: bool = False,
) -> Check:
    """Judge a guarantee of ``amount`` × ``guarantee_ratio`` for the customer; 404 when there
    is no such customer."""
    customer = await get_or_404(session, Customer, customer_id)
    if lock:
        await _lock_customer_and_group(session, customer)
    current = await session.scalar(
        select(
            func.coalesce(func.sum(Contract.outstanding_balance * Contract.guarantee_ratio), 0)
        ).where(Contract.customer_id == customer_id, Contract.status.in_(IN_FORCE))
    )
    current_liability = Decimal(current or 0)
    new_liability = amount * guarantee_ratio
    figures, focus = await regulatory_after(
        session,
        net_assets=limits.net_assets,
        guarantee_investments=limits.guarantee_investments,
        proposed=ProposedContract(
            customer_id=customer_id,
            product=product,
            balance=amount,
            guarantee_ratio=guarantee_ratio,
        ),
        top=1,
    )
    rating = await _rating(session, customer_id)
    facts = Facts(
        related_party=customer.related_party,
        rating=rating,
        financing=product not in portfolio_queries.NON_FINANCING_PRODUCTS,
        current_liability=current_liability,
        new_liability=new_liability,
        net_assets=limits.net_assets,
        customer_financing_after=focus.customer_liability,
        group_financing_after=focus.group_liability,
        related_group=customer.related_group,
        leverage_after=figures.leverage,
        leverage_cap=figures.leverage_cap,
        single_customer_share=SINGLE_CUSTOMER_LIMIT,
        group_share=GROUP_LIMIT,
    )
    outcome = evaluate(facts, require_rating=limits.require_rating)
    exposure = Exposure(
        current_liability=current_liability,
        new_liability=new_liability,
        exposure_after=facts.exposure_after,
        limit=rating.gross_limit if rating else None,
        financing=facts.financing,
        customer_financing_liability=focus.customer_liability,
        customer_share=focus.customer_liability / limits.net_assets,
        related_group=customer.related_group,
        group_financing_liability=focus.group_liability,
        group_share=focus.group_liability / limits.net_assets,
        net_assets=limits.net_assets,
        weighted_liability=figures.weighted_liability,
        leverage=figures.leverage,
        leverage_cap=figures.leverage_cap,
    )
    return Check(outcome=outcome, exposure=exposure)
