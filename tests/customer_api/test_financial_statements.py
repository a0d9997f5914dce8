"""Financial statements: create, read, list newest first, the balance-sheet rules, 409s, 404s."""

from __future__ import annotations

import asyncio
import uuid
from datetime import datetime, timedelta, timezone
from typing import Any

import asyncpg
import httpx
import pytest

from tests.support.auth import bearer
from tests.support.factories import customer_body, statement_body

_CHINA = timezone(timedelta(hours=8))


async def _customer(client: httpx.AsyncClient) -> str:
    response = await client.post("/v1/customers", json=customer_body())
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


def _url(customer_id: str) -> str:
    return f"/v1/customers/{customer_id}/financial-statements"


async def _post(client: httpx.AsyncClient, customer_id: str, **overrides: Any) -> httpx.Response:
    return await client.post(_url(customer_id), json=statement_body(**overrides))


async def _counts(db: asyncpg.Connection) -> tuple[int, int]:
    statements = await db.fetchval("select count(*) from customer.financial_statements")
    entries = await db.fetchval(
        "select count(*) from customer.audit_log where entity_type = 'financial_statement'"
    )
    return statements, entries


def _first_error(response: httpx.Response) -> dict[str, Any]:
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    error: dict[str, Any] = response.json()["errors"][0]
    return error


async def test_create_returns_location_etag_and_formatted_money(
    client: httpx.AsyncClient, db: asyncpg.Connection
) -> None:
    customer_id = await _customer(client)
    response = await _post(client, customer_id, revenue=60000000.5, inventory="1200000")
    assert response.status_code == 201, response.text
    body = response.json()
    assert response.headers["location"] == f"{_url(customer_id)}/{body['id']}"
    assert response.headers["etag"] == '"1"'
    assert body["customer_id"] == customer_id
    assert body["period_end"] == "2025-12-31"
    assert body["period_type"] == "annual"
    assert body["audited"] is True
    assert body["total_assets"] == "50000000.00"
    assert body["revenue"] == "60000000.50"
    assert body["inventory"] == "1200000.00"
    assert body["operating_profit"] is None
    assert body["retained_earnings"] is None
    assert body["version"] == 1
    fetched = await client.get(response.headers["location"])
    assert fetched.status_code == 200
    assert fetched.json() == body
    assert fetched.headers["etag"] == '"1"'
    stored = await db.fetchval("select revenue from customer.financial_statements")
    assert str(stored) == "60000000.50"


async def test_loss_making_insolvent_company_is_accepted_with_negative_figures(
    client: httpx.AsyncClient,
) -> None:
    customer_id = await _customer(client)
    response = await _post(
        client,
        customer_id,
        total_assets="10000000.00",
        total_liabilities="12000000.00",
        equity="-2000000.00",
        current_assets="4000000.00",
        current_liabilities="9000000.00",
        net_profit="-3500000.25",
        operating_cash_flow=-800000,
        operating_profit="-3000000",
        retained_earnings="-6000000",
    )
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["equity"] == "-2000000.00"
    assert body["net_profit"] == "-3500000.25"
    assert body["operating_cash_flow"] == "-800000.00"
    assert body["operating_profit"] == "-3000000.00"
    assert body["retained_earnings"] == "-6000000.00"


@pytest.mark.parametrize(
    "field",
    [
        "total_assets",
        "total_liabilities",
        "current_assets",
        "current_liabilities",
        "cash",
        "revenue",
        "interest_expense",
        "inventory",
        "receivables",
    ],
)
async def test_amounts_that_cannot_be_negative_are_rejected(
    client: httpx.AsyncClient, db: asyncpg.Connection, field: str
) -> None:
    customer_id = await _customer(client)
    response = await _post(client, customer_id, **{field: "-1.00"})
    assert _first_error(response)["loc"] == ["body", field]
    assert await _counts(db) == (0, 0)


