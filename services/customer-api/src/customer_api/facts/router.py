"""/v1/customers/{id}/financial-statements and /credit-events: thin handlers over facts.service."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import Body
from fastapi.responses import Response

from customer_api.deps import CustomersRead, CustomersWrite, IdempotencyDep, SessionDep
from customer_api.facts import service
from customer_api.facts.schemas import (
    CreditEventFields,
    CreditEventKind,
    CreditEventOut,
    PeriodType,
    StatementFields,
    StatementOut,
)
from customer_api.models import CreditEvent, FinancialStatement
from guarantee_shared.pagination import DEFAULT_LIMIT, Page, page_of
from guarantee_shared.web.http import CursorQuery, IfMatchDep, LimitQuery, json_response
from guarantee_shared.web.patch import apply_patch, merge_patch_doc
from guarantee_shared.web.routing import api_router

router = api_router(prefix="/v1/customers/{customer_id}")

_STATEMENTS = "financial statements"
_EVENTS = "credit events"


def _statement_url(statement: FinancialStatement) -> str:
    return f"/v1/customers/{statement.customer_id}/financial-statements/{statement.id}"


def _event_url(event: CreditEvent) -> str:
    return f"/v1/customers/{event.customer_id}/credit-events/{event.id}"


def _statement_response(statement: FinancialStatement, *, status_code: int = 200) -> Response:
    return json_response(
        StatementOut.model_validate(statement),
        status_code=status_code,
        version=statement.version,
        location=_statement_url(statement) if status_code == 201 else None,
    )


def _event_response(event: CreditEvent, *, status_code: int = 200) -> Response:
    return json_response(
        CreditEventOut.model_validate(event),
        status_code=status_code,
        version=event.version,
        location=_event_url(event) if status_code == 201 else None,
    )


@router.post(
    "/financial-statements",
    status_code=201,
    response_model=StatementOut,
    tags=[_STATEMENTS],
    summary="Add a financial statement",
    responses={
        404: {"description": "No such customer"},
        409: {"description": "A statement for this period_end and period_type exists"},
    },
)
async def create_statement(
    customer_id: uuid.UUID,
    body: StatementFields,
    session: SessionDep,
    principal: CustomersWrite,
    idempotency: IdempotencyDep,
) -> Response:
    async def create() -> Response:
        statement = await service.create_statement(
            session, customer_id=customer_id, fields=body, actor=principal.sub
        )
        return _statement_response(statement, status_code=201)

    return await idempotency.run(body, create)


@router.get(
    "/financial-statements",
    response_model=Page[StatementOut],
    tags=[_STATEMENTS],
    summary="The customer's statements, newest period_end first",
)
async def list_statements(
    customer_id: uuid.UUID,
    session: SessionDep,
    _: CustomersRead,
    period_type: PeriodType | None = None,
    limit: LimitQuery = DEFAULT_LIMIT,
    cursor: CursorQuery = None,
) -> Page[StatementOut]:
    return page_of(
        StatementOut,
        await service.list_statements(
            session, customer_id=customer_id, period_type=period_type, limit=limit, cursor=cursor
        ),
    )


@router.get(
    "/financial-statements/{statement_id}",
    response_model=StatementOut,
    tags=[_STATEMENTS],
    summary="One financial statement",
)
async def get_statement(
    customer_id: uuid.UUID, statement_id: uuid.UUID, session: SessionDep, _: CustomersRead
) -> Response:
    statement = await service.get_statement(
        session, customer_id=customer_id, statement_id=statement_id
    )
    return _statement_response(statement)


@router.post(
    "/credit-events",
    status_code=201,
    response_model=CreditEventOut,
    tags=[_EVENTS],
    summary="Record a credit event",
    responses={404: {"description": "No such customer"}},
)
async def create_event(
    customer_id: uuid.UUID,
    body: CreditEventFields,
    session: SessionDep,
    principal: CustomersWrite,
    idempotency: IdempotencyDep,
) -> Response:
    async def create() -> Response:
        event = await service.create_event(
            session, customer_id=customer_id, fields=body, actor=principal.sub
        )
        return _event_response(event, status_code=201)

    return await idempotency.run(body, create)


@router.get(
    "/credit-events",
    response_model=Page[CreditEventOut],
    tags=[_EVENTS],
    summary="The customer's credit events, newest occurred_on first",
)
async def list_events(
    customer_id: uuid.UUID,
    session: SessionDep,
    _: CustomersRead,
    kind: CreditEventKind | None = None,
    limit: LimitQuery = DEFAULT_LIMIT,
    cursor: CursorQuery = None,
) -> Page[CreditEventOut]:
    return page_of(
        CreditEventOut,
        await service.list_events(
            session, customer_id=customer_id, kind=kind, limit=limit, cursor=cursor
        ),
    )


@router.get(
    "/credit-events/{event_id}",
    response_model=CreditEventOut,
    tags=[_EVENTS],
    summary="One credit event",
)
async def get_event(
    customer_id: uuid.UUID, event_id: uuid.UUID, session: SessionDep, _: CustomersRead
) -> Response:
    return _event_response(
        await service.get_event(session, customer_id=customer_id, event_id=event_id)
    )


@router.patch(
    "/credit-events/{event_id}",
    response_model=CreditEventOut,
    tags=[_EVENTS],
    summary="Change a credit event, e.g. set resolved_on (JSON merge patch, If-Match)",
    openapi_extra=merge_patch_doc(CreditEventFields),
)
async def patch_event(
    customer_id: uuid.UUID,
    event_id: uuid.UUID,
    patch: Annotated[dict[str, Any], Body(media_type="application/merge-patch+json")],
    session: SessionDep,
    principal: CustomersWrite,
    expected_version: IfMatchDep,
) -> Response:
    event = await service.get_event(
        session, customer_id=customer_id, event_id=event_id, for_update=True
    )
    fields = apply_patch(CreditEventFields, CreditEventOut.model_validate(event), patch)
    event = await service.update_event(
        session, event=event, fields=fields, actor=principal.sub, expected_version=expected_version
    )
    return _event_response(event)
