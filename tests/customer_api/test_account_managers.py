"""Account managers (docs/DOMAIN.md §13): who owns a customer, filtered, reassigned, my book."""

from __future__ import annotations

import json

import asyncpg
import httpx

from tests.support.auth import ALL_SCOPES, bearer
from tests.support.factories import customer_body


async def _create(client: httpx.AsyncClient, **overrides: object) -> dict[str, object]:
    response = await client.post("/v1/customers", json=customer_body(**overrides))
    assert response.status_code == 201, response.text
    body: dict[str, object] = response.json()
    return body


async def test_new_customer_has_no_owner_unless_given(client: httpx.AsyncClient) -> None:
    assert (await _create(client))["account_manager"] is None
    assert (await _create(client, account_manager="  li.wei  "))["account_manager"] == "li.wei"


async def test_list_filters_by_account_manager(client: httpx.AsyncClient) -> None:
    mine = [await _create(client, account_manager="li.wei") for _ in range(3)]
    await _create(client, account_manager="zhang.min")
    await _create(client)
    response = await client.get("/v1/customers", params={"account_manager": "li.wei"})
    assert response.status_code == 200
    assert {c["id"] for c in response.json()["items"]} == {c["id"] for c in mine}


async def test_reassigning_is_a_merge_patch_and_audited(
    client: httpx.AsyncClient, db: asyncpg.Connection
) -> None:
    customer = await _create(client, account_manager="li.wei")
    response = await client.patch(
        f"/v1/customers/{customer['id']}",
        json={"account_manager": "zhang.min"},
        headers={"If-Match": '"1"', "Content-Type": "application/merge-patch+json"},
    )
    assert response.status_code == 200, response.text
    assert response.json()["account_manager"] == "zhang.min"
    entry = await db.fetchrow(
        "select action, before, after from customer.audit_log"
        " where entity_type = 'customer' order by id desc limit 1"
    )
    assert entry["action"] == "update"
    assert json.loads(entry["before"])["account_manager"] == "li.wei"
    assert json.loads(entry["after"])["account_manager"] == "zhang.min"
    released = await client.patch(
        f"/v1/customers/{customer['id']}",
        json={"account_manager": None},
        headers={"If-Match": '"2"'},
    )
    assert released.status_code == 200, released.text
    assert released.json()["account_manager"] is None


async def test_bad_account_manager_is_422_and_changes_nothing(
    client: httpx.AsyncClient, db: asyncpg.Connection
) -> None:
    response = await client.post("/v1/customers", json=customer_body(account_manager="a\nb"))
    assert response.status_code == 422
    assert response.json()["errors"][0]["loc"] == ["body", "account_manager"]
    assert await db.fetchval("select count(*) from customer.customers") == 0


async def test_my_customers_are_the_callers_own_paged(client: httpx.AsyncClient) -> None:
    mine = [await _create(client, account_manager="li.wei") for _ in range(5)]
    await _create(client, account_manager="zhang.min")
    await _create(client)
    headers = bearer(*ALL_SCOPES, sub="li.wei")
    seen: list[object] = []
    cursor: str | None = None
    while True:
        params: dict[str, object] = {"limit": 2}
        if cursor:
            params["cursor"] = cursor
        response = await client.get("/v1/me/customers", params=params, headers=headers)
        assert response.status_code == 200, response.text
        page = response.json()
        assert len(page["items"]) <= 2
        seen += [c["id"] for c in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == [c["id"] for c in mine]
    nobody = await client.get("/v1/me/customers", headers=bearer(*ALL_SCOPES, sub="wang.fang"))
    assert nobody.json() == {"items": [], "next_cursor": None}
    # A token's sub may be longer than an account_manager can be: nobody's, not an error.
    long_sub = await client.get("/v1/me/customers", headers=bearer(*ALL_SCOPES, sub="x" * 300))
    assert long_sub.status_code == 200, long_sub.text
    assert long_sub.json() == {"items": [], "next_cursor": None}