@pytest.mark.parametrize("equity", ["19500000.00", "20500000.00"])
async def test_identity_off_by_exactly_one_percent_of_assets_passes(
    client: httpx.AsyncClient, equity: str
) -> None:
    # assets 50,000,000 - liabilities 30,000,000 = 20,000,000; 1% of assets is 500,000.
    customer_id = await _customer(client)
    response = await _post(client, customer_id, equity=equity)
    assert response.status_code == 201, response.text


@pytest.mark.parametrize("equity", ["19499999.99", "20500000.01", "-20000000.00"])
async def test_identity_off_by_more_than_one_percent_is_422_naming_equity(
    client: httpx.AsyncClient, db: asyncpg.Connection, equity: str
) -> None:
    customer_id = await _customer(client)
    response = await _post(client, customer_id, equity=equity)
    error = _first_error(response)
    assert error["loc"] == ["body", "equity"]
    assert error["type"] == "balance_sheet_identity"
    assert "1% of total_assets (500000.00)" in error["msg"]
    assert "equity" in response.json()["detail"]
    assert await _counts(db) == (0, 0)


async def test_with_zero_assets_the_identity_must_hold_exactly(client: httpx.AsyncClient) -> None:
    customer_id = await _customer(client)
    zero = {
        "total_assets": "0",
        "current_assets": "0",
        "total_liabilities": "0",
        "current_liabilities": "0",
        "cash": "0",
    }
    off = await _post(client, customer_id, **zero, equity="0.01")
    assert _first_error(off)["loc"] == ["body", "equity"]
    exact = await _post(client, customer_id, **zero, equity="0")
    assert exact.status_code == 201, exact.text
    assert exact.json()["total_assets"] == "0.00"


async def test_current_items_cannot_exceed_their_totals(
    client: httpx.AsyncClient, db: asyncpg.Connection
) -> None:
    customer_id = await _customer(client)
    assets = await _post(client, customer_id, current_assets="50000000.01")
    error = _first_error(assets)
    assert error["loc"] == ["body", "current_assets"]
    assert error["msg"] == "must not exceed total_assets (50000000.00)"
    liabilities = await _post(client, customer_id, current_liabilities="30000000.01")
    assert _first_error(liabilities)["loc"] == ["body", "current_liabilities"]
    assert await _counts(db) == (0, 0)
    equal = await _post(
        client, customer_id, current_assets="50000000.00", current_liabilities="30000000.00"
    )
    assert equal.status_code == 201, equal.text


async def test_period_end_may_be_today_but_not_in_the_future(
    client: httpx.AsyncClient, db: asyncpg.Connection
) -> None:
    customer_id = await _customer(client)
    today = datetime.now(_CHINA).date()
    future = await _post(client, customer_id, period_end=(today + timedelta(days=1)).isoformat())
    error = _first_error(future)
    assert error["loc"] == ["body", "period_end"]
    assert error["type"] == "date_in_future"
    assert await _counts(db) == (0, 0)
    current = await _post(
        client, customer_id, period_end=today.isoformat(), period_type="quarterly"
    )
    assert current.status_code == 201, current.text


@pytest.mark.parametrize(
    ("overrides", "loc"),
    [
        ({"nickname": "x"}, ["body", "nickname"]),
        ({"period_type": "monthly"}, ["body", "period_type"]),
        ({"period_end": "2025-02-30"}, ["body", "period_end"]),
        ({"revenue": "100.123"}, ["body", "revenue"]),
        ({"cash": "NaN"}, ["body", "cash"]),
        ({"cash": True}, ["body", "cash"]),
        ({"net_profit": "-1e400"}, ["body", "net_profit"]),
        ({"audited": None}, ["body", "audited"]),
    ],
)
async def test_invalid_fields_are_422_naming_the_field(
    client: httpx.AsyncClient, db: asyncpg.Connection, overrides: dict[str, Any], loc: list[str]
) -> None:
    customer_id = await _customer(client)
    response = await _post(client, customer_id, **overrides)
    assert _first_error(response)["loc"] == loc
    assert await _counts(db) == (0, 0)


