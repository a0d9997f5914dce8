"""Four-eyes approvals (DOMAIN §14). Flushes, never commits; every step is audited.

    pending --approve--> approved --(one activation)--> consumed
    pending --reject--> rejected
    pending or approved, past expires_at --> expired
    rating_override: pending --approve--> consumed (applied to the customer at once)

The status is derived from the stored decision, expiry and consumption, so nothing has to run
for an approval to expire. A decision is final; the requester may not decide their own request.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, and_, select
from sqlalchemy.ext.asyncio import AsyncSession

from customer_api.approvals.schemas import (
    ApprovalIn,
    ApprovalKind,
    ApprovalOut,
    ApprovalStatus,
    Decision,
    DecisionIn,
)
from customer_api.audit import service as audit
from customer_api.models import Approval, Contract, Customer
from customer_api.ratings import service as ratings
from guarantee_shared.clock import utc_now
from guarantee_shared.db.queries import ensure_exists, get_or_404, keyset_page
from guarantee_shared.errors import Conflict, Forbidden


def status_of(approval: Approval, *, now: datetime) -> ApprovalStatus:
    if approval.decision == "reject":
        return ApprovalStatus.rejected
    if approval.consumed_at is not None:
        return ApprovalStatus.consumed
    if now >= approval.expires_at:
        return ApprovalStatus.expired
    if approval.decision == "approve":
        return ApprovalStatus.approved
    return ApprovalStatus.pending


def out(approval: Approval) -> ApprovalOut:
    return ApprovalOut.model_validate(
        {
            **{c.key: getattr(approval, c.key) for c in Approval.__table__.columns},
            "status": status_of(approval, now=utc_now()),
        }
    )


def snapshot(approval: Approval) -> dict[str, Any]:
    return out(approval).model_dump(mode="json")


def _status_filter(status: ApprovalStatus, now: datetime) -> ColumnElement[bool]:
    live = and_(Approval.consumed_at.is_(None), Approval.expires_at > now)
    unrejected = Approval.decision.is_distinct_from("reject")
    match status:
        case ApprovalStatus.rejected:
            return Approval.decision == "reject"
        case ApprovalStatus.consumed:
            return and_(unrejected, Approval.consumed_at.is_not(None))
        case ApprovalStatus.expired:
            return and_(unrejected, Approval.consumed_at.is_(None), Approval.expires_at <= now)
        case ApprovalStatus.approved:
            return and_(live, Approval.decision == "approve")
        case ApprovalStatus.pending:
            return and_(live, Approval.decision.is_(None))


async def create(
    session: AsyncSession, fields: ApprovalIn, *, actor: str, ttl_days: int
) -> Approval:
    if fields.kind is ApprovalKind.policy_override:
        await ensure_exists(session, Contract, fields.subject_id)
    else:
        customer = await get_or_404(session, Customer, fields.subject_id)
        if customer.rated_at is None:
            raise Conflict(
                f"Customer {customer.id} is unrated; there is no rating to override",
                customer_id=str(customer.id),
            )
    now = utc_now()
    approval = Approval(
        id=uuid.uuid4(),
        kind=fields.kind.value,
        subject_id=fields.subject_id,
        reason=fields.reason,
        payload=fields.payload,
        requested_by=actor,
        requested_at=now,
        expires_at=now + timedelta(days=ttl_days),
        version=1,
    )
    return await audit.insert(
        session, approval, actor=actor, entity_type="approval", snapshot=snapshot
    )


async def get(
    session: AsyncSession, approval_id: uuid.UUID, *, for_update: bool = False
) -> Approval:
    return await get_or_404(session, Approval, approval_id, for_update=for_update)


async def decide(
    session: AsyncSession,
    approval_id: uuid.UUID,
    body: DecisionIn,
    *,
    actor: str,
    review_intervals: Mapping[str, int],
) -> Approval:
    """Record the one decision: 403 for the requester, 409 unless the approval is pending."""
    approval = await get(session, approval_id, for_update=True)
    if approval.requested_by == actor:
        raise Forbidden("The requester of an approval may not decide it (four eyes)")
    status = status_of(approval, now=utc_now())
    if status is not ApprovalStatus.pending:
        raise Conflict(
            f"Approval {approval.id} is {status.value}; only a pending one can be decided",
            approval_status=status.value,
        )
    before = snapshot(approval)
    approval.decision = body.decision.value
    approval.decided_by = actor
    approval.decided_at = utc_now()
    approval.comment = body.comment
    if body.decision is Decision.approve and approval.kind == ApprovalKind.rating_override.value:
        # In effect at once, so it is used up here: it can neither expire nor apply twice.
        await ratings.apply_override(
            session,
            approval.subject_id,
            changes=approval.payload,
            requested_by=approval.requested_by,
            approved_by=actor,
            intervals=review_intervals,
        )
        approval.consumed_at = utc_now()
    approval.version += 1
    await audit.update(
        session,
        approval,
        before=before,
        actor=actor,
        entity_type="approval",
        snapshot=snapshot,
        action=f"decision.{body.decision.value}",
    )
    return approval


async def consume_override(
    session: AsyncSession,
    approval_id: uuid.UUID,
    *,
    contract_id: uuid.UUID,
    amount: Decimal,
    actor: str,
) -> str | None:
    """Use an approved policy override for one activation; why it does not cover, or None.

    The row is locked, so two activations cannot both use one override.
    """
    approval = await session.get(Approval, approval_id, with_for_update=True)
    if approval is None:
        return f"no approval {approval_id}"
    status = status_of(approval, now=utc_now())
    if approval.kind != ApprovalKind.policy_override.value:
        return f"approval {approval_id} is a {approval.kind}, not a policy_override"
    if approval.subject_id != contract_id:
        return f"approval {approval_id} is for another contract"
    if status is not ApprovalStatus.approved:
        return f"approval {approval_id} is {status.value}"
    allowed = Decimal(approval.payload["amount"])
    if amount > allowed:
        return f"approval {approval_id} allows at most {allowed:.2f}"
    before = snapshot(approval)
    approval.consumed_at = utc_now()
    approval.version += 1
    await audit.update(
        session,
        approval,
        before=before,
        actor=actor,
        entity_type="approval",
        snapshot=snapshot,
        action="consume",
    )
    return None


async def list_approvals(
    session: AsyncSession,
    *,
    status: ApprovalStatus | None,
    kind: ApprovalKind | None,
    limit: int,
    cursor: str | None,
) -> tuple[Sequence[Approval], str | None]:
    """Newest first, keyset on (requested_at, id)."""
    query = select(Approval)
    if status is not None:
        query = query.where(_status_filter(status, utc_now()))
    if kind is not None:
        query = query.where(Approval.kind == kind.value)
    order = [Approval.requested_at, Approval.id]
    return await keyset_page(session, query, order, limit=limit, cursor=cursor, descending=True)
