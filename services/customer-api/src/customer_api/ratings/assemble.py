"""Build rating requests from what customer-api knows, many customers at a time.

Reads only; a handful of set-based queries per chunk of customers, never one per customer.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from customer_api.models import Collateral, Contract, ContractEvent, Customer
from customer_api.models import CreditEvent as CreditEventRow
from customer_api.models import FinancialStatement as StatementRow
from guarantee_shared.clock import add_months
from guarantee_shared.schemas.rating import (
    CreditEvent,
    CreditEventKind,
    CreditEventSource,
    FinancialStatement,
    GuaranteeHistory,
    LimitsContext,
    PeriodType,
    RatingCustomer,
    RatingRequest,
)

IN_FORCE = ("active", "overdue")
MAX_STATEMENTS = 3
MAX_CREDIT_EVENTS = 1000
# Ending events of an overdue episode: cured, paid by us, or repaid in full.
_EPISODE_ENDS = ("cure", "compensation")


def pick_statements(rows: Sequence[StatementRow]) -> list[StatementRow]:
    """Up to three statements, newest first: annual ones first (the ratios and the revenue
    growth of DOMAIN §2 come from annual statements), then the newest quarterly ones."""
    annual = [r for r in rows if r.period_type == "annual"][:MAX_STATEMENTS]
    quarterly = [r for r in rows if r.period_type == "quarterly"]
    chosen = annual + quarterly[: MAX_STATEMENTS - len(annual)]
    return sorted(chosen, key=lambda r: r.period_end, reverse=True)


@dataclass
class _History:
    contracts_total: int = 0
    overdue_events: int = 0
    max_overdue_days: int = 0
    compensations: int = 0
    compensated: Decimal = Decimal(0)
    recovered: Decimal = Decimal(0)
    written_off: Decimal = Decimal(0)
    last_compensation_on: date | None = None
    liability: Decimal = Decimal(0)
    collateral: Decimal = Decimal(0)
    episodes: dict[uuid.UUID, date] = field(default_factory=dict)

    def to_schema(self) -> GuaranteeHistory:
        return GuaranteeHistory(
            contracts_total=self.contracts_total,
            overdue_events=self.overdue_events,
            max_overdue_days=self.max_overdue_days,
            compensations=self.compensations,
            compensated_amount=self.compensated,
            recovered_amount=self.recovered,
            written_off_amount=self.written_off,
            last_compensation_on=self.last_compensation_on,
            outstanding_balance=self.liability.quantize(Decimal("0.01")),
            collateral_value=self.collateral.quantize(Decimal("0.01")),
        )


def _replay_ledger(
    history: _History, contract_id: uuid.UUID, events: Sequence[ContractEvent], as_of: date
) -> None:
    window_start = add_months(as_of, -24)
    open_since: date | None = None
    for event in events:
        if event.occurred_on > as_of:
            break
        amount = event.amount or Decimal(0)
        if event.type == "overdue":
            if event.occurred_on > window_start:
                history.overdue_events += 1
            open_since = open_since or event.occurred_on
        elif open_since is not None and (
            event.type in _EPISODE_ENDS or event.status_after in ("repaid", "active")
        ):
            _close_episode(history, open_since, event.occurred_on, window_start)
            open_since = None
        if event.type == "compensation":
            history.compensations += 1
            history.compensated += amount
            history.last_compensation_on = event.occurred_on
        elif event.type == "recovery":
            history.recovered += amount
        elif event.type == "write_off":
            history.written_off += amount
    if open_since is not None:
        _close_episode(history, open_since, as_of, window_start)


def _close_episode(history: _History, start: date, end: date, window_start: date) -> None:
    if end > window_start:
        history.max_overdue_days = max(history.max_overdue_days, (end - start).days)


async def build_requests(
    session: AsyncSession,
    customers: Sequence[Customer],
    *,
    as_of: date,
    guarantor_net_assets: Decimal,
) -> dict[uuid.UUID, RatingRequest]:
    ids = [c.id for c in customers]
    statements: dict[uuid.UUID, list[StatementRow]] = defaultdict(list)
    for row in await session.scalars(
        select(StatementRow)
        .where(StatementRow.customer_id.in_(ids), StatementRow.period_end <= as_of)
        .order_by(StatementRow.customer_id, StatementRow.period_end.desc())
    ):
        statements[row.customer_id].append(row)

    events: dict[uuid.UUID, list[CreditEventRow]] = defaultdict(list)
    for event in await session.scalars(
        select(CreditEventRow)
        .where(CreditEventRow.customer_id.in_(ids), CreditEventRow.occurred_on <= as_of)
        .order_by(CreditEventRow.customer_id, CreditEventRow.occurred_on.desc())
    ):
        if len(events[event.customer_id]) < MAX_CREDIT_EVENTS:
            events[event.customer_id].append(event)

    histories = await _histories(session, ids, as_of=as_of)
    group_liability = await _group_liabilities(session, customers)

    requests: dict[uuid.UUID, RatingRequest] = {}
    for customer in customers:
        history = histories.get(customer.id, _History())
        requests[customer.id] = RatingRequest(
            as_of=as_of,
            customer=RatingCustomer(
                industry_code=customer.industry_code,
                established_on=customer.established_on,
                employees=customer.employees,
                registered_capital=customer.registered_capital,
                cooperation_since=customer.cooperation_since,
            ),
            financials=[_statement(s) for s in pick_statements(statements[customer.id])],
            credit_events=[_credit_event(e) for e in events[customer.id]],
            guarantee_history=history.to_schema(),
            limits_context=LimitsContext(
                guarantor_net_assets=guarantor_net_assets,
                group_liability=group_liability.get(customer.id, history.liability).quantize(
                    Decimal("0.01")
                ),
            ),
        )
    return requests


async def _histories(
    session: AsyncSession, ids: list[uuid.UUID], *, as_of: date
) -> dict[uuid.UUID, _History]:
    histories: dict[uuid.UUID, _History] = defaultdict(_History)
    contracts = (
        await session.scalars(
            select(Contract).where(Contract.customer_id.in_(ids)).order_by(Contract.id)
        )
    ).all()
    by_id = {c.id: c for c in contracts}
    ledgers: dict[uuid.UUID, list[ContractEvent]] = defaultdict(list)
    if by_id:
        for event in await session.scalars(
            select(ContractEvent)
            .where(ContractEvent.contract_id.in_(list(by_id)))
            .order_by(ContractEvent.contract_id, ContractEvent.seq)
        ):
            ledgers[event.contract_id].append(event)
    collateral = await _collateral_by_contract(
        session, [c.id for c in contracts if c.status in IN_FORCE]
    )
    for contract in contracts:
        history = histories[contract.customer_id]
        if contract.status != "pending":
            history.contracts_total += 1
        if contract.status in IN_FORCE:
            history.liability += contract.outstanding_balance * contract.guarantee_ratio
            history.collateral += collateral.get(contract.id, Decimal(0))
        _replay_ledger(history, contract.id, ledgers[contract.id], as_of)
    return histories


async def _collateral_by_contract(
    session: AsyncSession, contract_ids: list[uuid.UUID]
) -> dict[uuid.UUID, Decimal]:
    if not contract_ids:
        return {}
    rows = await session.execute(
        select(
            Collateral.contract_id,
            func.sum(Collateral.appraised_value * (1 - Collateral.haircut)),
        )
        .where(Collateral.contract_id.in_(contract_ids))
        .group_by(Collateral.contract_id)
    )
    return {contract_id: total for contract_id, total in rows}


async def _group_liabilities(
    session: AsyncSession, customers: Sequence[Customer]
) -> dict[uuid.UUID, Decimal]:
    """Liability to each customer's related group, its own included (only for grouped ones)."""
    groups = {c.related_group for c in customers if c.related_group}
    if not groups:
        return {}
    rows = await session.execute(
        select(
            Customer.related_group,
            func.coalesce(func.sum(Contract.outstanding_balance * Contract.guarantee_ratio), 0),
        )
        .join(Contract, Contract.customer_id == Customer.id)
        .where(Customer.related_group.in_(groups), Contract.status.in_(IN_FORCE))
        .group_by(Customer.related_group)
    )
    totals = {group: total for group, total in rows}
    return {c.id: totals.get(c.related_group, Decimal(0)) for c in customers if c.related_group}


def _statement(row: StatementRow) -> FinancialStatement:
    return FinancialStatement(
        period_end=row.period_end,
        period_type=PeriodType(row.period_type),
        audited=row.audited,
        total_assets=row.total_assets,
        total_liabilities=row.total_liabilities,
        equity=row.equity,
        current_assets=row.current_assets,
        current_liabilities=row.current_liabilities,
        cash=row.cash,
        revenue=row.revenue,
        net_profit=row.net_profit,
        operating_cash_flow=row.operating_cash_flow,
        operating_profit=row.operating_profit,
        interest_expense=row.interest_expense,
        inventory=row.inventory,
        receivables=row.receivables,
        retained_earnings=row.retained_earnings,
    )


def _credit_event(row: CreditEventRow) -> CreditEvent:
    return CreditEvent(
        source=CreditEventSource(row.source),
        kind=CreditEventKind(row.kind),
        occurred_on=row.occurred_on,
        amount=row.amount,
        grade=row.grade,
        agency=row.agency,
        detail=row.detail,
        resolved_on=row.resolved_on,
    )
