"""Contract rules: open, read, list, and record ledger events. Services flush, never commit."""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from customer_api.approvals import service as approvals
from customer_api.audit import service as audit
from customer_api.contracts import statemachine
from customer_api.contracts.schemas import (
    ContractCreate,
    ContractOut,
    ContractStatus,
    EventIn,
    EventType,
    Product,
)
from customer_api.models import Contract, ContractEvent, Customer
from customer_api.policy import service as policy
from customer_api.policy.rules import NEVER_OVERRIDDEN
from customer_api.policy.schemas import FindingOut
from customer_api.policy.service import PolicyLimits, lock_customer_and_group
from guarantee_shared.db.queries import ensure_exists, get_or_404, keyset_page
from guarantee_shared.errors import Conflict, PolicyViolation
from guarantee_shared.versions import check_version


def snapshot(contract: Contract) -> dict[str, Any]:
    """The JSON form stored in the audit log."""
    return ContractOut.model_validate(contract).model_dump(mode="json")


async def get(
    session: AsyncSession, contract_id: uuid.UUID, *, for_update: bool = False
) -> Contract:
    return await get_or_404(session, Contract, contract_id, for_update=for_update)


async def _existing_id(session: AsyncSession, contract_no: str) -> uuid.UUID | None:
    return await session.scalar(select(Contract.id).where(Contract.contract_no == contract_no))


def _duplicate(contract_no: str, existing: uuid.UUID | None) -> Conflict:
    return Conflict(
        f"A contract with contract_no {contract_no} already exists",
        existing_id=str(existing) if existing else None,
    )


def _new_contract(fields: ContractCreate) -> Contract:
    return Contract(
        id=uuid.uuid4(),
        version=1,
        status=ContractStatus.pending.value,
        **fields.model_dump(mode="python"),
    )


async def create(session: AsyncSession, fields: ContractCreate, *, actor: str) -> Contract:
    # FOR SHARE holds off a concurrent deactivation (which locks the customer FOR UPDATE and
    # counts open contracts) until this contract is committed and counted.
    customer = await get_or_404(session, Customer, fields.customer_id, for_share=True)
    if customer.status != "active":
        raise Conflict(
            f"Customer {customer.id} is {customer.status}; contracts are opened only for active "
            "customers",
            customer_status=customer.status,
        )
    existing = await _existing_id(session, fields.contract_no)
    if existing is not None:
        raise _duplicate(fields.contract_no, existing)
    return await audit.insert(
        session,
        _new_contract(fields),
        actor=actor,
        entity_type="contract",
        snapshot=snapshot,
        on_conflict=lambda: _duplicate(fields.contract_no, None),
    )


async def create_checked(
    session: AsyncSession, fields: Sequence[ContractCreate], *, actor: str
) -> list[Contract]:
    """Open pending contracts whose customers the caller holds FOR SHARE and found active, and
    whose numbers it found free: one insert and one read-back, each with its audit entry. A
    number taken meanwhile fails the flush with an IntegrityError; the caller retries."""
    created = []
    for item in fields:
        created.append(_new_contract(item))
    return await audit.insert_many(
        session, created, model=Contract, actor=actor, entity_type="contract", snapshot=snapshot
    )


def _state_of(contract: Contract) -> statemachine.ContractState:
    names = [f.name for f in dataclasses.fields(statemachine.ContractState)]
    values = {name: getattr(contract, name) for name in names}
    values["status"] = ContractStatus(contract.status)
    return statemachine.ContractState(**values)