async def test_missing_required_figure_is_422(client: httpx.AsyncClient) -> None:
    customer_id = await _customer(client)
    body = statement_body()
    del body["operating_cash_flow"]
    response = await client.post(_url(customer_id), json=body)
    error = _first_error(response)
    assert error["loc"] == ["body", "operating_cash_flow"]
    assert error["type"] == "missing"


async def test_second_statement_for_the_same_period_is_409_naming_the_first(
    client: httpx.AsyncClient, db: asyncpg.Connection
) -> None:
    customer_id = await _customer(client)
    first = await _post(client, customer_id)
    assert first.status_code == 201
    again = await _post(client, customer_id, revenue="1.00")
    assert again.status_code == 409
    assert again.headers["content-type"].startswith("application/problem+json")
    assert again.json()["existing_id"] == first.json()["id"]
    assert await _counts(db) == (1, 1)
    quarterly = await _post(client, customer_id, period_type="quarterly")
    assert quarterly.status_code == 201
    other_customer = await _post(client, await _customer(client))
    assert other_customer.status_code == 201


async def test_parallel_posts_for_one_period_store_one_statement(
    client: httpx.AsyncClient, db: asyncpg.Connection
) -> None:
    customer_id = await _customer(client)
    responses = await asyncio.gather(*(_post(client, customer_id) for _ in range(10)))
    assert sorted(r.status_code for r in responses) == [201] + [409] * 9
    assert await _counts(db) == (1, 1)


async def test_unknown_customer_is_404_on_every_route(
    client: httpx.AsyncClient, db: asyncpg.Connection
) -> None:
    missing = str(uuid.uuid4())
    created = await _post(client, missing)
    assert created.status_code == 404
    assert created.headers["content-type"].startswith("application/problem+json")
    assert (await client.get(_url(missing))).status_code == 404
    assert (await client.get(f"{_url(missing)}/{uuid.uuid4()}")).status_code == 404
    assert await _counts(db) == (0, 0)
    assert (await client.get(_url("not-a-uuid"))).status_code == 422


async def test_statement_is_only_found_under_its_own_customer(client: httpx.AsyncClient) -> None:
    owner, other = await _customer(client), await _customer(client)
    statement_id = (await _post(client, owner)).json()["id"]
    assert (await client.get(f"{_url(other)}/{statement_id}")).status_code == 404
    assert (await client.get(f"{_url(owner)}/{uuid.uuid4()}")).status_code == 404
    assert (await client.get(f"{_url(owner)}/{statement_id}")).status_code == 200


async def test_list_is_newest_period_first_and_pages_without_repeats(
    client: httpx.AsyncClient,
) -> None:
    customer_id = await _customer(client)
    periods = [
        ("2023-12-31", "annual"),
        ("2025-06-30", "quarterly"),
        ("2024-12-31", "annual"),
        ("2025-12-31", "annual"),
        ("2025-12-31", "quarterly"),
    ]
    for period_end, period_type in periods:
        response = await _post(client, customer_id, period_end=period_end, period_type=period_type)
        assert response.status_code == 201, response.text
    seen: list[tuple[str, str]] = []
    cursor: str | None = None
    pages = 0
    while True:
        params: dict[str, Any] = {"limit": 2} | ({"cursor": cursor} if cursor else {})
        page = await client.get(_url(customer_id), params=params)
        assert page.status_code == 200
        body = page.json()
        seen += [(item["period_end"], item["period_type"]) for item in body["items"]]
        pages += 1
        cursor = body["next_cursor"]
        if cursor is None:
            break
    assert pages == 3
    assert len(set(seen)) == len(seen) == 5
    assert [p for p, _ in seen] == [
        "2025-12-31",
        "2025-12-31",
        "2025-06-30",
        "2024-12-31",
        "2023-12-31",
    ]
    annual = await client.get(_url(customer_id), params={"period_type": "annual"})
    assert [i["period_end"] for i in annual.json()["items"]] == [
        "2025-12-31",
        "2024-12-31",
        "2023-12-31",
    ]
    assert annual.json()["next_cursor"] is None


