"""The industry watch-list: CRUD audited and validated, and the industry_watch signal."""

from __future__ import annotations

import io
from datetime import timedelta
from typing import Any

import asyncpg
import httpx
from openpyxl import load_workbook

from guarantee_shared.clock import business_today
from tests.customer_api.books import Book
from tests.support.factories import customer_body

PATCH = "application/merge-patch+json"


def watch_body(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "industry_prefix": "K70",
        "level": "restricted",
        "reason": "房地产开发: 行业下行, 严控新增",
        "effective_from": "2026-01-01",
    }
    body.update(overrides)
    return body


async def _watch(client: httpx.AsyncClient, **overrides: Any) -> dict[str, Any]:
    response = await client.post("/v1/industry-watch", json=watch_body(**overrides))
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


async def _audit(client: httpx.AsyncClient, entry_id: str) -> list[dict[str, Any]]:
    response = await client.get(
        "/v1/audit", params={"entity_type": "industry_watch", "entity_id": entry_id}
    )
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


async def test_an_entry_is_created_read_changed_deleted_and_every_step_audited(
    client: httpx.AsyncClient,
) -> None:
    response = await client.post("/v1/industry-watch", json=watch_body(industry_prefix="ｋ70"))
    assert response.status_code == 201, response.text
    created = response.json()
    assert created["industry_prefix"] == "K70"  # full-width and lower case normalised
    assert (created["level"], created["effective_from"]) == ("restricted", "2026-01-01")
    url = response.headers["location"]
    assert url == f"/v1/industry-watch/{created['id']}"
    fetched = await client.get(url)
    assert fetched.json() == created
    assert fetched.headers["etag"] == '"1"'

    stale = await client.patch(
        url, json={"level": "prohibited"}, headers={"If-Match": '"9"', "content-type": PATCH}
    )
    assert stale.status_code == 412
    patched = await client.patch(
        url, json={"level": "prohibited"}, headers={"If-Match": '"1"', "content-type": PATCH}
    )
    assert patched.status_code == 200, patched.text
    assert (patched.json()["level"], patched.json()["version"]) == ("prohibited", 2)
    assert patched.headers["etag"] == '"2"'

    listed = (await client.get("/v1/industry-watch")).json()["items"]
    assert [e["id"] for e in listed] == [created["id"]]

    deleted = await client.delete(url, headers={"If-Match": '"2"'})
    assert deleted.status_code == 204
    assert (await client.get(url)).status_code == 404
    trail = await _audit(client, created["id"])
    assert [e["action"] for e in trail] == ["delete", "update", "create"]
    assert trail[1]["before"]["level"] == "restricted"
    assert trail[1]["after"]["level"] == "prohibited"
    assert trail[0]["before"]["level"] == "prohibited"
    assert trail[0]["after"] is None


async def test_effective_from_defaults_to_today(client: httpx.AsyncClient) -> None:
    body = watch_body()
    del body["effective_from"]
    response = await client.post("/v1/industry-watch", json=body)
    assert response.status_code == 201, response.text
    assert response.json()["effective_from"] == business_today().isoformat()


async def test_bad_entries_are_422_and_change_nothing(
    client: httpx.AsyncClient, db: asyncpg.Connection
) -> None:
    cases = {
        "industry_prefix": ["K7", "K01", "Z70", "70", "K70123", "", 70],
        "level": ["banned", None],
        "reason": ["", "   "],
        "effective_from": ["2026-13-01"],
    }
    for field, values in cases.items():
        for value in values:
            response = await client.post("/v1/industry-watch", json=watch_body(**{field: value}))
            assert response.status_code == 422, (field, value, response.text)
            assert response.headers["content-type"].startswith("application/problem+json")
            assert response.json()["errors"][0]["loc"] == ["body", field], (field, value)
    missing = {k: v for k, v in watch_body().items() if k != "reason"}
    assert (await client.post("/v1/industry-watch", json=missing)).status_code == 422
    assert await db.fetchval("select count(*) from customer.industry_watch") == 0
    assert await db.fetchval("select count(*) from customer.audit_log") == 0

    entry = await _watch(client)
    bad_patch = await client.patch(
        f"/v1/industry-watch/{entry['id']}",
        json={"industry_prefix": "K7"},
        headers={"If-Match": '"1"', "content-type": PATCH},
    )
    assert bad_patch.status_code == 422
    assert bad_patch.json()["errors"][0]["loc"] == ["body", "industry_prefix"]
    assert (await client.get(f"/v1/industry-watch/{entry['id']}")).json() == entry


