"""Findings (整改事项, docs/DOMAIN.md §13): recorded on a customer, resolved with a note, counted
by the campaigns that review the customer."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import asyncpg
import httpx

from guarantee_shared.clock import business_today
from tests.support.factories import customer_body


def _due(days: int = 14) -> str:
    return (business_today() + timedelta(days=days)).isoformat()


async def _customer(client: httpx.AsyncClient, **overrides: object) -> str:
    response = await client.post("/v1/customers", json=customer_body(**overrides))
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


async def _finding(client: httpx.AsyncClient, customer_id: str, **overrides: object) -> Any:
    body = {"severity": "medium", "description": "担保函原件缺失", "due_on": _due(), **overrides}
    response = await client.post(f"/v1/customers/{customer_id}/findings", json=body)
    assert response.status_code == 201, response.text
    assert response.headers["location"] == f"/v1/findings/{response.json()['id']}"
    return response.json()


async def test_finding_is_owned_by_the_account_manager_unless_named(
    client: httpx.AsyncClient,
) -> None:
    customer_id = await _customer(client, account_manager="li.wei")
    finding = await _finding(client, customer_id)
    assert (finding["owner"], finding["status"], finding["customer_id"]) == (
        "li.wei",
        "open",
        customer_id,
    )
    named = await _finding(client, customer_id, owner="zhang.min")
    assert named["owner"] == "zhang.min"
    listed = await client.get(f"/v1/customers/{customer_id}/findings")
    assert [f["id"] for f in listed.json()["items"]] == [named["id"], finding["id"]]


async def test_resolve_needs_a_note_and_happens_once(
    client: httpx.AsyncClient, db: asyncpg.Connection
) -> None:
    finding = await _finding(client, await _customer(client))
    url = f"/v1/findings/{finding['id']}/events"
    assert (await client.post(url, json={"type": "resolve"})).status_code == 422
    resolved = await client.post(url, json={"type": "resolve", "note": "已补交原件"})
    assert resolved.status_code == 200, resolved.text
    assert resolved.json()["status"] == "resolved"
    assert resolved.json()["resolution_note"] == "已补交原件"
    again = await client.post(url, json={"type": "resolve", "note": "again"})
    assert again.status_code == 409
    assert (await client.get(f"/v1/findings/{finding['id']}")).json() == resolved.json()
    actions = await db.fetch(
        "select action from customer.audit_log where entity_type = 'finding' order by id"
    )
    assert [a["action"] for a in actions] == ["create", "event.resolve"]


async def test_campaign_counts_open_findings_of_its_customers(client: httpx.AsyncClient) -> None:
    reviewed = await _customer(client)
    other = await _customer(client, industry_code="F51")
    campaign = await client.post(
        "/v1/review-campaigns",
        json={"name": "季度梳理", "due_on": _due(), "filter": {"industry_section": "C"}},
    )
    campaign_id = campaign.json()["id"]
    assert campaign.json()["findings_open"] == 0
    first = await _finding(client, reviewed)
    await _finding(client, reviewed)
    await _finding(client, other)
    url = f"/v1/review-campaigns/{campaign_id}"
    assert (await client.get(url)).json()["findings_open"] == 2
    await client.post(f"/v1/findings/{first['id']}/events", json={"type": "resolve", "note": "ok"})
    assert (await client.get(url)).json()["findings_open"] == 1


async def test_bad_finding_is_422_and_unknown_customer_404(
    client: httpx.AsyncClient, db: asyncpg.Connection
) -> None:
    customer_id = await _customer(client)
    bad = await client.post(
        f"/v1/customers/{customer_id}/findings",
        json={"severity": "grave", "description": "x", "due_on": _due()},
    )
    assert bad.status_code == 422
    missing = await client.post(
        "/v1/customers/00000000-0000-0000-0000-000000000000/findings",
        json={"severity": "low", "description": "x", "due_on": _due()},
    )
    assert missing.status_code == 404
    assert await db.fetchval("select count(*) from customer.findings") == 0


async def _overdue_findings(client: httpx.AsyncClient) -> dict[str, dict[str, Any]]:
    response = await client.get("/v1/portfolio/signals", params={"kind": "finding_overdue"})
    assert response.status_code == 200, response.text
    return {s["customer_id"]: s for s in response.json()["items"]}


async def test_a_finding_open_past_its_due_date_is_a_signal_until_resolved(
    client: httpx.AsyncClient,
) -> None:
    late, due_today = await _customer(client), await _customer(client)
    missed = await _finding(client, late, due_on=_due(-3))
    await _finding(client, due_today, due_on=_due(0))
    signals = await _overdue_findings(client)
    assert set(signals) == {late}  # due today is not overdue yet
    signal = signals[late]
    assert (signal["source_id"], signal["value"]) == (missed["id"], 3)
    assert signal["observed_at"] == _due(-2)  # overdue from the day after due_on
    resolved = await client.post(
        f"/v1/findings/{missed['id']}/events", json={"type": "resolve", "note": "原件已补交"}
    )
    assert resolved.status_code == 200, resolved.text
    assert await _overdue_findings(client) == {}