async def test_list_of_customer_without_statements_is_empty(client: httpx.AsyncClient) -> None:
    customer_id = await _customer(client)
    await _post(client, await _customer(client))
    response = await client.get(_url(customer_id))
    assert response.json() == {"items": [], "next_cursor": None}


@pytest.mark.parametrize("cursor", ["garbage", "WyIyMDI1LTEyLTMxIiwibm90LWEtdXVpZCJd", "WzEsMl0"])
async def test_bad_cursor_or_limit_is_422(client: httpx.AsyncClient, cursor: str) -> None:
    customer_id = await _customer(client)
    response = await client.get(_url(customer_id), params={"cursor": cursor})
    assert _first_error(response)["loc"] == ["query", "cursor"]
    too_many = await client.get(_url(customer_id), params={"limit": 501})
    assert _first_error(too_many)["loc"] == ["query", "limit"]


async def test_create_writes_an_audit_entry_with_the_statement(
    client: httpx.AsyncClient, db: asyncpg.Connection
) -> None:
    customer_id = await _customer(client)
    created = await client.post(
        _url(customer_id), json=statement_body(), headers=bearer("customers:write", sub="analyst-7")
    )
    assert created.status_code == 201, created.text
    entry = await db.fetchrow(
        "select actor, action, entity_id, coalesce(before, 'null') = 'null' as no_before, "
        "after->>'equity' as equity, after->>'id' as after_id from customer.audit_log "
        "where entity_type = 'financial_statement'"
    )
    assert entry["actor"] == "analyst-7"
    assert entry["action"] == "create"
    assert str(entry["entity_id"]) == created.json()["id"]
    assert entry["no_before"] is True
    assert entry["equity"] == "20000000.00"
    assert entry["after_id"] == created.json()["id"]


async def test_idempotency_key_replays_and_is_scoped_to_the_customer(
    client: httpx.AsyncClient, db: asyncpg.Connection
) -> None:
    first_customer, second_customer = await _customer(client), await _customer(client)
    headers = {"Idempotency-Key": "stmt-2025"}
    body = statement_body()
    first = await client.post(_url(first_customer), json=body, headers=headers)
    replay = await client.post(_url(first_customer), json=body, headers=headers)
    assert first.status_code == replay.status_code == 201
    assert replay.json() == first.json()
    assert replay.headers["location"] == first.headers["location"]
    assert replay.headers["idempotent-replayed"] == "true"
    changed = await client.post(
        _url(first_customer), json={**body, "revenue": "1.00"}, headers=headers
    )
    assert changed.status_code == 422
    # The same key and body for another customer is not that customer's statement.
    elsewhere = await client.post(_url(second_customer), json=body, headers=headers)
    assert elsewhere.status_code == 422
    assert await _counts(db) == (1, 1)


async def test_scopes_are_enforced(anon: httpx.AsyncClient, client: httpx.AsyncClient) -> None:
    customer_id = await _customer(client)
    statement_id = (await _post(client, customer_id)).json()["id"]
    assert (await anon.get(_url(customer_id))).status_code == 401
    read_only = bearer("customers:read")
    denied = await anon.post(_url(customer_id), json=statement_body(), headers=read_only)
    assert denied.status_code == 403
    assert (await anon.get(_url(customer_id), headers=read_only)).status_code == 200
    one = await anon.get(f"{_url(customer_id)}/{statement_id}", headers=read_only)
    assert one.status_code == 200
    writer_only = bearer("customers:write", "contracts:read")
    assert (await anon.get(_url(customer_id), headers=writer_only)).status_code == 403
    assert (
        await anon.get(f"{_url(customer_id)}/{statement_id}", headers=writer_only)
    ).status_code == 403