async def test_a_prefix_is_listed_once(client: httpx.AsyncClient) -> None:
    first = await _watch(client)
    again = await client.post("/v1/industry-watch", json=watch_body(level="watch"))
    assert again.status_code == 409
    assert again.json()["existing_id"] == first["id"]
    other = await _watch(client, industry_prefix="K")
    moved = await client.patch(
        f"/v1/industry-watch/{other['id']}",
        json={"industry_prefix": "K70"},
        headers={"If-Match": '"1"', "content-type": PATCH},
    )
    assert moved.status_code == 409


async def test_the_list_is_ordered_by_prefix_and_filters_by_level(
    client: httpx.AsyncClient,
) -> None:
    for prefix, level in (("K70", "restricted"), ("C", "watch"), ("B06", "prohibited")):
        await _watch(client, industry_prefix=prefix, level=level)
    listed = (await client.get("/v1/industry-watch")).json()["items"]
    assert [e["industry_prefix"] for e in listed] == ["B06", "C", "K70"]
    page = (await client.get("/v1/industry-watch", params={"limit": 2})).json()
    rest = await client.get("/v1/industry-watch", params={"cursor": page["next_cursor"]})
    assert [e["industry_prefix"] for e in rest.json()["items"]] == ["K70"]
    watch_only = (await client.get("/v1/industry-watch", params={"level": "watch"})).json()
    assert [e["industry_prefix"] for e in watch_only["items"]] == ["C"]


async def _customer(client: httpx.AsyncClient, name: str, industry_code: str | None) -> str:
    response = await client.post(
        "/v1/customers", json=customer_body(name=name, industry_code=industry_code)
    )
    assert response.status_code == 201, response.text
    customer_id: str = response.json()["id"]
    return customer_id


async def _watch_signals(client: httpx.AsyncClient) -> dict[str, dict[str, Any]]:
    response = await client.get("/v1/portfolio/signals", params={"kind": "industry_watch"})
    assert response.status_code == 200, response.text
    return {s["customer_id"]: s for s in response.json()["items"]}


async def test_customers_in_a_watched_industry_signal_the_longest_prefix_in_effect(
    client: httpx.AsyncClient,
) -> None:
    developer = await _customer(client, "开发商", "K7010")
    agent = await _customer(client, "中介", "K7030")
    maker = await _customer(client, "机械厂", "C3411")
    await _customer(client, "无行业", None)
    section = await _watch(client, industry_prefix="K", level="watch")
    division = await _watch(client, industry_prefix="K70", level="restricted")
    group = await _watch(
        client, industry_prefix="K701", level="prohibited", effective_from="2025-06-01"
    )
    tomorrow = (business_today() + timedelta(days=1)).isoformat()
    await _watch(client, industry_prefix="C34", level="prohibited", effective_from=tomorrow)

    signals = await _watch_signals(client)
    assert set(signals) == {developer, agent}  # C34 is not in effect yet
    assert (signals[developer]["value"], signals[developer]["source_id"]) == (
        "prohibited",
        group["id"],
    )
    assert signals[developer]["observed_at"] == "2025-06-01"
    assert (signals[agent]["value"], signals[agent]["source_id"]) == ("restricted", division["id"])
    assert "K70" in signals[agent]["detail"]
    assert maker not in signals

    # Taking the narrower entry off the list leaves the wider one matching.
    await client.delete(f"/v1/industry-watch/{division['id']}", headers={"If-Match": '"1"'})
    signals = await _watch_signals(client)
    assert (signals[agent]["value"], signals[agent]["source_id"]) == ("watch", section["id"])


