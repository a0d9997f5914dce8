"""/v1/review-campaigns, /v1/review-tasks and /v1/me/tasks: thin handlers over work.service."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import Query
from fastapi.responses import Response

from customer_api.deps import CustomersRead, CustomersWrite, IdempotencyDep, SessionDep
from customer_api.models import Finding, ReviewCampaign, ReviewTask
from customer_api.work import findings, service
from customer_api.work.schemas import (
    CampaignIn,
    CampaignOut,
    FindingEventIn,
    FindingIn,
    FindingOut,
    FindingStatus,
    TaskEventIn,
    TaskOut,
    TaskStatus,
)
from guarantee_shared.pagination import DEFAULT_LIMIT, Page, page_of
from guarantee_shared.types import Date
from guarantee_shared.web.http import CursorQuery, LimitQuery, OptionalIfMatchDep, json_response
from guarantee_shared.web.routing import api_router

campaigns_router = api_router(prefix="/v1/review-campaigns", tags=["work"])
tasks_router = api_router(prefix="/v1/review-tasks", tags=["work"])
me_router = api_router(prefix="/v1/me", tags=["work"])
customer_findings_router = api_router(prefix="/v1/customers", tags=["work"])
findings_router = api_router(prefix="/v1/findings", tags=["work"])

AssigneeQuery = Annotated[
    str | None, Query(min_length=1, max_length=200, description="The assignee's `sub`")
]


async def _campaign_response(
    session: SessionDep, campaign: ReviewCampaign, *, status_code: int = 200
) -> Response:
    (out,) = await service.present(session, [campaign])
    location = f"/v1/review-campaigns/{campaign.id}" if status_code == 201 else None
    return json_response(out, status_code=status_code, version=campaign.version, location=location)


def _task_response(task: ReviewTask) -> Response:
    return json_response(TaskOut.model_validate(task), version=task.version)


@campaigns_router.post(
    "",
    status_code=201,
    response_model=CampaignOut,
    summary="Start a review campaign: one task per matching active customer",
    description="Each task goes to the customer's account manager, or to `assign_to` when "
    "given; a customer without one lands in the unassigned queue (assignee null).",
)
async def create_campaign(
    body: CampaignIn, session: SessionDep, principal: CustomersWrite, idempotency: IdempotencyDep
) -> Response:
    async def create() -> Response:
        campaign = await service.create_campaign(session, body, actor=principal.sub)
        return await _campaign_response(session, campaign, status_code=201)

    return await idempotency.run(body, create)


@campaigns_router.get(
    "", response_model=Page[CampaignOut], summary="Review campaigns with progress, newest first"
)
async def list_campaigns(
    session: SessionDep,
    _: CustomersRead,
    limit: LimitQuery = DEFAULT_LIMIT,
    cursor: CursorQuery = None,
) -> Page[CampaignOut]:
    rows, next_cursor = await service.list_campaigns(session, limit=limit, cursor=cursor)
    return Page[CampaignOut](items=await service.present(session, rows), next_cursor=next_cursor)


@campaigns_router.get(
    "/{campaign_id}", response_model=CampaignOut, summary="One review campaign with progress"
)
async def get_campaign(campaign_id: uuid.UUID, session: SessionDep, _: CustomersRead) -> Response:
    return await _campaign_response(session, await service.get_campaign(session, campaign_id))


@tasks_router.get("", response_model=Page[TaskOut], summary="Review tasks, soonest due first")
async def list_tasks(
    session: SessionDep,
    _: CustomersRead,
    assignee: AssigneeQuery = None,
    unassigned: Annotated[
        bool | None,
        Query(description="true: the unassigned queue only; false: assigned tasks only"),
    ] = None,
    status: TaskStatus | None = None,
    campaign_id: uuid.UUID | None = None,
    customer_id: uuid.UUID | None = None,
    due_before: Date | None = None,
    limit: LimitQuery = DEFAULT_LIMIT,
    cursor: CursorQuery = None,
) -> Page[TaskOut]:
    return page_of(
        TaskOut,
        await service.list_tasks(
            session,
            assignee=assignee,
            unassigned=unassigned,
            status=status,
            campaign_id=campaign_id,
            customer_id=customer_id,
            due_before=due_before,
            limit=limit,
            cursor=cursor,
        ),
    )


@tasks_router.get("/{task_id}", response_model=TaskOut, summary="One review task")
async def get_task(task_id: uuid.UUID, session: SessionDep, _: CustomersRead) -> Response:
    return _task_response(await service.get_task(session, task_id))


@tasks_router.post(
    "/{task_id}/events",
    response_model=TaskOut,
    summary="Move a task: start, complete, reassign or cancel",
    description="open → in_progress (start; an unassigned task goes to the caller) → done "
    "(complete, also straight from open) ; open or in_progress → cancelled (cancel); "
    "reassign (`assignee`, null for the unassigned queue) keeps the status. `complete` needs "
    "a verification of the customer recorded since the task opened. Anything else is 409. "
    "`If-Match` is optional (412 when stale). Answers the task.",
    responses={
        409: {
            "description": "The task's status forbids this step, or no verification was "
            "recorded since it opened; nothing changed"
        }
    },
)
async def record_event(
    task_id: uuid.UUID,
    body: TaskEventIn,
    session: SessionDep,
    principal: CustomersWrite,
    expected_version: OptionalIfMatchDep,
    idempotency: IdempotencyDep,
) -> Response:
    async def run() -> Response:
        task = await service.record_event(
            session, task_id, body, actor=principal.sub, expected_version=expected_version
        )
        return _task_response(task)

    return await idempotency.run(body, run)


@me_router.get(
    "/tasks", response_model=Page[TaskOut], summary="The caller's review tasks, soonest due first"
)
async def list_my_tasks(
    session: SessionDep,
    principal: CustomersRead,
    status: TaskStatus | None = None,
    campaign_id: uuid.UUID | None = None,
    due_before: Date | None = None,
    limit: LimitQuery = DEFAULT_LIMIT,
    cursor: CursorQuery = None,
) -> Page[TaskOut]:
    return page_of(
        TaskOut,
        await service.list_tasks(
            session,
            assignee=principal.sub,
            unassigned=None,
            status=status,
            campaign_id=campaign_id,
            customer_id=None,
            due_before=due_before,
            limit=limit,
            cursor=cursor,
        ),
    )


def _finding_response(finding: Finding, *, status_code: int = 200) -> Response:
    location = f"/v1/findings/{finding.id}" if status_code == 201 else None
    return json_response(
        FindingOut.model_validate(finding),
        status_code=status_code,
        version=finding.version,
        location=location,
    )


@customer_findings_router.post(
    "/{customer_id}/findings",
    status_code=201,
    response_model=FindingOut,
    summary="Record a finding on a customer: what must be put right, by whom, by when",
)
async def create_finding(
    customer_id: uuid.UUID,
    body: FindingIn,
    session: SessionDep,
    principal: CustomersWrite,
    idempotency: IdempotencyDep,
) -> Response:
    async def create() -> Response:
        finding = await findings.create(
            session, customer_id=customer_id, fields=body, actor=principal.sub
        )
        return _finding_response(finding, status_code=201)

    return await idempotency.run(body, create)


@customer_findings_router.get(
    "/{customer_id}/findings",
    response_model=Page[FindingOut],
    summary="The customer's findings, newest first",
)
async def list_findings(
    customer_id: uuid.UUID,
    session: SessionDep,
    _: CustomersRead,
    status: FindingStatus | None = None,
    limit: LimitQuery = DEFAULT_LIMIT,
    cursor: CursorQuery = None,
) -> Page[FindingOut]:
    return page_of(
        FindingOut,
        await findings.list_for_customer(
            session, customer_id=customer_id, status=status, limit=limit, cursor=cursor
        ),
    )


@findings_router.get("/{finding_id}", response_model=FindingOut, summary="One finding")
async def get_finding(finding_id: uuid.UUID, session: SessionDep, _: CustomersRead) -> Response:
    return _finding_response(await findings.get(session, finding_id))


@findings_router.post(
    "/{finding_id}/events",
    response_model=FindingOut,
    summary="Resolve a finding (`note` says what was done)",
    description="open → resolved; anything else is 409. `If-Match` is optional (412 when "
    "stale). Answers the finding.",
    responses={409: {"description": "The finding is not open; nothing changed"}},
)
async def record_finding_event(
    finding_id: uuid.UUID,
    body: FindingEventIn,
    session: SessionDep,
    principal: CustomersWrite,
    expected_version: OptionalIfMatchDep,
    idempotency: IdempotencyDep,
) -> Response:
    async def run() -> Response:
        finding = await findings.record_event(
            session, finding_id, body, actor=principal.sub, expected_version=expected_version
        )
        return _finding_response(finding)

    return await idempotency.run(body, run)
