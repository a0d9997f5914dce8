"""/v1/customers/{id}/interactions: thin handlers over interactions.service."""

from __future__ import annotations

import uuid
from typing import Any

from fastapi.responses import Response

from customer_api.deps import CustomersRead, CustomersWrite, IdempotencyDep, SessionDep
from customer_api.interactions import service
from customer_api.interactions.schemas import InteractionIn, InteractionKind, InteractionOut, Need
from customer_api.models import Interaction
from guarantee_shared.pagination import DEFAULT_LIMIT, Page, page_of
from guarantee_shared.web.http import CursorQuery, LimitQuery, json_response
from guarantee_shared.web.routing import api_router

router = api_router(prefix="/v1/customers/{customer_id}/interactions", tags=["interactions"])

_NO_CUSTOMER: dict[int | str, dict[str, Any]] = {404: {"description": "No such customer"}}


def _respond(row: Interaction, *, status_code: int = 200) -> Response:
    location = f"/v1/customers/{row.customer_id}/interactions/{row.id}"
    return json_response(
        InteractionOut.model_validate(row),
        status_code=status_code,
        version=row.version,
        location=location if status_code == 201 else None,
    )


@router.post(
    "",
    status_code=201,
    response_model=InteractionOut,
    summary="Record a visit, call, meeting or message with the customer",
    responses=_NO_CUSTOMER,
)
async def create_interaction(
    customer_id: uuid.UUID,
    body: InteractionIn,
    session: SessionDep,
    principal: CustomersWrite,
    idempotency: IdempotencyDep,
) -> Response:
    async def create() -> Response:
        row = await service.create(
            session, customer_id=customer_id, fields=body, actor=principal.sub
        )
        return _respond(row, status_code=201)

    return await idempotency.run(body, create)


@router.get(
    "",
    response_model=Page[InteractionOut],
    summary="The customer's interactions, newest occurred_on first",
    responses=_NO_CUSTOMER,
)
async def list_interactions(
    customer_id: uuid.UUID,
    session: SessionDep,
    _: CustomersRead,
    kind: InteractionKind | None = None,
    need: Need | None = None,
    limit: LimitQuery = DEFAULT_LIMIT,
    cursor: CursorQuery = None,
) -> Page[InteractionOut]:
    page = await service.list_interactions(
        session, customer_id=customer_id, kind=kind, need=need, limit=limit, cursor=cursor
    )
    return page_of(InteractionOut, page)


@router.get("/{interaction_id}", response_model=InteractionOut, summary="One interaction")
async def get_interaction(
    customer_id: uuid.UUID, interaction_id: uuid.UUID, session: SessionDep, _: CustomersRead
) -> Response:
    row = await service.get(session, customer_id=customer_id, interaction_id=interaction_id)
    return _respond(row)
