"""Customer facts: financial statements and credit events. Services flush, never commit.

Field-level rules (identity, grades, dates) live in ``facts.schemas``; what needs the
database (the customer exists, one statement per period, versions) lives here.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncSession

from customer_api.audit import service as audit
from customer_api.facts.schemas import (
    CreditEventFields,
    CreditEventKind,
    CreditEventOut,
    PeriodType,
    StatementFields,
    StatementOut,
)
from customer_api.models import CreditEvent, Customer, FinancialStatement
from guarantee_shared.db.queries import ensure_exists, get_or_404, keyset_page
from guarantee_shared.errors import Conflict
from guarantee_shared.versions import check_version

# Financial statements ------------------------------------------------------------------------


def statement_snapshot(statement: FinancialStatement) -> dict[str, Any]:
    return StatementOut.model_validate(statement).model_dump(mode="json")


async def _statement_for_period(
    session: AsyncSession, *, customer_id: uuid.UUID, period_end: date, period_type: str
) -> uuid.UUID | None:
    return await session.scalar(
        select(FinancialStatement.id).where(
            FinancialStatement.customer_id == customer_id,
            FinancialStatement.period_end == period_end,
            FinancialStatement.period_type == period_type,
        )
    )


def _duplicate_period(fields: StatementFields, existing: uuid.UUID | None) -> Conflict:
    return Conflict(
        f"The customer already has a {fields.period_type.value} statement for the period ending "
        f"{fields.period_end.isoformat()}",
        existing_id=str(existing) if existing else None,
    )


async def create_statement(
    session: AsyncSession, *, customer_id: uuid.UUID, fields: StatementFields, actor: str
) -> FinancialStatement:
    await ensure_exists(session, Customer, customer_id)
    existing = await _statement_for_period(
        session,
        customer_id=customer_id,
        period_end=fields.period_end,
        period_type=fields.period_type.value,
    )
    if existing is not None:
        raise _duplicate_period(fields, existing)
    statement = FinancialStatement(
        id=uuid.uuid4(), customer_id=customer_id, version=1, **fields.model_dump(mode="python")
    )
    return await audit.insert(
        session,
        statement,
        actor=actor,
        entity_type="financial_statement",
        snapshot=statement_snapshot,
        on_conflict=lambda: _duplicate_period(fields, None),
    )


async def create_statements_checked(
    session: AsyncSession,
    items: Sequence[tuple[uuid.UUID, StatementFields]],
    *,
    actor: str,
) -> list[FinancialStatement]:
    """Create statements (customer id, fields) whose customers the caller has found and whose
    periods it has found free, with one insert and one read-back, each with its audit entry.
    A period taken meanwhile fails the flush with an IntegrityError; the caller retries."""
    created = [
        FinancialStatement(
            id=uuid.uuid4(), customer_id=customer_id, version=1, **fields.model_dump(mode="python")
        )
        for customer_id, fields in items
    ]
    return await audit.insert_many(
        session,
        created,
        model=FinancialStatement,
        actor=actor,
        entity_type="financial_statement",
        snapshot=statement_snapshot,
    )


async def get_statement(
    session: AsyncSession, *, customer_id: uuid.UUID, statement_id: uuid.UUID
) -> FinancialStatement:
    return await get_or_404(session, FinancialStatement, statement_id, customer_id=customer_id)


async def list_statements(
    session: AsyncSession,
    *,
    customer_id: uuid.UUID,
    period_type: PeriodType | None,
    limit: int,
    cursor: str | None,
) -> tuple[Sequence[FinancialStatement], str | None]:
    """Newest ``period_end`` first; ties (an annual and a quarterly) in a stable id order."""
    await ensure_exists(session, Customer, customer_id)
    query: Select[FinancialStatement] = select(FinancialStatement).where(
        FinancialStatement.customer_id == customer_id
    )
    if period_type is not None:
        query = query.where(FinancialStatement.period_type == period_type.value)
    order = [FinancialStatement.period_end, FinancialStatement.id]
    return await keyset_page(session, query, order, limit=limit, cursor=cursor, descending=True)


# Credit events -------------------------------------------------------------------------------


def event_snapshot(event: CreditEvent) -> dict[str, Any]:
    return CreditEventOut.model_validate(event).model_dump(mode="json")


async def create_event(
    session: AsyncSession, *, customer_id: uuid.UUID, fields: CreditEventFields, actor: str
) -> CreditEvent:
    await ensure_exists(session, Customer, customer_id)
    event = CreditEvent(
        id=uuid.uuid4(), customer_id=customer_id, version=1, **fields.model_dump(mode="python")
    )
    return await audit.insert(
        session, event, actor=actor, entity_type="credit_event", snapshot=event_snapshot
    )


async def get_event(
    session: AsyncSession,
    *,
    customer_id: uuid.UUID,
    event_id: uuid.UUID,
    for_update: bool = False,
) -> CreditEvent:
    return await get_or_404(
        session, CreditEvent, event_id, customer_id=customer_id, for_update=for_update
    )


async def update_event(
    session: AsyncSession,
    *,
    event: CreditEvent,
    fields: CreditEventFields,
    actor: str,
    expected_version: int,
) -> CreditEvent:
    check_version(current=event.version, expected=expected_version)
    before = event_snapshot(event)
    for name, value in fields.model_dump(mode="python").items():
        setattr(event, name, value)
    event.version += 1
    return await audit.update(
        session,
        event,
        before=before,
        actor=actor,
        entity_type="credit_event",
        snapshot=event_snapshot,
    )


async def list_events(
    session: AsyncSession,
    *,
    customer_id: uuid.UUID,
    kind: CreditEventKind | None,
    limit: int,
    cursor: str | None,
) -> tuple[Sequence[CreditEvent], str | None]:
    """Newest ``occurred_on`` first, keyset on (occurred_on, id)."""
    await ensure_exists(session, Customer, customer_id)
    query: Select[CreditEvent] = select(CreditEvent).where(CreditEvent.customer_id == customer_id)
    if kind is not None:
        query = query.where(CreditEvent.kind == kind.value)
    order = [CreditEvent.occurred_on, CreditEvent.id]
    return await keyset_page(session, query, order, limit=limit, cursor=cursor, descending=True)
