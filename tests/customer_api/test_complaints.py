"""Complaints: due time by severity (docs/DOMAIN.md §11), the handling state machine, breaches."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import asyncpg
import httpx
import pytest

from tests.support.factories import customer_body


async def _customer(client: httpx.AsyncClient) -> str:
    response = await client.post("/v1/customers", json=customer_body())
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


async def _complaint(
    client: httpx.AsyncClient, customer_id: str, severity: str = "medium"
) -> dict[str, object]:
    response = await client.post(
        "/v1/complaints",
        json={
            "customer_id": customer_id,
            "category": "fee",
            "severity": severity,
            "description": "担保费计算有误",
        },
    )
    assert response.status_code == 201, response.text
    body: dict[str, object] = response.json()
    return body


async def _event(client: httpx.AsyncClient, complaint_id: object, **body: object) -> httpx.Response:
    return await client.post(f"/v1/complaints/{complaint_id}/events", json=body)


def _at(value: object) -> datetime:
    return datetime.fromisoformat(str(value))


@pytest.mark.parametrize(("severity", "days"), [("high", 2), ("medium", 5), ("low", 10)])
async def test_due_time_follows_severity(
    client: httpx.AsyncClient, severity: str, days: int
) -> None:
    complaint = await _complaint(client, await _customer(client), severity)
    assert complaint["status"] == "open"
    assert complaint["breached"] is False
    assert _at(complaint["due_at"]) - _at(complaint["created_at"]) == timedelta(days=days)


async def test_complaint_is_handled_to_closure_with_history_and_audit(
    client: httpx.AsyncClient, db: asyncpg.Connection
) -> None:
    complaint = await _complaint(client, await _customer(client))
    cid = complaint["id"]
    fetched = await client.get(f"/v1/complaints/{cid}")
    assert fetched.headers["etag"] == '"1"'
    steps = [
        ({"type": "assign", "assignee": "客服王芳"}, "assigned"),
        ({"type": "respond", "note": "已电话联系客户"}, "responded"),
        ({"type": "resolve", "note": "退还多收费用"}, "resolved"),
        ({"type": "close"}, "closed"),
    ]
    for version, (body, status) in enumerate(steps, start=2):
        response = await _event(client, cid, **body)
        assert response.status_code == 201, response.text
        assert response.json()["complaint"]["status"] == status
        assert response.json()["event"]["seq"] == version - 1
        assert response.headers["etag"] == f'"{version}"'
    final = (await client.get(f"/v1/complaints/{cid}")).json()
    assert final["assignee"] == "客服王芳"
    assert final["resolved_at"] is not None
    assert final["closed_at"] is not None
    assert final["breached"] is False
    history = (await client.get(f"/v1/complaints/{cid}/events")).json()["items"]
    assert [e["type"] for e in history] == ["assign", "respond", "resolve", "close"]
    actions = await db.fetch(
        "select action from customer.audit_log where entity_type = 'complaint' order by id"
    )
    assert [a["action"] for a in actions] == [
        "create", "event.assign", "event.respond", "event.resolve", "event.close",
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("before", "event"),
    [
        ([], {"type": "respond", "note": "x"}),
        ([], {"type": "resolve", "note": "x"}),
        ([], {"type": "close"}),
        ([{"type": "assign", "assignee": "王芳"}], {"type": "close"}),
        (
            [{"type": "assign", "assignee": "王芳"}, {"type": "resolve", "note": "ok"}],
            {"type": "assign", "assignee": "李雷"},
        ),
    ],
)
async def test_forbidden_step_is_409_and_changes_nothing(
    client: httpx.AsyncClient,
    db: asyncpg.Connection,
    before: list[dict[str, object]],
    event: dict[str, object],
) -> None:
    cid = (await _complaint(client, await _customer(client)))["id"]
    for step in before:
        assert (await _event(client, cid, **step)).status_code == 201
    current = (await client.get(f"/v1/complaints/{cid}")).json()
    response = await _event(client, cid, **event)
    assert response.status_code == 409
    assert response.headers["content-type"].startswith("application/problem+json")
    assert (await client.get(f"/v1/complaints/{cid}")).json() == current
    assert await db.fetchval("select count(*) from customer.complaint_events") == len(before)


@pytest.mark.parametrize(
    ("event", "field"),
    [
        ({"type": "assign"}, "assignee"),
        ({"type": "respond", "assignee": "王芳", "note": "x"}, "assignee"),
        ({"type": "resolve"}, "note"),
        ({"type": "reopen"}, "type"),
    ],
)
async def test_malformed_event_is_422_naming_the_field(
    client: httpx.AsyncClient, event: dict[str, object], field: str
) -> None:
    cid = (await _complaint(client, await _customer(client)))["id"]
    response = await _event(client, cid, **event)
    assert response.status_code == 422
    assert response.json()["errors"][0]["loc"] == ["body", field]


async def test_stale_if_match_is_412(client: httpx.AsyncClient) -> None:
    cid = (await _complaint(client, await _customer(client)))["id"]
    await _event(client, cid, type="assign", assignee="王芳")
    response = await client.post(
        f"/v1/complaints/{cid}/events",
        json={"type": "respond", "note": "x"},
        headers={"If-Match": '"1"'},
    )
    assert response.status_code == 412
    assert (await client.get(f"/v1/complaints/{cid}")).json()["status"] == "assigned"


async def test_bad_input_is_4xx(client: httpx.AsyncClient, db: asyncpg.Connection) -> None:
    missing = "00000000-0000-4000-8000-000000000000"
    body = {"customer_id": missing, "category": "fee", "severity": "low", "description": "x"}
    assert (await client.post("/v1/complaints", json=body)).status_code == 404
    customer_id = await _customer(client)
    bad = {**body, "customer_id": customer_id, "severity": "urgent"}
    response = await client.post("/v1/complaints", json=bad)
    assert response.status_code == 422
    assert response.json()["errors"][0]["loc"] == ["body", "severity"]
    assert (await client.get(f"/v1/complaints/{missing}")).status_code == 404
    assert (await client.get("/v1/complaints", params={"cursor": "nope"})).status_code == 422
    assert await db.fetchval("select count(*) from customer.complaints") == 0


async def test_list_filters_and_pages(client: httpx.AsyncClient) -> None:
    first, second = await _customer(client), await _customer(client)
    a = await _complaint(client, first, "high")
    b = await _complaint(client, first, "low")
    c = await _complaint(client, second, "high")
    await _event(client, b["id"], type="assign", assignee="王芳")

    async def ids(**params: object) -> list[object]:
        page = (await client.get("/v1/complaints", params=params)).json()
        return [item["id"] for item in page["items"]]

    assert await ids() == [c["id"], b["id"], a["id"]]
    assert await ids(customer_id=first) == [b["id"], a["id"]]
    assert await ids(severity="high") == [c["id"], a["id"]]
    assert await ids(status="assigned") == [b["id"]]
    page = (await client.get("/v1/complaints", params={"limit": 2})).json()
    rest = (
        await client.get("/v1/complaints", params={"limit": 2, "cursor": page["next_cursor"]})
    ).json()
    assert [i["id"] for i in page["items"] + rest["items"]] == [c["id"], b["id"], a["id"]]
    assert rest["next_cursor"] is None


async def test_breach_is_reported_filtered_and_signalled(
    client: httpx.AsyncClient, db: asyncpg.Connection
) -> None:
    customer_id = await _customer(client)
    late = await _complaint(client, customer_id, "high")
    on_time = await _complaint(client, customer_id, "low")
    due = datetime.now(UTC) - timedelta(days=3, hours=2)
    await db.execute(
        "update customer.complaints set due_at = $1 where id = $2::uuid", due, late["id"]
    )
    assert (await client.get(f"/v1/complaints/{late['id']}")).json()["breached"] is True
    breached = (await client.get("/v1/complaints", params={"breached": "true"})).json()
    assert [i["id"] for i in breached["items"]] == [late["id"]]
    kept = (await client.get("/v1/complaints", params={"breached": "false"})).json()
    assert [i["id"] for i in kept["items"]] == [on_time["id"]]

    signals = (
        await client.get("/v1/portfolio/signals", params={"kind": "complaint_breached"})
    ).json()
    [signal] = signals["items"]
    assert signal["customer_id"] == customer_id
    assert signal["source_id"] == late["id"]
    assert signal["value"] == 3
    assert signal["observed_at"] == due.date().isoformat()
    assert "high complaint (fee)" in signal["detail"]

    # Resolved late: still breached, but no longer a live warning.
    await _event(client, late["id"], type="assign", assignee="王芳")
    await _event(client, late["id"], type="resolve", note="已处理")
    assert (await client.get(f"/v1/complaints/{late['id']}")).json()["breached"] is True
    signals = (
        await client.get("/v1/portfolio/signals", params={"kind": "complaint_breached"})
    ).json()
    assert signals["items"] == []


async def test_idempotent_create(client: httpx.AsyncClient, db: asyncpg.Connection) -> None:
    customer_id = await _customer(client)
    body = {"customer_id": customer_id, "category": "fee", "severity": "low", "description": "x"}
    headers = {"Idempotency-Key": "complaint-1"}
    first = await client.post("/v1/complaints", json=body, headers=headers)
    again = await client.post("/v1/complaints", json=body, headers=headers)
    assert again.status_code == 201
    assert again.json() == first.json()
    assert await db.fetchval("select count(*) from customer.complaints") == 1
