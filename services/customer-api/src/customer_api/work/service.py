"""Review campaigns and tasks (DOMAIN §13). Flushes, never commits.

A campaign opens its tasks with one INSERT … SELECT over the customer filter, so a campaign
over the whole book is one statement, and the unique (campaign, customer) key makes a customer
appear once per campaign whatever runs at the same time.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Sequence
from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, exists, func, insert, literal, select
from sqlalchemy.ext.asyncio import AsyncSession

from customer_api.audit import service as audit
from customer_api.customers import service as customers
from customer_api.models import Customer, Finding, ReviewCampaign, ReviewTask, Verification
from customer_api.work import statemachine
from customer_api.work.schemas import (
    AssigneeProgress,
    CampaignIn,
    CampaignOut,
    CampaignRecord,
    FindingStatus,
    Progress,
    TaskEventIn,
    TaskEventType,
    TaskOut,
    TaskStatus,
)
from guarantee_shared.clock import business_today, utc_now
from guarantee_shared.db.queries import get_or_404, keyset_page
from guarantee_shared.errors import InvalidInput
from guarantee_shared.versions import check_version

UNFINISHED = tuple(s.value for s in statemachine.UNFINISHED)


def campaign_snapshot(campaign: ReviewCampaign) -> dict[str, Any]:
    return CampaignRecord.model_validate(campaign).model_dump(mode="json")


def task_snapshot(task: ReviewTask) -> dict[str, Any]:
    return TaskOut.model_validate(task).model_dump(mode="json")


async def create_campaign(
    session: AsyncSession, fields: CampaignIn, *, actor: str
) -> ReviewCampaign:
    campaign = ReviewCampaign(
        id=uuid.uuid4(),
        name=fields.name,
        due_on=fields.due_on,
        filter=fields.filter.model_dump(mode="json", exclude_none=True),
        assign_to=fields.assign_to,
        actor=actor,
        version=1,
    )
    await audit.insert(
        session, campaign, actor=actor, entity_type="review_campaign", snapshot=campaign_snapshot
    )
    assignee = literal(fields.assign_to) if fields.assign_to else Customer.account_manager
    chosen = (
        customers.filtered(fields.filter)
        .where(Customer.status == "active")
        .with_only_columns(
            func.gen_random_uuid(),
            literal(campaign.id),
            Customer.id,
            assignee,
            literal(TaskStatus.open.value),
            literal(fields.due_on),
            literal(1),
        )
    )
    columns = ["id", "campaign_id", "customer_id", "assignee", "status", "due_on", "version"]
    # ON CONFLICT would hide a bug: the SELECT yields each customer once, the key guards it.
    await session.execute(insert(ReviewTask).from_select(columns, chosen))
    opened, _ = (await progress(session, [campaign.id]))[campaign.id]
    # One audit entry for the tasks the campaign opened, not one per task (it may be the book).
    await audit.record(
        session,
        actor=actor,
        action="open_tasks",
        entity_type="review_campaign",
        entity_id=campaign.id,
        before=None,
        after={"tasks_total": opened.tasks_total},
    )
    return campaign


async def progress(
    session: AsyncSession, campaign_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, tuple[Progress, list[AssigneeProgress]]]:
    """Each campaign's counts, in total and by assignee, from one GROUP BY."""
    today = business_today()
    unfinished = ReviewTask.status.in_(UNFINISHED)
    rows = await session.execute(
        select(
            ReviewTask.campaign_id,
            ReviewTask.assignee,
            func.count(),
            func.count().filter(ReviewTask.status == TaskStatus.done.value),
            func.count().filter(ReviewTask.status == TaskStatus.cancelled.value),
            # Overdue the day after due_on while unfinished (DOMAIN §13).
            func.count().filter(unfinished, ReviewTask.due_on < today),
        )
        .where(ReviewTask.campaign_id.in_(campaign_ids))
        .group_by(ReviewTask.campaign_id, ReviewTask.assignee)
    )
    totals: dict[uuid.UUID, Progress] = {cid: Progress() for cid in campaign_ids}
    shares: dict[uuid.UUID, list[AssigneeProgress]] = defaultdict(list)
    for campaign_id, assignee, total, done, cancelled, overdue in rows:
        sum_ = totals[campaign_id]
        sum_.tasks_total += total
        sum_.done += done
        sum_.cancelled += cancelled
        sum_.overdue += overdue
        shares[campaign_id].append(
            AssigneeProgress(assignee=assignee, tasks_total=total, done=done, overdue=overdue)
        )
    return {
        cid: (
            totals[cid],
            sorted(
                shares[cid],
                key=lambda a: (-a.tasks_total, a.assignee is None, a.assignee or ""),
            ),
        )
        for cid in campaign_ids
    }


async def open_findings(
    session: AsyncSession, campaign_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, int]:
    """Open findings on each campaign's customers (findings belong to customers, not
    campaigns: one found during another review still needs putting right)."""
    rows = await session.execute(
        select(ReviewTask.campaign_id, func.count(Finding.id.distinct()))
        .join(Finding, Finding.customer_id == ReviewTask.customer_id)
        .where(
            ReviewTask.campaign_id.in_(campaign_ids),
            Finding.status == FindingStatus.open.value,
        )
        .group_by(ReviewTask.campaign_id)
    )
    return {campaign_id: count for campaign_id, count in rows}


