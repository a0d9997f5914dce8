"""Complaint handling (DOMAIN §11): due time by severity and a small state machine.

    open --assign--> assigned --respond--> responded --resolve--> resolved --close--> closed
                     assigned --resolve--> resolved

``assign`` may also hand an assigned or responded complaint to someone else (the status stays);
``respond`` may be repeated. Anything else is a 409 that changes nothing. Flushes, never commits.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any, Final

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from customer_api.audit import service as audit
from customer_api.complaints.schemas import (
    ComplaintEventIn,
    ComplaintEventType,
    ComplaintIn,
    ComplaintOut,
    ComplaintStatus,
    Severity,
)
from customer_api.models import Complaint, ComplaintEvent, Customer
from guarantee_shared.clock import utc_now
from guarantee_shared.db.queries import ensure_exists, get_or_404, keyset_page
from guarantee_shared.errors import Conflict
from guarantee_shared.versions import check_version

_S = ComplaintStatus
# event -> {status before: status after}
TRANSITIONS: Final[Mapping[ComplaintEventType, Mapping[ComplaintStatus, ComplaintStatus]]] = {
    ComplaintEventType.assign: {
        _S.open: _S.assigned,
        _S.assigned: _S.assigned,
        _S.responded: _S.responded,
    },
    ComplaintEventType.respond: {_S.assigned: _S.responded, _S.responded: _S.responded},
    ComplaintEventType.resolve: {_S.assigned: _S.resolved, _S.responded: _S.resolved},
    ComplaintEventType.close: {_S.resolved: _S.closed},
}


def snapshot(complaint: Complaint) -> dict[str, Any]:
    return ComplaintOut.model_validate(complaint).model_dump(mode="json")


def due_at(created_at: datetime, severity: Severity, *, due_days: Mapping[str, int]) -> datetime:
    """Calendar days, not working days: a complaint's clock does not stop for weekends."""
    return created_at + timedelta(days=due_days[severity.value])


async def create(
    session: AsyncSession, fields: ComplaintIn, *, actor: str, due_days: Mapping[str, int]
) -> Complaint:
    await ensure_exists(session, Customer, fields.customer_id)
    now = utc_now()
    complaint = Complaint(
        id=uuid.uuid4(),
        customer_id=fields.customer_id,
        category=fields.category,
        severity=fields.severity.value,
        description=fields.description,
        status=ComplaintStatus.open.value,
        due_at=due_at(now, fields.severity, due_days=due_days),
        actor=actor,
        version=1,
        created_at=now,
        updated_at=now,
    )
    return await audit.insert(
        session, complaint, actor=actor, entity_type="complaint", snapshot=snapshot
    )


async def get(
    session: AsyncSession, complaint_id: uuid.UUID, *, for_update: bool = False
) -> Complaint:
    return await get_or_404(session, Complaint, complaint_id, for_update=for_update)


async def record_event(
    session: AsyncSession,
    complaint_id: uuid.UUID,
    event: ComplaintEventIn,
    *,
    actor: str,
    expected_version: int | None,
) -> tuple[ComplaintEvent, Complaint]:
    """Apply one handling step, or refuse it (409) changing nothing. The row lock orders
    concurrent steps on one complaint."""
    complaint = await get(session, complaint_id, for_update=True)
    if expected_version is not None:
        check_version(current=complaint.version, expected=expected_version)
    current = ComplaintStatus(complaint.status)
    target = TRANSITIONS[event.type].get(current)
    if target is None:
        allowed = sorted(s.value for s in TRANSITIONS[event.type])
        raise Conflict(
            f"A complaint that is {current.value} cannot take a {event.type.value} event "
            f"(allowed from: {', '.join(allowed)})",
            complaint_status=current.value,
        )
    before = snapshot(complaint)
    now = utc_now()
    if event.type is ComplaintEventType.assign:
        complaint.assignee = event.assignee
    elif event.type is ComplaintEventType.resolve:
        complaint.resolved_at = now
    elif event.type is ComplaintEventType.close:
        complaint.closed_at = now
    complaint.status = target.value
    complaint.version += 1
    complaint.updated_at = now
    last_seq = await session.scalar(
        select(func.max(ComplaintEvent.seq)).where(ComplaintEvent.complaint_id == complaint.id)
    )
    row = ComplaintEvent(
        id=uuid.uuid4(),
        complaint_id=complaint.id,
        seq=(last_seq or 0) + 1,
        type=event.type.value,
        assignee=event.assignee,
        note=event.note,
        status_after=target.value,
        actor=actor,
        created_at=now,
    )
    session.add(row)
    await audit.update(
        session,
        complaint,
        before=before,
        actor=actor,
        entity_type="complaint",
        snapshot=snapshot,
        action=f"event.{event.type.value}",
    )
    return row, complaint


async def list_events(
    session: AsyncSession, complaint_id: uuid.UUID, *, limit: int, cursor: str | None
) -> tuple[Sequence[ComplaintEvent], str | None]:
    """The history oldest first, keyset on seq."""
    await get(session, complaint_id)
    query = select(ComplaintEvent).where(ComplaintEvent.complaint_id == complaint_id)
    return await keyset_page(session, query, [ComplaintEvent.seq], limit=limit, cursor=cursor)


async def list_complaints(
    session: AsyncSession,
    *,
    customer_id: uuid.UUID | None,
    status: ComplaintStatus | None,
    severity: Severity | None,
    breached: bool | None,
    limit: int,
    cursor: str | None,
) -> tuple[Sequence[Complaint], str | None]:
    """Newest first, keyset on (created_at, id)."""
    query = select(Complaint)
    if customer_id is not None:
        query = query.where(Complaint.customer_id == customer_id)
    if status is not None:
        query = query.where(Complaint.status == status.value)
    if severity is not None:
        query = query.where(Complaint.severity == severity.value)
    if breached is not None:
        late = func.coalesce(Complaint.resolved_at, func.now()) > Complaint.due_at
        query = query.where(late if breached else ~late)
    order = [Complaint.created_at, Complaint.id]
    return await keyset_page(session, query, order, limit=limit, cursor=cursor, descending=True)
