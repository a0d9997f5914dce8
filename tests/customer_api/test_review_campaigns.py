"""Review campaigns and tasks (docs/DOMAIN.md §13): who gets which customer, progress, the task
state machine, and verifications closing tasks."""

from __future__ import annotations

import asyncio
import json
from datetime import timedelta
from typing import Any

import asyncpg
import httpx
import pytest

from guarantee_shared.clock import business_today
from tests.support.auth import ALL_SCOPES, bearer
from tests.support.factories import customer_body

LI, ZHANG = "li.wei", "zhang.min"


def _due(days: int = 30) -> str:
    return (business_today() + timedelta(days=days)).isoformat()


async def _customer(client: httpx.AsyncClient, **overrides: object) -> str:
    response = await client.post("/v1/customers", json=customer_body(**overrides))
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


async def _campaign(client: httpx.AsyncClient, **overrides: object) -> dict[str, Any]:
    body: dict[str, Any] = {"name": "2026年末客户梳理", "due_on": _due(), "filter": {}}
    body.update(overrides)
    response = await client.post("/v1/review-campaigns", json=body)
    assert response.status_code == 201, response.text
    campaign: dict[str, Any] = response.json()
    return campaign


async def _tasks(client: httpx.AsyncClient, **params: object) -> list[dict[str, Any]]:
    response = await client.get("/v1/review-tasks", params={"limit": 500, **params})
    assert response.status_code == 200, response.text
    assert response.json()["next_cursor"] is None
    items: list[dict[str, Any]] = response.json()["items"]
    return items


async def _event(
    client: httpx.AsyncClient, task_id: str, kind: str, *, sub: str | None = None, **extra: object
) -> httpx.Response:
    headers = bearer(*ALL_SCOPES, sub=sub) if sub else None
    return await client.post(
        f"/v1/review-tasks/{task_id}/events", json={"type": kind, **extra}, headers=headers
    )


async def _verify(client: httpx.AsyncClient, customer_id: str, *, sub: str) -> None:
    response = await client.post(
        f"/v1/customers/{customer_id}/verifications",
        json={
            "verified_on": business_today().isoformat(),
            "verified_by": "张敏",
            "outcome": "confirmed",
        },
        headers=bearer(*ALL_SCOPES, sub=sub),
    )
    assert response.status_code == 201, response.text


async def _one_task(client: httpx.AsyncClient, *, manager: str | None = LI) -> dict[str, Any]:
    customer_id = await _customer(client, account_manager=manager)
    campaign = await _campaign(client)
    (task,) = await _tasks(client, campaign_id=campaign["id"])
    assert task["customer_id"] == customer_id
    return task


async def test_campaign_gives_each_matching_active_customer_one_task_to_its_manager(
    client: httpx.AsyncClient, db: asyncpg.Connection
) -> None:
    li = [await _customer(client, account_manager=LI) for _ in range(2)]
    zhang = await _customer(client, account_manager=ZHANG)
    nobody = await _customer(client)
    await _customer(client, account_manager=LI, industry_code="F51")
    inactive = await _customer(client, account_manager=LI)
    gone = await client.delete(f"/v1/customers/{inactive}", headers={"If-Match": '"1"'})
    assert gone.status_code == 200, gone.text

    campaign = await _campaign(client, filter={"industry_section": "C"})

    assert response_fields(campaign) == {
        "tasks_total": 4,
        "done": 0,
        "overdue": 0,
        "findings_open": 0,
        "by_assignee": [
            {"assignee": LI, "tasks_total": 2, "done": 0, "overdue": 0},
            {"assignee": ZHANG, "tasks_total": 1, "done": 0, "overdue": 0},
            {"assignee": None, "tasks_total": 1, "done": 0, "overdue": 0},
        ],
    }
    tasks = await _tasks(client, campaign_id=campaign["id"])
    owners = {t["customer_id"]: t["assignee"] for t in tasks}
    assert owners == {li[0]: LI, li[1]: LI, zhang: ZHANG, nobody: None}
    assert len(tasks) == len(owners)
    assert {t["status"] for t in tasks} == {"open"}
    assert {t["due_on"] for t in tasks} == {campaign["due_on"]}
    queue = await _tasks(client, unassigned="true")
    assert [t["customer_id"] for t in queue] == [nobody]
    fetched = await client.get(f"/v1/review-campaigns/{campaign['id']}")
    assert fetched.status_code == 200
    assert response_fields(fetched.json()) == response_fields(campaign)
    listed = (await client.get("/v1/review-campaigns")).json()["items"]
    assert [c["id"] for c in listed] == [campaign["id"]]
    actions = await db.fetch(
        "select action, after from customer.audit_log where entity_type = 'review_campaign'"
        " order by id"
    )
    assert [a["action"] for a in actions] == ["create", "open_tasks"]