async def present(session: AsyncSession, campaigns: Sequence[ReviewCampaign]) -> list[CampaignOut]:
    counts = await progress(session, [c.id for c in campaigns])
    findings = await open_findings(session, [c.id for c in campaigns])
    out = []
    for campaign in campaigns:
        total, by_assignee = counts[campaign.id]
        out.append(
            CampaignOut(
                **CampaignRecord.model_validate(campaign).model_dump(),
                **total.model_dump(),
                findings_open=findings.get(campaign.id, 0),
                by_assignee=by_assignee,
            )
        )
    return out


async def get_campaign(session: AsyncSession, campaign_id: uuid.UUID) -> ReviewCampaign:
    return await get_or_404(session, ReviewCampaign, campaign_id)


async def list_campaigns(
    session: AsyncSession, *, limit: int, cursor: str | None
) -> tuple[Sequence[ReviewCampaign], str | None]:
    """Newest first."""
    order = [ReviewCampaign.created_at, ReviewCampaign.id]
    return await keyset_page(
        session, select(ReviewCampaign), order, limit=limit, cursor=cursor, descending=True
    )


async def get_task(
    session: AsyncSession, task_id: uuid.UUID, *, for_update: bool = False
) -> ReviewTask:
    return await get_or_404(session, ReviewTask, task_id, for_update=for_update)


async def list_tasks(
    session: AsyncSession,
    *,
    assignee: str | None,
    unassigned: bool | None,
    status: TaskStatus | None,
    campaign_id: uuid.UUID | None,
    customer_id: uuid.UUID | None,
    due_before: date | None,
    limit: int,
    cursor: str | None,
) -> tuple[Sequence[ReviewTask], str | None]:
    """Soonest due first, keyset on (due_on, id)."""
    if assignee is not None and unassigned:
        raise InvalidInput(
            "assignee and unassigned=true together select nothing; give one of them",
            loc=["query", "unassigned"],
        )
    conditions: list[ColumnElement[bool]] = []
    if assignee is not None:
        conditions.append(ReviewTask.assignee == assignee)
    if unassigned is not None:
        conditions.append(
            ReviewTask.assignee.is_(None) if unassigned else ReviewTask.assignee.is_not(None)
        )
    if status is not None:
        conditions.append(ReviewTask.status == status.value)
    if campaign_id is not None:
        conditions.append(ReviewTask.campaign_id == campaign_id)
    if customer_id is not None:
        conditions.append(ReviewTask.customer_id == customer_id)
    if due_before is not None:
        conditions.append(ReviewTask.due_on < due_before)
    query = select(ReviewTask).where(*conditions)
    order = [ReviewTask.due_on, ReviewTask.id]
    return await keyset_page(session, query, order, limit=limit, cursor=cursor)


async def _verified_since(session: AsyncSession, task: ReviewTask) -> bool:
    """Whether a verification of the task's customer was recorded since the task opened
    (recorded, not dated: a back-dated verification entered now counts, DOMAIN §13)."""
    found = await session.scalar(
        select(
            exists().where(
                Verification.customer_id == task.customer_id,
                Verification.created_at >= task.opened_at,
            )
        )
    )
    return bool(found)


async def record_event(
    session: AsyncSession,
    task_id: uuid.UUID,
    event: TaskEventIn,
    *,
    actor: str,
    expected_version: int | None,
) -> ReviewTask:
    """Apply one step to a task, or refuse it (409) changing nothing; the row lock orders
    concurrent steps on one task."""
    task = await get_task(session, task_id, for_update=True)
    if expected_version is not None:
        check_version(current=task.version, expected=expected_version)
    verified = event.type is TaskEventType.complete and await _verified_since(session, task)
    after = statemachine.apply(
        statemachine.TaskState(status=TaskStatus(task.status), assignee=task.assignee),
        kind=event.type,
        actor=actor,
        assignee=event.assignee,
        verified_since_opened=verified,
    )
    before = task_snapshot(task)
    _store(task, after)
    return await audit.update(
        session,
        task,
        before=before,
        actor=actor,
        entity_type="review_task",
        # The event's note has no column of its own: the audit entry, the task's history, keeps it.
        snapshot=lambda t: {**task_snapshot(t), "note": event.note},
        action=f"event.{event.type.value}",
    )


def _store(task: ReviewTask, state: statemachine.TaskState) -> None:
    now = utc_now()
    if state.status is TaskStatus.done:
        task.completed_at = now
    task.status = state.status.value
    task.assignee = state.assignee
    task.version += 1
    task.updated_at = now


async def complete_on_verification(
    session: AsyncSession, *, customer_id: uuid.UUID, actor: str
) -> list[ReviewTask]:
    """Complete the customer's unfinished tasks assigned to ``actor``, who has just recorded a
    verification of it. Tasks of others stay: their assignee completes them, or reassigns."""
    tasks = (
        await session.scalars(
            select(ReviewTask)
            .where(
                ReviewTask.customer_id == customer_id,
                ReviewTask.assignee == actor,
                ReviewTask.status.in_(UNFINISHED),
            )
            .order_by(ReviewTask.id)
            .with_for_update()
        )
    ).all()
    for task in tasks:
        before = task_snapshot(task)
        _store(task, statemachine.TaskState(status=TaskStatus.done, assignee=task.assignee))
        await audit.update(
            session,
            task,
            before=before,
            actor=actor,
            entity_type="review_task",
            snapshot=task_snapshot,
            action="event.complete",
        )
    return list(tasks)