async def test_an_inactive_customer_has_no_signal(client: httpx.AsyncClient) -> None:
    customer_id = await _customer(client, "已停用", "K7010")
    await _watch(client)
    assert set(await _watch_signals(client)) == {customer_id}
    gone = await client.delete(f"/v1/customers/{customer_id}", headers={"If-Match": '"1"'})
    assert gone.status_code == 200
    assert await _watch_signals(client) == {}


async def test_the_review_report_has_an_industry_review_of_the_list(
    client: httpx.AsyncClient, db: asyncpg.Connection
) -> None:
    book = Book(db)
    developer = await book.customer("开发商", industry_section="K")
    agent = await book.customer("中介", industry_section="K")
    maker = await book.customer("机械厂", industry_section="C")
    for customer_id, code in ((developer, "K7010"), (agent, "K7030"), (maker, "C3411")):
        await db.execute(
            "update customer.customers set industry_code = $2 where id = $1", customer_id, code
        )
    await book.contract(
        developer, principal=1_000_000,
        events=[("activate", 1_000_000, "2026-02-01"), ("overdue", 100_000, "2026-06-01")],
    )  # fmt: skip
    await book.contract(
        agent, principal=500_000,
        events=[("activate", 500_000, "2026-02-01"), ("overdue", 50_000, "2026-05-01"),
                ("compensation", 500_000, "2026-07-01")],
    )  # fmt: skip
    await book.contract(maker, principal=2_000_000, events=[("activate", 2_000_000, "2026-02-01")])
    await _watch(client, industry_prefix="K70", level="restricted")
    await _watch(client, industry_prefix="K701", level="prohibited", reason="<b>土地储备</b>")
    tomorrow = (business_today() + timedelta(days=1)).isoformat()
    await _watch(client, industry_prefix="B06", level="watch", effective_from=tomorrow)

    response = await client.get("/v1/reports/review")
    assert response.status_code == 200, response.text
    review = response.json()["industry_review"]
    entries = {e["industry_prefix"]: e for e in review["entries"]}
    assert list(entries) == ["B06", "K70", "K701"]
    assert (entries["B06"]["in_effect"], entries["K70"]["in_effect"]) == (False, True)
    # K7010 counts under K701 only, the longest prefix; K7030 under K70.
    k701 = entries["K701"]["indicators"]
    assert (k701["customers"], k701["outstanding_balance"], k701["overdue_rate"]) == (
        1, "1000000.00", 1.0,
    )  # fmt: skip
    k70 = entries["K70"]["indicators"]
    assert (k70["customers"], k70["released_amount"], k70["compensation_rate"]) == (
        0, "500000.00", 1.0,
    )  # fmt: skip
    b06 = entries["B06"]["indicators"]
    assert (b06["customers"], b06["guarantee_liability"], b06["overdue_rate"]) == (0, "0.00", None)
    assert review["guarantee_liability"] == "1000000.00"
    assert review["share_of_book"] == 0.3333

    html = (await client.get("/v1/reports/review", params={"format": "html"})).text
    assert "行业审查 Industry review" in html
    assert "&lt;b&gt;土地储备&lt;/b&gt;" in html
    xlsx = await client.get("/v1/reports/review", params={"format": "xlsx"})
    sheet = load_workbook(io.BytesIO(xlsx.content))["行业审查 Industry review"]
    rows = [[c.value for c in row] for row in sheet.iter_rows(min_row=2)]
    assert [(r[0], r[1], r[5]) for r in rows] == [("B06", "关注", 0), ("K70", "限制", 0),
                                                  ("K701", "禁止", 1)]  # fmt: skip
