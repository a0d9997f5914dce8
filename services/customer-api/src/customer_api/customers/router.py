"""/v1/customers: thin handlers over customers.service."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import Body, Path, Query
from fastapi.responses import Response

from customer_api.customers import service
from customer_api.customers.pii import PII_FIELDS, PII_SCOPE, masked
from customer_api.customers.schemas import (
    CustomerClass,
    CustomerFields,
    CustomerFilter,
    CustomerOut,
    CustomerSort,
    CustomerStatus,
    MarketPosition,
    Ownership,
    RiskTier,
    SizeClass,
)
from customer_api.deps import CustomersRead, CustomersWrite, IdempotencyDep, SessionDep, SettingsDep
from customer_api.models import Customer
from guarantee_shared.pagination import DEFAULT_LIMIT, Page
from guarantee_shared.types import Date
from guarantee_shared.web.auth import Principal
from guarantee_shared.web.http import CursorQuery, IfMatchDep, LimitQuery, json_response
from guarantee_shared.web.patch import apply_patch, merge_patch_doc
from guarantee_shared.web.routing import api_router

router = api_router(prefix="/v1/customers", tags=["customers"])
# The caller's own book: the customers whose account_manager is the token's sub.
me_router = api_router(prefix="/v1/me", tags=["work"])
# How a created customer is stored under its Idempotency-Key: whole, masked per caller on reading.
FULL_VIEW = Principal(sub="idempotency-store", scopes=frozenset({PII_SCOPE}))


def present(customer: Customer, principal: Principal) -> CustomerOut:
    """The customer as this caller may see it: personal identifiers masked without pii:read."""
    out = CustomerOut.model_validate(customer)
    if principal.has(PII_SCOPE):
        return out
    return out.model_copy(update=masked(out.model_dump(include=set(PII_FIELDS))))


def _respond(customer: Customer, principal: Principal, *, status_code: int = 200) -> Response:
    location = f"/v1/customers/{customer.id}" if status_code == 201 else None
    return json_response(
        present(customer, principal),
        status_code=status_code,
        version=customer.version,
        location=location,
    )


@router.post(
    "",
    status_code=201,
    response_model=CustomerOut,
    summary="Create a customer",
    responses={409: {"description": "The credit code exists; the problem names `existing_id`"}},
)
async def create_customer(
    body: CustomerFields,
    session: SessionDep,
    principal: CustomersWrite,
    settings: SettingsDep,
    idempotency: IdempotencyDep,
) -> Response:
    async def create() -> Response:
        customer = await service.create(
            session, body, actor=principal.sub, allowlist=settings.uscc_allowlist
        )
        # The key keeps the whole record; every answer, replays too, is masked for its caller.
        return _respond(customer, FULL_VIEW, status_code=201)

    view = None if principal.has(PII_SCOPE) else masked
    return await idempotency.run(body, create, view=view)


@router.get("", response_model=Page[CustomerOut], summary="List customers")
async def list_customers(
    session: SessionDep,
    principal: CustomersRead,
    customer_class: CustomerClass | None = None,
    risk_tier: RiskTier | None = None,
    size_class: SizeClass | None = None,
    industry_section: Annotated[str | None, Query(pattern=r"^[A-T]$")] = None,
    status: CustomerStatus | None = None,
    ownership: Ownership | None = None,
    market_position: MarketPosition | None = None,
    q: Annotated[
        str | None, Query(min_length=1, max_length=100, description="Name or credit code contains")
    ] = None,
    review_due_before: Date | None = None,
    account_manager: Annotated[
        str | None, Query(min_length=1, max_length=200, description="The owner's `sub`")
    ] = None,
    sort: CustomerSort = CustomerSort.created_at,
    limit: LimitQuery = DEFAULT_LIMIT,
    cursor: CursorQuery = None,
) -> Page[CustomerOut]:
    filters = CustomerFilter(
        customer_class=customer_class,
        risk_tier=risk_tier,
        size_class=size_class,
        industry_section=industry_section,
        status=status,
        ownership=ownership,
        market_position=market_position,
        q=q,
        review_due_before=review_due_before,
        account_manager=account_manager,
    )
    rows, next_cursor = await service.list_customers(
        session, filters=filters, sort=sort, limit=limit, cursor=cursor
    )
    return Page[CustomerOut](items=[present(c, principal) for c in rows], next_cursor=next_cursor)


@router.get(
    "/by-credit-code/{credit_code}", response_model=CustomerOut, summary="Find by credit code"
)
async def get_by_credit_code(
    credit_code: Annotated[str, Path(max_length=40)], session: SessionDep, principal: CustomersRead
) -> Response:
    return _respond(await service.get_by_credit_code(session, credit_code), principal)


@router.get("/{customer_id}", response_model=CustomerOut, summary="One customer")
async def get_customer(
    customer_id: uuid.UUID, session: SessionDep, principal: CustomersRead
) -> Response:
    return _respond(await service.get(session, customer_id), principal)


@router.patch(
    "/{customer_id}",
    response_model=CustomerOut,
    summary="Change a customer (JSON merge patch, If-Match)",
    openapi_extra=merge_patch_doc(CustomerFields),
)
async def patch_customer(
    customer_id: uuid.UUID,
    patch: Annotated[dict[str, Any], Body(media_type="application/merge-patch+json")],
    session: SessionDep,
    principal: CustomersWrite,
    settings: SettingsDep,
    expected_version: IfMatchDep,
) -> Response:
    customer = await service.get(session, customer_id, for_update=True)
    fields = apply_patch(CustomerFields, CustomerOut.model_validate(customer), patch)
    customer = await service.update(
        session,
        customer,
        fields,
        actor=principal.sub,
        expected_version=expected_version,
        allowlist=settings.uscc_allowlist,
    )
    return _respond(customer, principal)


@router.delete(
    "/{customer_id}",
    response_model=CustomerOut,
    summary="Deactivate a customer (If-Match); 409 while it has contracts not closed",
)
async def delete_customer(
    customer_id: uuid.UUID,
    session: SessionDep,
    principal: CustomersWrite,
    expected_version: IfMatchDep,
) -> Response:
    customer = await service.get(session, customer_id, for_update=True)
    customer = await service.deactivate(
        session, customer, actor=principal.sub, expected_version=expected_version
    )
    return _respond(customer, principal)


@me_router.get(
    "/customers",
    response_model=Page[CustomerOut],
    summary="The customers the caller manages (account_manager is the caller's sub)",
)
async def list_my_customers(
    session: SessionDep,
    principal: CustomersRead,
    status: CustomerStatus | None = None,
    sort: CustomerSort = CustomerSort.created_at,
    limit: LimitQuery = DEFAULT_LIMIT,
    cursor: CursorQuery = None,
) -> Page[CustomerOut]:
    # model_construct: the caller's own sub needs no checking, and a sub longer than the
    # filter's bound must still find nobody rather than fail validation here.
    filters = CustomerFilter.model_construct(status=status, account_manager=principal.sub)
    rows, next_cursor = await service.list_customers(
        session, filters=filters, sort=sort, limit=limit, cursor=cursor
    )
    return Page[CustomerOut](items=[present(c, principal) for c in rows], next_cursor=next_cursor)
