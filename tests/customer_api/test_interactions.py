"""Customer interactions: recorded and audited, validated, listed, and the follow-up signal."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import asyncpg
import httpx

from guarantee_shared.clock import business_today
from tests.support.factories import customer_body


def _day(offset: int) -> str:
    return (business_today() + timedelta(days=offset)).isoformat()


def interaction_body(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "kind": "visit",
        "occurred_on": _day(-10),
        "by": "李娜",
        "summary": "走访工厂: 订单饱满, 计划扩产, 需要新增流动资金",
        "needs": ["new_financing", "larger_limit"],
        "follow_up_on": _day(20),
    }
    body.update(overrides)
    return body


async def _customer(client: httpx.AsyncClient) -> str:
    response = await client.post("/v1/customers", json=customer_body())
    assert response.status_code == 201, response.text
    customer_id: str = response.json()["id"]
    return customer_id


async def _record(client: httpx.AsyncClient, customer_id: str, **overrides: Any) -> dict[str, Any]:
    response = await client.post(
        f"/v1/customers/{customer_id}/interactions", json=interaction_body(**overrides)
    )
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


async def test_an_interaction_is_recorded_read_back_and_audited(
    client: httpx.AsyncClient,
) -> None:
    customer_id = await _customer(client)
    response = await client.post(
        f"/v1/customers/{customer_id}/interactions", json=interaction_body()
    )
    assert response.status_code == 201, response.text
    created = response.json()
    assert response.headers["location"] == (
        f"/v1/customers/{customer_id}/interactions/{created['id']}"
    )
    assert (created["kind"], created["by"], created["needs"]) == (
        "visit", "李娜", ["new_financing", "larger_limit"],
    )  # fmt: skip
    assert (await client.get(response.headers["location"])).json() == created
    audit = await client.get(
        "/v1/audit", params={"entity_type": "interaction", "entity_id": created["id"]}
    )
    (entry,) = audit.json()["items"]
    assert (entry["action"], entry["after"]["summary"]) == ("create", created["summary"])


async def test_by_defaults_to_the_caller(client: httpx.AsyncClient) -> None:
    customer_id = await _customer(client)
    body = interaction_body(kind="call", needs=[])
    del body["by"], body["follow_up_on"]
    response = await client.post(f"/v1/customers/{customer_id}/interactions", json=body)
    assert response.status_code == 201, response.text
    created = response.json()
    assert created["by"] == created["actor"]
    assert created["follow_up_on"] is None


async def test_bad_interactions_are_422_and_leave_nothing(
    client: httpx.AsyncClient, db: asyncpg.Connection
) -> None:
    customer_id = await _customer(client)
    url = f"/v1/customers/{customer_id}/interactions"
    cases: list[tuple[dict[str, Any], str]] = [
        ({"kind": "lunch"}, "kind"),
        ({"occurred_on": _day(1)}, "occurred_on"),
        ({"summary": "  "}, "summary"),
        ({"needs": ["cheaper"]}, "needs"),
        ({"needs": ["renewal", "renewal"]}, ""),
        ({"follow_up_on": _day(-11)}, ""),
    ]
    for overrides, field in cases:
        response = await client.post(url, json=interaction_body(**overrides))
        assert response.status_code == 422, (overrides, response.text)
        loc = response.json()["errors"][0]["loc"]
        assert loc[:2] == (["body", field] if field else ["body"]), (overrides, loc)
    assert await db.fetchval("select count(*) from customer.interactions") == 0
    missing = await client.post(
        "/v1/customers/00000000-0000-4000-8000-000000000000/interactions",
        json=interaction_body(),
    )
    assert missing.status_code == 404


async def test_the_list_is_newest_first_and_filters(client: httpx.AsyncClient) -> None:
    customer_id = await _customer(client)
    visit = await _record(client, customer_id, occurred_on=_day(-30), follow_up_on=None)
    call = await _record(
        client, customer_id, kind="call", occurred_on=_day(-5), needs=["renewal"],
        follow_up_on=None,
    )  # fmt: skip
    url = f"/v1/customers/{customer_id}/interactions"
    items = (await client.get(url)).json()["items"]
    assert [i["id"] for i in items] == [call["id"], visit["id"]]
    calls = (await client.get(url, params={"kind": "call"})).json()["items"]
    assert [i["id"] for i in calls] == [call["id"]]
    renewals = (await client.get(url, params={"need": "renewal"})).json()["items"]
    assert [i["id"] for i in renewals] == [call["id"]]


async def _follow_ups(client: httpx.AsyncClient) -> dict[str, dict[str, Any]]:
    response = await client.get("/v1/portfolio/signals", params={"kind": "follow_up_overdue"})
    assert response.status_code == 200, response.text
    return {s["customer_id"]: s for s in response.json()["items"]}


async def test_a_missed_follow_up_signals_until_a_later_interaction(
    client: httpx.AsyncClient,
) -> None:
    late, due_today, kept = [await _customer(client) for _ in range(3)]
    missed = await _record(client, late, occurred_on=_day(-10), follow_up_on=_day(-3))
    await _record(client, due_today, occurred_on=_day(-10), follow_up_on=_day(0))
    await _record(client, kept, occurred_on=_day(-10), follow_up_on=_day(-3))
    await _record(client, kept, kind="call", occurred_on=_day(-2), follow_up_on=None)

    signals = await _follow_ups(client)
    assert set(signals) == {late}  # due today is not overdue yet; kept was called back
    signal = signals[late]
    assert (signal["value"], signal["observed_at"], signal["source_id"]) == (
        3, _day(-2), missed["id"],
    )  # fmt: skip

    await _record(client, late, kind="message", occurred_on=_day(0), follow_up_on=None)
    assert await _follow_ups(client) == {}