def response_fields(campaign: dict[str, Any]) -> dict[str, Any]:
    keys = ("tasks_total", "done", "overdue", "findings_open", "by_assignee")
    return {key: campaign[key] for key in keys}


async def test_assign_to_overrides_ownership(client: httpx.AsyncClient) -> None:
    await _customer(client, account_manager=LI)
    await _customer(client)
    campaign = await _campaign(client, assign_to=ZHANG)
    tasks = await _tasks(client, campaign_id=campaign["id"])
    assert [t["assignee"] for t in tasks] == [ZHANG, ZHANG]
    mine = await client.get("/v1/me/tasks", headers=bearer(*ALL_SCOPES, sub=ZHANG))
    assert {t["id"] for t in mine.json()["items"]} == {t["id"] for t in tasks}


async def test_two_concurrent_campaigns_over_overlapping_filters_each_cover_once(
    client: httpx.AsyncClient, db: asyncpg.Connection
) -> None:
    both = [await _customer(client, account_manager=LI, industry_code="C39") for _ in range(4)]
    only_c = [await _customer(client, account_manager=LI) for _ in range(3)]
    only_li = [await _customer(client, account_manager=LI, industry_code="F51") for _ in range(2)]
    first, second = await asyncio.gather(
        _campaign(client, filter={"industry_section": "C"}),
        _campaign(client, filter={"account_manager": LI}),
    )
    assert first["tasks_total"] == len(both) + len(only_c)
    assert second["tasks_total"] == len(both) + len(only_c) + len(only_li)
    for campaign, expected in ((first, both + only_c), (second, both + only_c + only_li)):
        tasks = await _tasks(client, campaign_id=campaign["id"])
        assert sorted(t["customer_id"] for t in tasks) == sorted(expected)
    # The key, not luck, keeps a customer to one task per campaign.
    task = await db.fetchrow("select * from customer.review_tasks limit 1")
    with pytest.raises(asyncpg.UniqueViolationError):
        await db.execute(
            "insert into customer.review_tasks (id, campaign_id, customer_id, status, due_on,"
            " version) values (gen_random_uuid(), $1, $2, 'open', $3, 1)",
            task["campaign_id"],
            task["customer_id"],
            task["due_on"],
        )


async def test_bad_campaign_is_422_and_opens_nothing(
    client: httpx.AsyncClient, db: asyncpg.Connection
) -> None:
    await _customer(client)
    for body in (
        {"name": "x", "due_on": _due(), "filter": {"industry": "C"}},
        {"name": "x", "due_on": _due(), "filter": {"risk_tier": "extreme"}},
        {"name": "", "due_on": _due()},
        {"name": "x", "due_on": "2026-13-01"},
    ):
        response = await client.post("/v1/review-campaigns", json=body)
        assert response.status_code == 422, response.text
    assert await db.fetchval("select count(*) from customer.review_tasks") == 0
    assert await db.fetchval("select count(*) from customer.review_campaigns") == 0


async def test_complete_without_a_verification_since_opening_is_refused(
    client: httpx.AsyncClient,
) -> None:
    customer_id = await _customer(client, account_manager=LI)
    await _verify(client, customer_id, sub=LI)  # before the campaign: does not count
    campaign = await _campaign(client)
    (task,) = await _tasks(client, campaign_id=campaign["id"])
    refused = await _event(client, task["id"], "complete", sub=LI)
    assert refused.status_code == 409
    assert refused.headers["content-type"].startswith("application/problem+json")
    assert "verification" in refused.json()["detail"]
    assert (await client.get(f"/v1/review-tasks/{task['id']}")).json()["status"] == "open"
    # A verification by someone else does not close the task, but lets it be completed.
    await _verify(client, customer_id, sub=ZHANG)
    assert (await client.get(f"/v1/review-tasks/{task['id']}")).json()["status"] == "open"
    done = await _event(client, task["id"], "complete", sub=LI)
    assert done.status_code == 200, done.text
    assert done.json()["status"] == "done"
    assert done.json()["completed_at"] is not None


