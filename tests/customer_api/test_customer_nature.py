"""Customer nature: ownership and market position round-trip, filter, import, and report."""

from __future__ import annotations

from typing import Any

import asyncpg
import httpx

from tests.customer_api.test_imports import csv_bytes, run
from tests.support.factories import credit_code, customer_body


async def _create(client: httpx.AsyncClient, **overrides: object) -> dict[str, Any]:
    response = await client.post("/v1/customers", json=customer_body(**overrides))
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


async def test_ownership_and_market_position_round_trip_and_patch(
    client: httpx.AsyncClient, db: asyncpg.Connection
) -> None:
    created = await _create(client, ownership="state_owned", market_position="leader")
    assert (created["ownership"], created["market_position"]) == ("state_owned", "leader")
    url = f"/v1/customers/{created['id']}"
    assert (await client.get(url)).json() == created

    patched = await client.patch(
        url,
        json={"ownership": "mixed", "market_position": None},
        headers={"If-Match": '"1"', "content-type": "application/merge-patch+json"},
    )
    assert patched.status_code == 200, patched.text
    assert (patched.json()["ownership"], patched.json()["market_position"]) == ("mixed", None)
    audit = await db.fetchrow(
        "select before, after from customer.audit_log where entity_id = $1 and action = 'update'",
        created["id"],
    )
    assert audit is not None
    assert '"market_position": "leader"' in audit["before"]
    assert '"ownership": "mixed"' in audit["after"]


async def test_a_customer_without_them_reads_null(client: httpx.AsyncClient) -> None:
    created = await _create(client)
    assert (created["ownership"], created["market_position"]) == (None, None)


async def test_unknown_values_are_422_and_change_nothing(
    client: httpx.AsyncClient, db: asyncpg.Connection
) -> None:
    for field, value in (("ownership", "public"), ("market_position", "国有"), ("ownership", 1)):
        response = await client.post("/v1/customers", json=customer_body(**{field: value}))
        assert response.status_code == 422, (field, value)
        assert response.json()["errors"][0]["loc"] == ["body", field]
    assert await db.fetchval("select count(*) from customer.customers") == 0
    bad_filter = await client.get("/v1/customers", params={"ownership": "public"})
    assert bad_filter.status_code == 422


async def test_list_filters_by_ownership_and_market_position(client: httpx.AsyncClient) -> None:
    soe_leader = await _create(client, ownership="state_owned", market_position="leader")
    soe_minor = await _create(client, ownership="state_owned", market_position="minor")
    await _create(client, ownership="private", market_position="leader")
    await _create(client)

    async def ids(**params: str) -> set[str]:
        response = await client.get("/v1/customers", params=params)
        assert response.status_code == 200, response.text
        return {c["id"] for c in response.json()["items"]}

    assert await ids(ownership="state_owned") == {soe_leader["id"], soe_minor["id"]}
    assert await ids(ownership="state_owned", market_position="leader") == {soe_leader["id"]}
    assert len(await ids(market_position="leader")) == 2
    assert await ids(ownership="foreign") == set()


async def test_import_reads_chinese_headers_and_values(client: httpx.AsyncClient) -> None:
    codes = [credit_code() for _ in range(4)]
    rows: list[list[object]] = [["企业名称", "统一社会信用代码", "客户性质", "市场地位"]]
    rows += [
        ["国有龙头", codes[0], "国有", "龙头"],
        ["民营骨干", codes[1], "民营企业", "主要"],
        ["外资一般", codes[2], "外资", "一般"],
        ["英文值", codes[3], "collective", "minor"],
    ]
    job = await run(client, csv_bytes(rows))
    assert job["rows_imported"] == 4
    got = []
    for code in codes:
        customer = (await client.get(f"/v1/customers/by-credit-code/{code}")).json()
        got.append((customer["ownership"], customer["market_position"]))
    assert got == [
        ("state_owned", "leader"),
        ("private", "major"),
        ("foreign", "average"),
        ("collective", "minor"),
    ]


async def test_import_rejects_an_unknown_ownership_naming_the_column(
    client: httpx.AsyncClient,
) -> None:
    rows: list[list[object]] = [["企业名称", "统一社会信用代码", "客户性质"]]
    rows += [["某公司", credit_code(), "上市"]]
    job = await run(client, csv_bytes(rows))
    assert (job["rows_imported"], job["rows_rejected"]) == (0, 1)
    rejected = (await client.get(f"/v1/imports/{job['id']}/rows")).json()["items"]
    (error,) = rejected[0]["errors"]
    assert error["column"] == "客户性质"
    assert "state_owned" in error["message"]


async def test_report_shows_the_book_by_ownership_and_market_position(
    client: httpx.AsyncClient,
) -> None:
    await _create(client, ownership="state_owned", market_position="leader")
    await _create(client, ownership="state_owned", market_position="major")
    await _create(client, ownership="private")
    response = await client.get("/v1/reports/review")
    assert response.status_code == 200, response.text
    dist = response.json()["distribution"]
    ownership = [(b["key"], b["label"], b["customers"]) for b in dist["by_ownership"]]
    assert ownership == [("state_owned", "国有", 2), ("private", "民营", 1)]
    positions = [(b["key"], b["customers"]) for b in dist["by_market_position"]]
    assert positions == [("leader", 1), ("major", 1), ("unknown", 1)]

    xlsx = await client.get("/v1/reports/review", params={"format": "xlsx"})
    assert xlsx.status_code == 200
    html = await client.get("/v1/reports/review", params={"format": "html"})
    assert "客户性质 Ownership" in html.text
