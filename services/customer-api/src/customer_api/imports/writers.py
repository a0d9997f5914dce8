"""One imported row, validated by the API's own schemas and written by its own services.

Every kind is keyed (customers by credit code, statements by credit code and period, contracts
by number, collateral by contract, kind and description): a row whose key exists updates that
record — only the columns the file fills, blank cells leave a field as it is — or reports it
unchanged, so importing a file twice creates nothing twice. Writes go through the same service
functions as the API (identity checks, audit entries, the contract state machine).

Contracts (ours): terms change only while a contract is ``pending``. The ledger columns
``activated_on``, ``outstanding_balance`` and ``balance_as_of`` bring an existing guarantee in
as it stands: an ``activate`` event for the principal on ``activated_on``, then a ``repayment``
of the difference to ``outstanding_balance`` dated ``balance_as_of`` (default: the import day),
both through the ledger — the only way a balance changes. Later movements are contract events,
not imports: a live contract whose file figures differ from its ledger is a rejected row.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any, TypeVar

from pydantic import BaseModel, ConfigDict, ValidationError, model_validator
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from customer_api.audit import service as audit
from customer_api.contracts import collaterals
from customer_api.contracts import service as contracts
from customer_api.contracts.schemas import CollateralIn, ContractCreate, EventIn, EventType
from customer_api.customers import service as customers
from customer_api.customers.schemas import CustomerFields, CustomerOut
from customer_api.facts import service as facts
from customer_api.facts.schemas import PeriodType, StatementFields
from customer_api.imports.columns import ImportKind
from customer_api.models import Collateral, Contract, Customer, FinancialStatement
from guarantee_shared.errors import DomainError
from guarantee_shared.identifiers import normalise
from guarantee_shared.patch import client_fields
from guarantee_shared.types import Money

M = TypeVar("M", bound=BaseModel)
Cells = dict[str, object]


class RowRejected(Exception):
    """The row is not written; ``errors`` are (field or None, message)."""

    def __init__(self, errors: list[tuple[str | None, str]]) -> None:
        super().__init__("; ".join(message for _, message in errors))
        self.errors = errors


@dataclass(frozen=True)
class RowContext:
    actor: str
    allowlist: frozenset[str]
    haircuts: Mapping[str, Decimal]
    today: date


@dataclass(frozen=True)
class RowResult:
    outcome: str  # created, updated, unchanged
    key: str
    entity_id: uuid.UUID


Locator = Callable[[tuple[int | str, ...]], str | None]


def _first(loc: tuple[int | str, ...]) -> str | None:
    return str(loc[0]) if loc else None


def _validate(model: type[M], data: Mapping[str, Any], locate: Locator = _first) -> M:
    try:
        return model.model_validate(dict(data))
    except ValidationError as exc:
        raise RowRejected([(locate(e["loc"]), e["msg"]) for e in exc.errors()]) from exc


def domain_errors(exc: DomainError, *, default: str | None) -> list[tuple[str | None, str]]:
    """A service's refusal as row errors, on the field it names or the row's key column."""
    found = exc.extra.get("errors") or []
    located: list[tuple[str | None, str]] = [
        (str(e["loc"][-1]), str(e["msg"])) for e in found if e.get("loc")
    ]
    return located or [(default, exc.detail)]


async def _audited_update(
    session: AsyncSession,
    row: Customer | FinancialStatement | Contract | Collateral,
    changes: Mapping[str, Any],
    *,
    entity_type: str,
    snapshot: Callable[[Any], dict[str, Any]],
    actor: str,
) -> None:
    before = snapshot(row)
    for name, value in changes.items():
        setattr(row, name, value)
    row.version += 1
    await audit.update(
        session,
        row,
        before=before,
        actor=actor,
        entity_type=entity_type,
        snapshot=snapshot,
        action="import.update",
    )


def _differences(new: BaseModel, old: BaseModel) -> dict[str, Any]:
    fresh, stored = new.model_dump(), old.model_dump()
    return {name: value for name, value in fresh.items() if stored.get(name) != value}


async def _customer_id(session: AsyncSession, cells: Cells) -> uuid.UUID:
    raw = cells.get("credit_code")
    if raw is None:
        raise RowRejected([("credit_code", "Field required")])
    code = normalise(str(raw))
    found = await session.scalar(select(Customer.id).where(Customer.credit_code == code))
    if found is None:
        raise RowRejected(
            [("credit_code", f"no customer with credit code {code}; import the customer first")]
        )
    return found


# Customers -----------------------------------------------------------------------------------


def _contact_loc(loc: tuple[int | str, ...]) -> str | None:
    if len(loc) > 1 and loc[0] == "contact":
        return f"contact_{loc[1]}"
    return _first(loc)


async def customer_row(session: AsyncSession, cells: Cells, ctx: RowContext) -> RowResult:
    data: dict[str, Any] = {k: v for k, v in cells.items() if not k.startswith("contact_")}
    contact = {k.removeprefix("contact_"): v for k, v in cells.items() if k.startswith("contact_")}
    code = normalise(str(cells.get("credit_code", "")))
    existing = await session.scalar(
        select(Customer).where(Customer.credit_code == code).with_for_update()
    )
    if existing is None:
        fields = _validate(CustomerFields, {**data, "contact": contact or None}, _contact_loc)
        created = await customers.create(session, fields, actor=ctx.actor, allowlist=ctx.allowlist)
        return RowResult("created", created.credit_code, created.id)
    current = client_fields(CustomerFields, CustomerOut.model_validate(existing))
    merged = {**current, **data}
    if contact:
        merged["contact"] = {**(current.get("contact") or {}), **contact}
    fields = _validate(CustomerFields, merged, _contact_loc)
    if not _differences(fields, CustomerFields.model_validate(current)):
        return RowResult("unchanged", existing.credit_code, existing.id)
    updated = await customers.update(
        session,
        existing,
        fields,
        actor=ctx.actor,
        expected_version=existing.version,
        allowlist=ctx.allowlist,
    )
    return RowResult("updated", updated.credit_code, updated.id)


# Financial statements ------------------------------------------------------------------------


class _Period(BaseModel):
    model_config = ConfigDict(extra="ignore")

    period_end: date
    period_type: PeriodType


async def statement_row(session: AsyncSession, cells: Cells, ctx: RowContext) -> RowResult:
    customer_id = await _customer_id(session, cells)
    data = {k: v for k, v in cells.items() if k != "credit_code"}
    period = _validate(_Period, data)
    key = f"{cells['credit_code']}/{period.period_end.isoformat()}/{period.period_type.value}"
    existing = await session.scalar(
        select(FinancialStatement)
        .where(
            FinancialStatement.customer_id == customer_id,
            FinancialStatement.period_end == period.period_end,
            FinancialStatement.period_type == period.period_type.value,
        )
        .with_for_update()
    )
    if existing is None:
        fields = _validate(StatementFields, data)
        created = await facts.create_statement(
            session, customer_id=customer_id, fields=fields, actor=ctx.actor
        )
        return RowResult("created", key, created.id)
    snapshot = facts.statement_snapshot(existing)
    current = {k: v for k, v in snapshot.items() if k in StatementFields.model_fields}
    fields = _validate(StatementFields, {**current, **data})
    changes = _differences(fields, StatementFields.model_validate(current))
    if not changes:
        return RowResult("unchanged", key, existing.id)
    await _audited_update(
        session,
        existing,
        changes,
        entity_type="financial_statement",
        snapshot=facts.statement_snapshot,
        actor=ctx.actor,
    )
    return RowResult("updated", key, existing.id)


# Contracts -----------------------------------------------------------------------------------

LEDGER_COLUMNS = ("activated_on", "outstanding_balance", "balance_as_of")


class _Ledger(BaseModel):
    model_config = ConfigDict(extra="forbid")

    activated_on: date | None = None
    outstanding_balance: Money | None = None
    balance_as_of: date | None = None

    @model_validator(mode="after")
    def _together(self) -> _Ledger:
        if self.outstanding_balance is not None and self.activated_on is None:
            raise ValueError("outstanding_balance needs activated_on")
        if self.balance_as_of is not None and self.outstanding_balance is None:
            raise ValueError("balance_as_of needs outstanding_balance")
        return self


def _contract_loc(loc: tuple[int | str, ...]) -> str | None:
    return "credit_code" if loc and loc[0] == "customer_id" else _first(loc)


async def _event(
    session: AsyncSession, contract: Contract, data: dict[str, Any], column: str, actor: str
) -> None:
    event = _validate(EventIn, data, lambda _loc: column)
    try:
        await contracts.record_event(
            # An import records a book already written, breaches included: no policy here.
            session,
            contract.id,
            event,
            actor=actor,
            expected_version=None,
            policy=None,
        )
    except DomainError as exc:
        raise RowRejected([(column, exc.detail)]) from exc


async def _bring_in(
    session: AsyncSession, contract: Contract, ledger: _Ledger, ctx: RowContext
) -> None:
    """Activate a pending contract and repay it down to the stated balance, via the ledger."""
    if ledger.activated_on is None:
        return
    principal = contract.principal
    if ledger.outstanding_balance is not None and ledger.outstanding_balance > principal:
        raise RowRejected([("outstanding_balance", f"exceeds the principal {principal:.2f}")])
    await _event(
        session,
        contract,
        {"type": EventType.activate, "amount": principal, "occurred_on": ledger.activated_on},
        "activated_on",
        ctx.actor,
    )
    if ledger.outstanding_balance is not None and ledger.outstanding_balance < principal:
        await _event(
            session,
            contract,
            {
                "type": EventType.repayment,
                "amount": principal - ledger.outstanding_balance,
                "occurred_on": ledger.balance_as_of or ctx.today,
                "note": "balance brought in by import",
            },
            "balance_as_of" if ledger.balance_as_of else "outstanding_balance",
            ctx.actor,
        )


async def contract_row(session: AsyncSession, cells: Cells, ctx: RowContext) -> RowResult:
    customer_id = await _customer_id(session, cells)
    ledger = _validate(_Ledger, {k: cells[k] for k in LEDGER_COLUMNS if k in cells})
    terms: dict[str, Any] = {
        k: v for k, v in cells.items() if k not in LEDGER_COLUMNS and k != "credit_code"
    }
    terms["customer_id"] = customer_id
    number = str(cells.get("contract_no", "")).strip()
    contract = await session.scalar(
        select(Contract).where(Contract.contract_no == number).with_for_update()
    )
    if contract is None:
        fields = _validate(ContractCreate, terms, _contract_loc)
        contract = await contracts.create(session, fields, actor=ctx.actor)
        outcome = "created"
    else:
        if contract.customer_id != customer_id:
            message = f"contract {number} belongs to another customer"
            raise RowRejected([("credit_code", message)])
        snapshot = contracts.snapshot(contract)
        current = {k: v for k, v in snapshot.items() if k in ContractCreate.model_fields}
        fields = _validate(ContractCreate, {**current, **terms}, _contract_loc)
        changes = _differences(fields, ContractCreate.model_validate(current))
        if changes and contract.status != "pending":
            column = next(iter(changes))
            message = f"contract {number} is {contract.status}: its terms no longer change"
            raise RowRejected([(column, message)])
        if changes:
            await _audited_update(
                session,
                contract,
                changes,
                entity_type="contract",
                snapshot=contracts.snapshot,
                actor=ctx.actor,
            )
        outcome = "updated" if changes else "unchanged"
    if contract.status == "pending" and ledger.activated_on is not None:
        await _bring_in(session, contract, ledger, ctx)
        outcome = "created" if outcome == "created" else "updated"
    else:
        for column in ("activated_on", "outstanding_balance"):
            stated = getattr(ledger, column)
            if stated is not None and stated != getattr(contract, column):
                message = (
                    f"contract {number} is {contract.status}: its ledger says "
                    f"{getattr(contract, column)}; balances change only through contract events"
                )
                raise RowRejected([(column, message)])
    return RowResult(outcome, number, contract.id)


# Collateral ----------------------------------------------------------------------------------


async def collateral_row(session: AsyncSession, cells: Cells, ctx: RowContext) -> RowResult:
    number = str(cells.get("contract_no", "")).strip()
    contract_id = await session.scalar(select(Contract.id).where(Contract.contract_no == number))
    if contract_id is None:
        raise RowRejected([("contract_no", f"no contract {number}; import the contract first")])
    data = {k: v for k, v in cells.items() if k != "contract_no"}
    fields = _validate(CollateralIn, data)
    key = f"{number}/{fields.kind.value}/{fields.description or ''}"
    existing = await session.scalar(
        select(Collateral)
        .where(
            Collateral.contract_id == contract_id,
            Collateral.kind == fields.kind.value,
            Collateral.description.is_not_distinct_from(fields.description),
        )
        .order_by(Collateral.created_at)
        .limit(1)
        .with_for_update()
    )
    if existing is None:
        try:
            created = await collaterals.add(
                session, contract_id, fields, actor=ctx.actor, default_haircuts=ctx.haircuts
            )
        except DomainError as exc:
            raise RowRejected(domain_errors(exc, default="contract_no")) from exc
        return RowResult("created", key, created.id)
    changes = {
        name: value
        for name, value in fields.model_dump(exclude_none=True).items()
        if getattr(existing, name) != value
    }
    if not changes:
        return RowResult("unchanged", key, existing.id)
    await _audited_update(
        session,
        existing,
        changes,
        entity_type="collateral",
        snapshot=collaterals.snapshot,
        actor=ctx.actor,
    )
    return RowResult("updated", key, existing.id)


WRITERS: Mapping[ImportKind, Callable[[AsyncSession, Cells, RowContext], Awaitable[RowResult]]] = {
    ImportKind.customers: customer_row,
    ImportKind.financial_statements: statement_row,
    ImportKind.contracts: contract_row,
    ImportKind.collaterals: collateral_row,
}