async def test_verification_by_the_assignee_closes_the_task(
    client: httpx.AsyncClient, db: asyncpg.Connection
) -> None:
    task = await _one_task(client)
    started = await _event(client, task["id"], "start", sub=LI)
    assert started.json()["status"] == "in_progress"
    await _verify(client, task["customer_id"], sub=LI)
    closed = (await client.get(f"/v1/review-tasks/{task['id']}")).json()
    assert closed["status"] == "done"
    assert closed["completed_at"] is not None
    campaign = (await client.get(f"/v1/review-campaigns/{task['campaign_id']}")).json()
    assert (campaign["tasks_total"], campaign["done"]) == (1, 1)
    actions = await db.fetch(
        "select action, actor from customer.audit_log where entity_type = 'review_task' order by id"
    )
    assert [(a["action"], a["actor"]) for a in actions] == [
        ("event.start", LI),
        ("event.complete", LI),
    ]


async def test_an_event_note_is_kept_in_the_task_history(
    client: httpx.AsyncClient, db: asyncpg.Connection
) -> None:
    task = await _one_task(client)
    cancelled = await _event(client, task["id"], "cancel", note="Customer merged into another")
    assert cancelled.status_code == 200, cancelled.text
    after = await db.fetchval(
        "select after from customer.audit_log where entity_type = 'review_task'"
    )
    assert json.loads(after)["note"] == "Customer merged into another"


@pytest.mark.parametrize(
    ("steps", "refused"),
    [
        (["start"], "start"),
        (["cancel"], "complete"),
        (["cancel"], "start"),
        (["cancel"], "reassign"),
        ([], "not-an-event"),
    ],
)
async def test_illegal_moves_are_409_and_change_nothing(
    client: httpx.AsyncClient, steps: list[str], refused: str
) -> None:
    task = await _one_task(client)
    for step in steps:
        assert (await _event(client, task["id"], step)).status_code == 200
    before = (await client.get(f"/v1/review-tasks/{task['id']}")).json()
    extra = {"assignee": ZHANG} if refused == "reassign" else {}
    response = await _event(client, task["id"], refused, **extra)
    assert response.status_code == (422 if refused == "not-an-event" else 409), response.text
    assert (await client.get(f"/v1/review-tasks/{task['id']}")).json() == before


async def test_done_task_takes_no_more_events(client: httpx.AsyncClient) -> None:
    task = await _one_task(client)
    await _verify(client, task["customer_id"], sub=LI)
    for kind, extra in (
        ("start", {}),
        ("complete", {}),
        ("cancel", {}),
        ("reassign", {"assignee": ZHANG}),
    ):
        response = await _event(client, task["id"], kind, **extra)
        assert response.status_code == 409, (kind, response.text)


async def test_reassign_moves_a_task_between_people_and_the_queue(
    client: httpx.AsyncClient,
) -> None:
    task = await _one_task(client)
    missing = await _event(client, task["id"], "reassign")
    assert missing.status_code == 422
    moved = await _event(client, task["id"], "reassign", assignee=ZHANG)
    assert moved.status_code == 200, moved.text
    assert (moved.json()["assignee"], moved.json()["status"]) == (ZHANG, "open")
    assert moved.headers["etag"] == '"2"'
    queued = await _event(client, task["id"], "reassign", assignee=None)
    assert queued.json()["assignee"] is None
    assert [t["id"] for t in await _tasks(client, unassigned="true")] == [task["id"]]
    not_for_start = await _event(client, task["id"], "start", assignee=LI)
    assert not_for_start.status_code == 422


async def test_starting_an_unassigned_task_claims_it(client: httpx.AsyncClient) -> None:
    task = await _one_task(client, manager=None)
    assert task["assignee"] is None
    started = await _event(client, task["id"], "start", sub=ZHANG)
    assert (started.json()["assignee"], started.json()["status"]) == (ZHANG, "in_progress")
    assert await _tasks(client, unassigned="true") == []
    mine = await client.get("/v1/me/tasks", headers=bearer(*ALL_SCOPES, sub=ZHANG))
    assert [t["id"] for t in mine.json()["items"]] == [task["id"]]


async def test_task_filters_and_overdue_progress(client: httpx.AsyncClient) -> None:
    await _customer(client, account_manager=LI)
    await _customer(client, account_manager=ZHANG)
    late = await _campaign(client, due_on=_due(-1))
    assert late["overdue"] == 2
    soon = await _campaign(client, due_on=_due(10))
    assert soon["overdue"] == 0
    assert len(await _tasks(client, assignee=LI)) == 2
    assert len(await _tasks(client, due_before=_due(0))) == 2
    assert len(await _tasks(client, campaign_id=soon["id"], assignee=ZHANG)) == 1
    assert len(await _tasks(client, status="done")) == 0
    both = await client.get("/v1/review-tasks", params={"assignee": LI, "unassigned": "true"})
    assert both.status_code == 422
    unknown = await client.get(f"/v1/review-campaigns/{late['by_assignee'][0]['assignee']}")
    assert unknown.status_code == 422
