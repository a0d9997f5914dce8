"""Customer rules: identity checks, create, patch, deactivate, list. Flushes, never commits."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

from customer_api.audit import service as audit
from customer_api.customers.schemas import (
    CustomerFields,
    CustomerFilter,
    CustomerOut,
    CustomerSort,
)
from customer_api.models import Contract, Customer
from guarantee_shared.db.queries import SortKey, get_or_404, keyset_page
from guarantee_shared.errors import Conflict, InvalidInput, NotFound
from guarantee_shared.identifiers import normalise, uscc_problem
from guarantee_shared.versions import check_version

FINISHED_CONTRACT_STATUSES = ("closed", "written_off")


def check_credit_code(code: str, *, allowlist: frozenset[str]) -> None:
    problem = uscc_problem(code)
    if problem and code not in allowlist:
        raise InvalidInput(
            f"credit_code {code}: {problem}", loc=["body", "credit_code"], kind="credit_code"
        )


def snapshot(customer: Customer) -> dict[str, Any]:
    """The JSON form stored in the audit log (unmasked; masked on read without pii:read)."""
    return CustomerOut.model_validate(customer).model_dump(mode="json")


def _apply(customer: Customer, fields: CustomerFields) -> None:
    data = fields.model_dump(mode="python")
    data["contact"] = (
        fields.contact.model_dump(mode="json", exclude_none=True) if fields.contact else None
    )
    for name, value in data.items():
        setattr(customer, name, value)
    customer.industry_section = fields.industry_code[0] if fields.industry_code else None


async def get(
    session: AsyncSession, customer_id: uuid.UUID, *, for_update: bool = False
) -> Customer:
    return await get_or_404(session, Customer, customer_id, for_update=for_update)


async def get_by_credit_code(session: AsyncSession, credit_code: str) -> Customer:
    code = normalise(credit_code)
    customer = await session.scalar(select(Customer).where(Customer.credit_code == code))
    if customer is None:
        raise NotFound(f"No customer with credit code {code}")
    return customer


async def _existing_id(session: AsyncSession, credit_code: str) -> uuid.UUID | None:
    return await session.scalar(select(Customer.id).where(Customer.credit_code == credit_code))


def _duplicate(credit_code: str, existing: uuid.UUID | None) -> Conflict:
    return Conflict(
        f"A customer with credit code {credit_code} already exists",
        existing_id=str(existing) if existing else None,
    )


async def create(
    session: AsyncSession, fields: CustomerFields, *, actor: str, allowlist: frozenset[str]
) -> Customer:
    check_credit_code(fields.credit_code, allowlist=allowlist)
    existing = await _existing_id(session, fields.credit_code)
    if existing is not None:
        raise _duplicate(fields.credit_code, existing)
    customer = Customer(id=uuid.uuid4(), version=1)
    _apply(customer, fields)
    return await audit.insert(
        session,
        customer,
        actor=actor,
        entity_type="customer",
        snapshot=snapshot,
        on_conflict=lambda: _duplicate(fields.credit_code, None),
    )


async def create_checked(
    session: AsyncSession, fields: Sequence[CustomerFields], *, actor: str
) -> list[Customer]:
    """Create customers whose credit codes the caller has already checked (valid, or allowed,
    and taken by no one) with one insert and one read-back, each with its audit entry. A code
    taken meanwhile fails the whole flush with an IntegrityError; the caller retries one by one.
    """
    created = []
    for item in fields:
        customer = Customer(id=uuid.uuid4(), version=1)
        _apply(customer, item)
        created.append(customer)
    return await audit.insert_many(
        session, created, model=Customer, actor=actor, entity_type="customer", snapshot=snapshot
    )


async def update(
    session: AsyncSession,
    customer: Customer,
    fields: CustomerFields,
    *,
    actor: str,
    expected_version: int,
    allowlist: frozenset[str],
) -> Customer:
    check_version(current=customer.version, expected=expected_version)
    if fields.credit_code != customer.credit_code:
        check_credit_code(fields.credit_code, allowlist=allowlist)
        existing = await _existing_id(session, fields.credit_code)
        if existing is not None:
            raise _duplicate(fields.credit_code, existing)
    if fields.status == "inactive" and customer.status == "active":
        await _ensure_no_open_contracts(session, customer.id)
    before = snapshot(customer)
    _apply(customer, fields)
    customer.version += 1
    customer.updated_at = func.now()
    return await audit.update(
        session,
        customer,
        before=before,
        actor=actor,
        entity_type="customer",
        snapshot=snapshot,
        on_conflict=lambda: _duplicate(fields.credit_code, None),
    )


async def _ensure_no_open_contracts(session: AsyncSession, customer_id: uuid.UUID) -> None:
    open_count = await session.scalar(
        select(func.count())
        .select_from(Contract)
        .where(
            Contract.customer_id == customer_id,
            Contract.status.not_in(FINISHED_CONTRACT_STATUSES),
        )
    )
    if open_count:
        raise Conflict(
            f"The customer has {open_count} contract(s) not closed; close them first",
            open_contracts=open_count,
        )


async def deactivate(
    session: AsyncSession, customer: Customer, *, actor: str, expected_version: int
) -> Customer:
    check_version(current=customer.version, expected=expected_version)
    await _ensure_no_open_contracts(session, customer.id)
    before = snapshot(customer)
    customer.status = "inactive"
    customer.version += 1
    customer.updated_at = func.now()
    await audit.update(
        session,
        customer,
        before=before,
        actor=actor,
        entity_type="customer",
        snapshot=snapshot,
        action="deactivate",
    )
    return customer


# Unrated customers sort as -1 (the expression the index ix_customers_score_key_id is on),
# so a score page is an index range scan and its keyset never compares with NULL.
_SCORE_KEY = SortKey(
    expression=func.coalesce(Customer.score, -1),
    value=lambda c: c.score if c.score is not None else Decimal(-1),
    type=Decimal,
)


def _order(sort: CustomerSort) -> tuple[list[InstrumentedAttribute[Any] | SortKey], bool]:
    """(keys, descending); the id last makes every order total."""
    if sort in (CustomerSort.score, CustomerSort.score_desc):
        return [_SCORE_KEY, Customer.id], sort is CustomerSort.score_desc
    if sort is CustomerSort.name:
        return [Customer.name, Customer.id], False
    return [Customer.created_at, Customer.id], sort is CustomerSort.created_at_desc


def filtered(filters: CustomerFilter) -> Select[Customer]:
    """The customers ``filters`` select, unordered: the list's query and a campaign's scope."""
    query = select(Customer)
    for column, value in (
        (Customer.customer_class, filters.customer_class),
        (Customer.risk_tier, filters.risk_tier),
        (Customer.size_class, filters.size_class),
        (Customer.industry_section, filters.industry_section),
        (Customer.status, filters.status),
        (Customer.ownership, filters.ownership),
        (Customer.market_position, filters.market_position),
        (Customer.account_manager, filters.account_manager),
    ):
        if value is not None:
            query = query.where(column == value)
    if filters.q:
        query = query.where(
            Customer.name.icontains(filters.q, autoescape=True)
            | Customer.credit_code.icontains(normalise(filters.q), autoescape=True)
        )
    if filters.review_due_before is not None:
        query = query.where(Customer.next_review_due < filters.review_due_before)
    return query


async def list_customers(
    session: AsyncSession,
    *,
    filters: CustomerFilter,
    sort: CustomerSort,
    limit: int,
    cursor: str | None,
) -> tuple[Sequence[Customer], str | None]:
    keys, descending = _order(sort)
    return await keyset_page(
        session, filtered(filters), keys, limit=limit, cursor=cursor, descending=descending
    )
