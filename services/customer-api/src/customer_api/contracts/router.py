"""/v1/contracts: thin handlers over contracts.service and contracts.collaterals."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import Query
from fastapi.responses import Response

from customer_api.contracts import collaterals, service
from customer_api.contracts.schemas import (
    CollateralIn,
    CollateralOut,
    ContractCreate,
    ContractOut,
    ContractStatus,
    EventIn,
    EventOut,
    EventResult,
    Product,
)
from customer_api.deps import (
    ContractsRead,
    ContractsWrite,
    IdempotencyDep,
    PolicyLimitsDep,
    SessionDep,
    SettingsDep,
)
from customer_api.models import Collateral, Contract
from guarantee_shared.pagination import DEFAULT_LIMIT, Page, page_of
from guarantee_shared.types import Date
from guarantee_shared.web.http import (
    CursorQuery,
    LimitQuery,
    OptionalIfMatchDep,
    json_response,
)
from guarantee_shared.web.routing import api_router

router = api_router(prefix="/v1/contracts", tags=["contracts"])


def _respond(contract: Contract, *, status_code: int = 200) -> Response:
    location = f"/v1/contracts/{contract.id}" if status_code == 201 else None
    return json_response(
        ContractOut.model_validate(contract),
        status_code=status_code,
        version=contract.version,
        location=location,
    )


def _respond_collateral(collateral: Collateral, *, status_code: int = 200) -> Response:
    location = (
        f"/v1/contracts/{collateral.contract_id}/collaterals/{collateral.id}"
        if status_code == 201
        else None
    )
    return json_response(
        CollateralOut.model_validate(collateral),
        status_code=status_code,
        version=collateral.version,
        location=location,
    )


@router.post(
    "",
    status_code=201,
    response_model=ContractOut,
    summary="Open a guarantee contract (status pending)",
    responses={
        404: {"description": "No such customer"},
        409: {"description": "The customer is inactive, or the contract_no exists"},
    },
)
async def create_contract(
    body: ContractCreate,
    session: SessionDep,
    principal: ContractsWrite,
    idempotency: IdempotencyDep,
) -> Response:
    async def create() -> Response:
        contract = await service.create(session, body, actor=principal.sub)
        return _respond(contract, status_code=201)

    return await idempotency.run(body, create)


@router.get("", response_model=Page[ContractOut], summary="List contracts")
async def list_contracts(
    session: SessionDep,
    _: ContractsRead,
    customer_id: uuid.UUID | None = None,
    status: ContractStatus | None = None,
    product: Product | None = None,
    lender: Annotated[str | None, Query(min_length=1, max_length=200)] = None,
    maturing_before: Annotated[
        Date | None, Query(description="Maturity date strictly before this day")
    ] = None,
    limit: LimitQuery = DEFAULT_LIMIT,
    cursor: CursorQuery = None,
) -> Page[ContractOut]:
    return page_of(
        ContractOut,
        await service.list_contracts(
            session,
            customer_id=customer_id,
            status=status,
            product=product,
            lender=lender,
            maturing_before=maturing_before,
            limit=limit,
            cursor=cursor,
        ),
    )


@router.get("/{contract_id}", response_model=ContractOut, summary="One contract")
async def get_contract(contract_id: uuid.UUID, session: SessionDep, _: ContractsRead) -> Response:
    return _respond(await service.get(session, contract_id))


@router.post(
    "/{contract_id}/events",
    status_code=201,
    response_model=EventResult,
    summary="Record a ledger event: the only way a contract's status and balances change",
    responses={
        404: {"description": "No such contract"},
        409: {
            "description": "The state machine forbids the move, the amount is beyond its "
            "bound, or an `activate` breaks the policy (problem type `policy-violation`, with "
            "its `violations`)"
        },
        412: {"description": "If-Match was sent and the contract has moved on"},
    },
)
async def record_event(
    contract_id: uuid.UUID,
    body: EventIn,
    session: SessionDep,
    principal: ContractsWrite,
    idempotency: IdempotencyDep,
    expected_version: OptionalIfMatchDep,
    limits: PolicyLimitsDep,
) -> Response:
    async def create() -> Response:
        event, contract = await service.record_event(
            session,
            contract_id,
            body,
            actor=principal.sub,
            expected_version=expected_version,
            policy=limits,
        )
        result = EventResult(
            event=EventOut.model_validate(event), contract=ContractOut.model_validate(contract)
        )
        return json_response(
            result,
            status_code=201,
            version=contract.version,
            location=f"/v1/contracts/{contract.id}/events",
        )

    return await idempotency.run(body, create)


@router.get(
    "/{contract_id}/events", response_model=Page[EventOut], summary="The ledger, oldest first"
)
async def list_events(
    contract_id: uuid.UUID,
    session: SessionDep,
    _: ContractsRead,
    limit: LimitQuery = DEFAULT_LIMIT,
    cursor: CursorQuery = None,
) -> Page[EventOut]:
    return page_of(
        EventOut, await service.list_events(session, contract_id, limit=limit, cursor=cursor)
    )


@router.post(
    "/{contract_id}/collaterals",
    status_code=201,
    response_model=CollateralOut,
    summary="Add a counter-guarantee; haircut defaults by kind",
    responses={
        404: {"description": "No such contract"},
        409: {"description": "The contract is closed or written off"},
    },
)
async def add_collateral(
    contract_id: uuid.UUID,
    body: CollateralIn,
    session: SessionDep,
    principal: ContractsWrite,
    settings: SettingsDep,
    idempotency: IdempotencyDep,
) -> Response:
    async def create() -> Response:
        collateral = await collaterals.add(
            session,
            contract_id,
            body,
            actor=principal.sub,
            default_haircuts=settings.collateral_haircuts,
        )
        return _respond_collateral(collateral, status_code=201)

    return await idempotency.run(body, create)


@router.get(
    "/{contract_id}/collaterals",
    response_model=Page[CollateralOut],
    summary="The contract's counter-guarantees",
)
async def list_collaterals(
    contract_id: uuid.UUID,
    session: SessionDep,
    _: ContractsRead,
    limit: LimitQuery = DEFAULT_LIMIT,
    cursor: CursorQuery = None,
) -> Page[CollateralOut]:
    return page_of(
        CollateralOut,
        await collaterals.list_collaterals(session, contract_id, limit=limit, cursor=cursor),
    )


@router.get(
    "/{contract_id}/collaterals/{collateral_id}",
    response_model=CollateralOut,
    summary="One counter-guarantee",
)
async def get_collateral(
    contract_id: uuid.UUID, collateral_id: uuid.UUID, session: SessionDep, _: ContractsRead
) -> Response:
    return _respond_collateral(await collaterals.get(session, contract_id, collateral_id))
