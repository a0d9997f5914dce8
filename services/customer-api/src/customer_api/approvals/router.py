"""/v1/approvals: thin handlers over approvals.service."""

from __future__ import annotations

import uuid

from fastapi.responses import Response

from customer_api.approvals import service
from customer_api.approvals.schemas import (
    ApprovalIn,
    ApprovalKind,
    ApprovalOut,
    ApprovalStatus,
    DecisionIn,
)
from customer_api.deps import (
    ApprovalsDecide,
    ContractsRead,
    ContractsWrite,
    IdempotencyDep,
    SessionDep,
    SettingsDep,
)
from customer_api.models import Approval
from guarantee_shared.pagination import DEFAULT_LIMIT, Page
from guarantee_shared.web.http import CursorQuery, LimitQuery, json_response
from guarantee_shared.web.routing import api_router

router = api_router(prefix="/v1/approvals", tags=["approvals"])


def _respond(approval: Approval, *, status_code: int = 200) -> Response:
    return json_response(
        service.out(approval),
        status_code=status_code,
        version=approval.version,
        location=f"/v1/approvals/{approval.id}" if status_code == 201 else None,
    )


@router.post(
    "",
    status_code=201,
    response_model=ApprovalOut,
    summary="Ask for an approval; someone else decides it",
    responses={404: {"description": "No such contract (policy_override) or customer"}},
)
async def create_approval(
    body: ApprovalIn,
    session: SessionDep,
    principal: ContractsWrite,
    settings: SettingsDep,
    idempotency: IdempotencyDep,
) -> Response:
    async def create() -> Response:
        approval = await service.create(
            session, body, actor=principal.sub, ttl_days=settings.approval_ttl_days
        )
        return _respond(approval, status_code=201)

    return await idempotency.run(body, create)


@router.get("", response_model=Page[ApprovalOut], summary="List approvals, newest first")
async def list_approvals(
    session: SessionDep,
    _: ContractsRead,
    status: ApprovalStatus | None = None,
    kind: ApprovalKind | None = None,
    limit: LimitQuery = DEFAULT_LIMIT,
    cursor: CursorQuery = None,
) -> Page[ApprovalOut]:
    items, next_cursor = await service.list_approvals(
        session, status=status, kind=kind, limit=limit, cursor=cursor
    )
    return Page[ApprovalOut](items=[service.out(a) for a in items], next_cursor=next_cursor)


@router.get("/{approval_id}", response_model=ApprovalOut, summary="One approval")
async def get_approval(approval_id: uuid.UUID, session: SessionDep, _: ContractsRead) -> Response:
    return _respond(await service.get(session, approval_id))


@router.post(
    "/{approval_id}/decision",
    response_model=ApprovalOut,
    summary="Approve or reject: final, and never by the requester",
    responses={
        403: {"description": "The caller requested this approval"},
        404: {"description": "No such approval"},
        409: {"description": "Already decided, expired or consumed; nothing changed"},
    },
)
async def decide(
    approval_id: uuid.UUID,
    body: DecisionIn,
    session: SessionDep,
    principal: ApprovalsDecide,
    settings: SettingsDep,
) -> Response:
    decided = await service.decide(
        session,
        approval_id,
        body,
        actor=principal.sub,
        review_intervals=settings.review_interval_days,
    )
    return _respond(decided)