async def record_event(
    session: AsyncSession,
    contract_id: uuid.UUID,
    event: EventIn,
    *,
    actor: str,
    expected_version: int | None,
    policy: PolicyLimits | None,
) -> tuple[ContractEvent, Contract]:
    """Record one ledger event and apply it to the contract, or refuse it changing nothing.

    The contract row is locked (after its customer's for an ``activate``), so concurrent
    events on one contract are judged one after another against the state the previous one
    left (no lost update, no overdraft). An ``activate`` must pass the policy (DOMAIN §14)
    unless ``policy`` is None.
    """
    if event.type is EventType.activate and policy is not None:
        # The customer (and group) before the contract, the order a contracts import takes
        # them in: the other order could deadlock an activation against an import.
        customer_id = await session.scalar(
            select(Contract.customer_id).where(Contract.id == contract_id)
        )
        if customer_id is not None:
            await lock_customer_and_group(session, customer_id)
    contract = await get(session, contract_id, for_update=True)
    if expected_version is not None:
        check_version(current=contract.version, expected=expected_version)
    last = (
        await session.execute(
            select(ContractEvent.seq, ContractEvent.occurred_on)
            .where(ContractEvent.contract_id == contract.id)
            .order_by(ContractEvent.seq.desc())
            .limit(1)
        )
    ).first()
    after = statemachine.apply(
        _state_of(contract),
        kind=event.type,
        amount=event.amount,
        occurred_on=event.occurred_on,
        last_occurred_on=last.occurred_on if last else None,
    )
    if event.type is EventType.activate and policy is not None:
        assert event.amount is not None  # EventIn requires it for activate
        await _check_policy(
            session,
            contract,
            amount=event.amount,
            limits=policy,
            approval_id=event.approval_id,
            actor=actor,
        )
    before = snapshot(contract)
    for name, value in dataclasses.asdict(after).items():
        setattr(contract, name, value)
    contract.status = after.status.value
    contract.version += 1
    row = ContractEvent(
        contract_id=contract.id,
        seq=(last.seq if last else 0) + 1,
        type=event.type.value,
        amount=event.amount,
        occurred_on=event.occurred_on,
        note=event.note,
        status_after=contract.status,
        balance_after=contract.outstanding_balance,
        actor=actor,
    )
    session.add(row)
    await audit.update(
        session,
        contract,
        before=before,
        actor=actor,
        entity_type="contract",
        snapshot=snapshot,
        action=f"event.{event.type.value}",
    )
    await session.refresh(row)
    return row, contract


async def _check_policy(
    session: AsyncSession,
    contract: Contract,
    *,
    amount: Decimal,
    limits: PolicyLimits,
    approval_id: uuid.UUID | None,
    actor: str,
) -> None:
    """409 ``policy-violation`` unless the activation passes every rule, or an approved
    override for this contract and amount lifts the violations (never ``related_party``).

    The amount drawn, not the principal, is judged: it is what the balance becomes, and a
    contract is activated once. An override is used up only when it was needed.
    """
    result = await policy.check(
        session,
        customer_id=contract.customer_id,
        product=contract.product,
        amount=amount,
        guarantee_ratio=contract.guarantee_ratio,
        limits=limits,
        lock=True,
    )
    violations = result.outcome.violations
    if not violations:
        return
    problem: str | None = "no approval_id was given"
    if any(v.rule in NEVER_OVERRIDDEN for v in violations):
        problem = "no approval lifts a related_party violation"
    elif approval_id is not None:
        problem = await approvals.consume_override(
            session, approval_id, contract_id=contract.id, amount=amount, actor=actor
        )
    if problem is not None:
        raise PolicyViolation(
            f"Activating contract {contract.id} breaks the policy: "
            + "; ".join(v.message for v in violations),
            violations=[FindingOut.model_validate(v).model_dump(mode="json") for v in violations],
            override=problem,
        )


async def list_events(
    session: AsyncSession, contract_id: uuid.UUID, *, limit: int, cursor: str | None
) -> tuple[Sequence[ContractEvent], str | None]:
    """The ledger oldest first, keyset on seq (served by the (contract_id, seq) unique index)."""
    await ensure_exists(session, Contract, contract_id)
    query = select(ContractEvent).where(ContractEvent.contract_id == contract_id)
    return await keyset_page(session, query, [ContractEvent.seq], limit=limit, cursor=cursor)


async def list_contracts(
    session: AsyncSession,
    *,
    customer_id: uuid.UUID | None,
    status: ContractStatus | None,
    product: Product | None,
    lender: str | None,
    maturing_before: date | None,
    limit: int,
    cursor: str | None,
) -> tuple[Sequence[Contract], str | None]:
    """Keyset on id: the primary key and the (customer_id, id) and (status, id) indexes serve
    every page at the same cost however deep."""
    query = select(Contract)
    if customer_id is not None:
        query = query.where(Contract.customer_id == customer_id)
    if status is not None:
        query = query.where(Contract.status == status.value)
    if product is not None:
        query = query.where(Contract.product == product.value)
    if lender is not None:
        query = query.where(Contract.lender == lender)
    if maturing_before is not None:
        query = query.where(Contract.maturity_date < maturing_before)
    return await keyset_page(session, query, [Contract.id], limit=limit, cursor=cursor)
