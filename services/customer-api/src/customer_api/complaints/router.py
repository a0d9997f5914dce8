"""/v1/complaints: thin handlers over complaints.service."""

from __future__ import annotations

import uuid

from fastapi.responses import Response

from customer_api.complaints import service
from customer_api.complaints.schemas import (
    ComplaintEventIn,
    ComplaintEventOut,
    ComplaintEventResult,
    ComplaintIn,
    ComplaintOut,
    ComplaintStatus,
    Severity,
)
from customer_api.deps import CustomersRead, CustomersWrite, IdempotencyDep, SessionDep, SettingsDep
from customer_api.models import Complaint
from guarantee_shared.pagination import DEFAULT_LIMIT, Page, page_of
from guarantee_shared.web.http import (
    CursorQuery,
    LimitQuery,
    OptionalIfMatchDep,
    json_response,
)
from guarantee_shared.web.routing import api_router

router = api_router(prefix="/v1/complaints", tags=["complaints"])


def _respond(complaint: Complaint, *, status_code: int = 200) -> Response:
    return json_response(
        ComplaintOut.model_validate(complaint),
        status_code=status_code,
        version=complaint.version,
        location=f"/v1/complaints/{complaint.id}" if status_code == 201 else None,
    )


@router.post(
    "",
    status_code=201,
    response_model=ComplaintOut,
    summary="Open a complaint; due_at follows from its severity",
    responses={404: {"description": "No such customer"}},
)
async def create_complaint(
    body: ComplaintIn,
    session: SessionDep,
    principal: CustomersWrite,
    settings: SettingsDep,
    idempotency: IdempotencyDep,
) -> Response:
    async def create() -> Response:
        complaint = await service.create(
            session, body, actor=principal.sub, due_days=settings.complaint_due_days
        )
        return _respond(complaint, status_code=201)

    return await idempotency.run(body, create)


@router.get("", response_model=Page[ComplaintOut], summary="List complaints, newest first")
async def list_complaints(
    session: SessionDep,
    _: CustomersRead,
    customer_id: uuid.UUID | None = None,
    status: ComplaintStatus | None = None,
    severity: Severity | None = None,
    breached: bool | None = None,
    limit: LimitQuery = DEFAULT_LIMIT,
    cursor: CursorQuery = None,
) -> Page[ComplaintOut]:
    return page_of(
        ComplaintOut,
        await service.list_complaints(
            session,
            customer_id=customer_id,
            status=status,
            severity=severity,
            breached=breached,
            limit=limit,
            cursor=cursor,
        ),
    )


@router.get("/{complaint_id}", response_model=ComplaintOut, summary="One complaint")
async def get_complaint(complaint_id: uuid.UUID, session: SessionDep, _: CustomersRead) -> Response:
    return _respond(await service.get(session, complaint_id))


@router.post(
    "/{complaint_id}/events",
    status_code=201,
    response_model=ComplaintEventResult,
    summary="Record a handling step: assign, respond, resolve or close",
    description="open → assigned (assign) → responded (respond) → resolved (resolve) → closed "
    "(close); an assigned complaint may be resolved without a response, `assign` re-assigns "
    "an assigned or responded one and `respond` may be repeated. Any other move is 409. "
    "`If-Match` is optional (412 when stale).",
    responses={
        404: {"description": "No such complaint"},
        409: {"description": "The state machine forbids this step; nothing changed"},
    },
)
async def record_event(
    complaint_id: uuid.UUID,
    body: ComplaintEventIn,
    session: SessionDep,
    principal: CustomersWrite,
    expected_version: OptionalIfMatchDep,
    idempotency: IdempotencyDep,
) -> Response:
    async def create() -> Response:
        event, complaint = await service.record_event(
            session, complaint_id, body, actor=principal.sub, expected_version=expected_version
        )
        result = ComplaintEventResult(
            event=ComplaintEventOut.model_validate(event),
            complaint=ComplaintOut.model_validate(complaint),
        )
        return json_response(
            result,
            status_code=201,
            version=complaint.version,
            location=f"/v1/complaints/{complaint.id}/events",
        )

    return await idempotency.run(body, create)


@router.get(
    "/{complaint_id}/events",
    response_model=Page[ComplaintEventOut],
    summary="The complaint's handling history, oldest first",
)
async def list_events(
    complaint_id: uuid.UUID,
    session: SessionDep,
    _: CustomersRead,
    limit: LimitQuery = DEFAULT_LIMIT,
    cursor: CursorQuery = None,
) -> Page[ComplaintEventOut]:
    return page_of(
        ComplaintEventOut,
        await service.list_events(session, complaint_id, limit=limit, cursor=cursor),
    )
