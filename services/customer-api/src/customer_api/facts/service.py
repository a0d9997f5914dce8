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
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from customer_api.audit.service import record
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
    statement = FinancialStatement(id=uuid.uuid4(), customer_id=customer_id, version=1)
    for name, value in fields.model_dump(mode="python").items():
        setattr(statement, name, value)
    session.add(statement)
    try:
        async with session.begin_nested():
            await session.flush()
    except IntegrityError as exc:  # a concurrent create for the same period won the race
        raise _duplicate_period(fields, None) from exc
    await session.refresh(statement)
    await record(
        session,
        actor=actor,
        action="create",
        entity_type="financial_statement",
        entity_id=statement.id,
        before=None,
        after=statement_snapshot(statement),
    )
    return statement


async def create_statements_checked(
    session: AsyncSession,
    items: Sequence[tuple[uuid.UUID, StatementFields]],
    *,
    actor: str,
) -> list[FinancialStatement]:
    """Create statements (customer id, fields) whose customers the caller has found and whose
    periods it has found free, with one insert and one read-back, each with its audit entry.
    A period taken meanwhile fails the flush with an IntegrityError; the caller retries."""
    created = []
    for customer_id, fields in items:
        statement = FinancialStatement(id=uuid.uuid4(), customer_id=customer_id, version=1)
        for name, value in fields.model_dump(mode="python").items():
            setattr(statement, name, value)
        created.append(statement)
    session.add_all(created)
    await session.flush()
    await session.execute(
        select(FinancialStatement)
        .where(FinancialStatement.id.in_([s.id for s in created]))
        .execution_options(populate_existing=True)
    )
    for statement in created:
        await record(
            session,
            actor=actor,
            action="create",
            entity_type="financial_statement",
            entity_id=statement.id,
            before=None,
            after=statement_snapshot(statement),
        )
    return created


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


def _apply_event(event: CreditEvent, fields: CreditEventFields) -> None:
    for name, value in fields.model_dump(mode="python").items():
        setattr(event, name, value)


async def create_event(
    session: AsyncSession, *, customer_id: uuid.UUID, fields: CreditEventFields, actor: str
) -> CreditEvent:
    await ensure_exists(session, Customer, customer_id)
    event = CreditEvent(id=uuid.uuid4(), customer_id=customer_id, version=1)
    _apply_event(event, fields)
    session.add(event)
    await session.flush()
    await session.refresh(event)
    await record(
        session,
        actor=actor,
        action="create",
        entity_type="credit_event",
        entity_id=event.id,
        before=None,
        after=event_snapshot(event),
    )
    return event


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
    _apply_event(event, fields)
    event.version += 1
    await session.flush()
    await session.refresh(event)
    await record(
        session,
        actor=actor,
        action="update",
        entity_type="credit_event",
        entity_id=event.id,
        before=before,
        after=event_snapshot(event),
    )
    return event


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
