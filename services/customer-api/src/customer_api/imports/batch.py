"""The fast lane of an import batch: rows that are plain inserts, written many at a time.

Most rows of a first import create a record whose key is free. Looking each one up, inserting
it and reading it back in its own savepoint costs about eight round trips; here the whole
batch is validated in Python first, its keys are looked up with one query per kind, and the
rows found to be clean inserts are written by the services' ``create_checked`` functions (one
insert, one read-back, one multi-row insert of their audit entries).

The lane is deliberately conservative: a row goes to it only when it validates, its key is
free in the database and appears nowhere earlier in the batch, and (for contracts) it carries
no ledger columns and its customer is active. Everything else — updates, unchanged rows,
rejections, ledger bring-ins, collateral — takes the row-by-row path in ``writers``, which
gives it its usual outcome and messages. If a group insert still fails (a key taken by a
concurrent writer, a constraint the schemas do not know), the runner rolls the group's
savepoint back and redoes its rows one by one, so a bad row still fails alone.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError
from sqlalchemy import select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession

from customer_api.contracts import service as contracts
from customer_api.contracts.schemas import ContractCreate
from customer_api.customers import service as customers
from customer_api.customers.schemas import CustomerFields
from customer_api.facts import service as facts
from customer_api.facts.schemas import StatementFields
from customer_api.imports.columns import ImportKind
from customer_api.imports.writers import LEDGER_COLUMNS, Cells, RowContext, RowResult
from customer_api.models import Contract, Customer, FinancialStatement
from guarantee_shared.errors import DomainError
from guarantee_shared.identifiers import normalise


@dataclass(frozen=True)
class Insert:
    """A row found to be a plain insert: its key and what the service creates from it."""

    key: str
    fields: Any


Plan = list[Insert | None]


def _code(cells: Cells) -> str | None:
    raw = cells.get("credit_code")
    return None if raw is None else normalise(str(raw))


async def _customers(session: AsyncSession, cells_of: Sequence[Cells], ctx: RowContext) -> Plan:
    candidates: list[CustomerFields | None] = []
    for cells in cells_of:
        data: dict[str, Any] = {k: v for k, v in cells.items() if not k.startswith("contact_")}
        contact = {
            k.removeprefix("contact_"): v for k, v in cells.items() if k.startswith("contact_")
        }
        try:
            fields = CustomerFields.model_validate({**data, "contact": contact or None})
            customers.check_credit_code(fields.credit_code, allowlist=ctx.allowlist)
        except (ValidationError, DomainError):
            candidates.append(None)
        else:
            candidates.append(fields)
    codes = {c.credit_code for c in candidates if c is not None}
    query = select(Customer.credit_code).where(Customer.credit_code.in_(codes))
    taken = set((await session.scalars(query)) if codes else ())
    plan: Plan = []
    seen: set[str] = set()
    for cells, candidate in zip(cells_of, candidates, strict=True):
        keys = {k for k in (_code(cells), candidate.credit_code if candidate else None) if k}
        clean = candidate is not None and not keys & (seen | taken)
        seen |= keys
        plan.append(Insert(candidate.credit_code, candidate) if clean and candidate else None)
    return plan


async def _customer_ids(
    session: AsyncSession, cells_of: Sequence[Cells], *, active_for_share: bool = False
) -> dict[str, uuid.UUID]:
    """Customers of the batch by credit code (active ones only, held FOR SHARE, if asked)."""
    codes = {code for cells in cells_of if (code := _code(cells))}
    if not codes:
        return {}
    query = select(Customer.credit_code, Customer.id).where(Customer.credit_code.in_(codes))
    if active_for_share:
        # As contracts.create does: a concurrent deactivation waits until these are counted.
        query = query.where(Customer.status == "active").with_for_update(read=True)
    return {code: customer_id for code, customer_id in (await session.execute(query)).all()}


async def _statements(session: AsyncSession, cells_of: Sequence[Cells], ctx: RowContext) -> Plan:
    found = await _customer_ids(session, cells_of)
    candidates: list[tuple[uuid.UUID, StatementFields] | None] = []
    for cells in cells_of:
        code = _code(cells)
        customer_id = found.get(code) if code else None
        try:
            data = {k: v for k, v in cells.items() if k != "credit_code"}
            fields = StatementFields.model_validate(data)
        except ValidationError:
            candidates.append(None)
            continue
        candidates.append((customer_id, fields) if customer_id else None)
    periods = {(c[0], c[1].period_end, c[1].period_type.value) for c in candidates if c}
    taken: set[tuple[Any, ...]] = set()
    if periods:
        column = tuple_(
            FinancialStatement.customer_id,
            FinancialStatement.period_end,
            FinancialStatement.period_type,
        )
        query = select(
            FinancialStatement.customer_id,
            FinancialStatement.period_end,
            FinancialStatement.period_type,
        ).where(column.in_(list(periods)))
        taken = {tuple(row) for row in (await session.execute(query)).all()}
    plan: Plan = []
    seen: set[tuple[Any, ...]] = set()
    for cells, candidate in zip(cells_of, candidates, strict=True):
        if candidate is None:
            # Its period is unknown here, so no later row of its customer is a sure insert.
            seen.add((_code(cells),))
            plan.append(None)
            continue
        customer_id, fields = candidate
        period = (customer_id, fields.period_end, fields.period_type.value)
        clean = period not in taken and period not in seen and (_code(cells),) not in seen
        seen.add(period)
        key = f"{cells['credit_code']}/{fields.period_end.isoformat()}/{fields.period_type.value}"
        plan.append(Insert(key, candidate) if clean else None)
    return plan


async def _contracts(session: AsyncSession, cells_of: Sequence[Cells], ctx: RowContext) -> Plan:
    active = await _customer_ids(session, cells_of, active_for_share=True)
    candidates: list[ContractCreate | None] = []
    for cells in cells_of:
        code = _code(cells)
        customer_id = active.get(code) if code else None
        if customer_id is None or any(cells.get(k) is not None for k in LEDGER_COLUMNS):
            candidates.append(None)
            continue
        terms = {k: v for k, v in cells.items() if k not in LEDGER_COLUMNS and k != "credit_code"}
        try:
            candidates.append(ContractCreate.model_validate({**terms, "customer_id": customer_id}))
        except ValidationError:
            candidates.append(None)
    numbers = {c.contract_no for c in candidates if c is not None}
    query = select(Contract.contract_no).where(Contract.contract_no.in_(numbers))
    taken = set((await session.scalars(query)) if numbers else ())
    plan: Plan = []
    seen: set[str] = set()
    for cells, fields in zip(cells_of, candidates, strict=True):
        raw = str(cells.get("contract_no", "")).strip()
        keys = {k for k in (raw, fields.contract_no if fields else None) if k}
        clean = fields is not None and not keys & (seen | taken)
        seen |= keys
        plan.append(Insert(raw, fields) if clean and fields else None)
    return plan


async def plan_batch(
    session: AsyncSession, kind: ImportKind, cells_of: Sequence[Cells], ctx: RowContext
) -> Plan:
    """For each row of the batch, the insert it is sure to be, or None for the row-by-row path."""
    if kind is ImportKind.customers:
        return await _customers(session, cells_of, ctx)
    if kind is ImportKind.financial_statements:
        return await _statements(session, cells_of, ctx)
    if kind is ImportKind.contracts:
        return await _contracts(session, cells_of, ctx)
    return [None] * len(cells_of)


async def insert_group(
    session: AsyncSession, kind: ImportKind, group: Sequence[Insert], ctx: RowContext
) -> list[RowResult]:
    """Write a group of planned inserts through the services; flushes, so constraints fire."""
    if kind is ImportKind.customers:
        made = await customers.create_checked(session, [i.fields for i in group], actor=ctx.actor)
        return [RowResult("created", c.credit_code, c.id) for c in made]
    if kind is ImportKind.financial_statements:
        statements = await facts.create_statements_checked(
            session, [i.fields for i in group], actor=ctx.actor
        )
        return [RowResult("created", i.key, s.id) for i, s in zip(group, statements, strict=True)]
    opened = await contracts.create_checked(session, [i.fields for i in group], actor=ctx.actor)
    return [RowResult("created", i.key, c.id) for i, c in zip(group, opened, strict=True)]
