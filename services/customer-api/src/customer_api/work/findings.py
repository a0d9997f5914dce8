"""Findings of reviews (整改事项, DOMAIN §13): recorded on a customer, resolved with a note.
Flushes, never commits."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from customer_api.audit import service as audit
from customer_api.customers import service as customers
from customer_api.models import Customer, Finding
from customer_api.work.schemas import FindingEventIn, FindingIn, FindingOut, FindingStatus
from guarantee_shared.clock import utc_now
from guarantee_shared.db.queries import ensure_exists, get_or_404, keyset_page
from guarantee_shared.errors import Conflict
from guarantee_shared.versions import check_version


def snapshot(finding: Finding) -> dict[str, Any]:
    return FindingOut.model_validate(finding).model_dump(mode="json")


async def create(
    session: AsyncSession, *, customer_id: uuid.UUID, fields: FindingIn, actor: str
) -> Finding:
    customer = await customers.get(session, customer_id)
    finding = Finding(
        id=uuid.uuid4(),
        customer_id=customer.id,
        severity=fields.severity.value,
        description=fields.description,
        due_on=fields.due_on,
        # Ours: without an owner, the customer's account manager answers for it.
        owner=fields.owner or customer.account_manager,
        status=FindingStatus.open.value,
        actor=actor,
        version=1,
    )
    return await audit.insert(
        session, finding, actor=actor, entity_type="finding", snapshot=snapshot
    )


async def get(session: AsyncSession, finding_id: uuid.UUID, *, for_update: bool = False) -> Finding:
    return await get_or_404(session, Finding, finding_id, for_update=for_update)


async def list_for_customer(
    session: AsyncSession,
    *,
    customer_id: uuid.UUID,
    status: FindingStatus | None,
    limit: int,
    cursor: str | None,
) -> tuple[Sequence[Finding], str | None]:
    """Newest first."""
    await ensure_exists(session, Customer, customer_id)
    query = select(Finding).where(Finding.customer_id == customer_id)
    if status is not None:
        query = query.where(Finding.status == status.value)
    order = [Finding.created_at, Finding.id]
    return await keyset_page(session, query, order, limit=limit, cursor=cursor, descending=True)


async def record_event(
    session: AsyncSession,
    finding_id: uuid.UUID,
    event: FindingEventIn,
    *,
    actor: str,
    expected_version: int | None,
) -> Finding:
    """Resolve an open finding, or refuse (409) changing nothing."""
    finding = await get(session, finding_id, for_update=True)
    if expected_version is not None:
        check_version(current=finding.version, expected=expected_version)
    if finding.status != FindingStatus.open.value:
        raise Conflict(
            f"A finding that is {finding.status} cannot be resolved (allowed from: open)",
            finding_status=finding.status,
        )
    before = snapshot(finding)
    now = utc_now()
    finding.status = FindingStatus.resolved.value
    finding.resolved_at = now
    finding.resolution_note = event.note
    finding.version += 1
    finding.updated_at = now
    return await audit.update(
        session,
        finding,
        before=before,
        actor=actor,
        entity_type="finding",
        snapshot=snapshot,
        action=f"event.{event.type.value}",
    )
