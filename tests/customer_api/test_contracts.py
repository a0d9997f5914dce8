"""Contracts: open, read, list with filters and keyset pages, idempotency, scopes, and the
customer deactivation guard while contracts are not closed."""

from __future__ import annotations

import uuid

import asyncpg
import httpx
import pytest

from tests.customer_api.contract_steps import contract_in, event, new_contract, new_customer
from tests.support.auth import bearer
from tests.support.factories import contract_body


async def test_create_returns_pending_contract_with_location_etag_and_audit(
    client: httpx.AsyncClient, db: asyncpg.Connection
) -> None:
    customer_id = await new_customer(client)
    body = contract_body(customer_id, principal=2500000.5, fee_rate=0.0125)
    del body["guarantee_ratio"]
    response = await client.post("/v1/contracts", json=body)
    assert response.status_code == 201, response.text
    contract = response.json()
    assert response.headers["location"] == f"/v1/contracts/{contract['id']}"
    assert response.headers["etag"] == '"1"'
    assert contract["status"] == "pending"
    assert contract["principal"] == "2500000.50"
    assert contract["guarantee_ratio"] == 1.0
    assert contract["fee_rate"] == 0.0125
    for money in (
        "outstanding_balance",
        "overdue_amount",
        "compensated_amount",
        "recovered_amount",
        "loss_amount",
        "compensation_balance",
    ):
        assert contract[money] == "0.00", money
    assert contract["overdue_since"] is None
    assert contract["released_on"] is None
    assert contract["customer_id"] == customer_id
    fetched = await client.get(response.headers["location"])
    assert fetched.status_code == 200
    assert fetched.json() == contract
    assert fetched.headers["etag"] == '"1"'
    audit = await db.fetchrow(
        "select action, actor, after->>'contract_no' no from customer.audit_log "
        "where entity_type = 'contract'"
    )
    assert (audit["action"], audit["actor"], audit["no"]) == (
        "create",
        "tester@example.com",
        body["contract_no"],
    )


async def test_unknown_customer_is_404_and_inactive_customer_is_409(
    client: httpx.AsyncClient, db: asyncpg.Connection
) -> None:
    missing = await client.post("/v1/contracts", json=contract_body(str(uuid.uuid4())))
    assert missing.status_code == 404
    customer_id = await new_customer(client)
    deleted = await client.delete(f"/v1/customers/{customer_id}", headers={"If-Match": '"1"'})
    assert deleted.status_code == 200
    inactive = await client.post("/v1/contracts", json=contract_body(customer_id))
    assert inactive.status_code == 409
    assert inactive.json()["customer_status"] == "inactive"
    assert await db.fetchval("select count(*) from customer.contracts") == 0


async def test_duplicate_contract_no_is_409_naming_the_existing_contract(
    client: httpx.AsyncClient,
) -> None:
    first = await new_contract(client)
    again = await client.post(
        "/v1/contracts",
        json=contract_body(first["customer_id"], contract_no=f"  {first['contract_no']} "),
    )
    assert again.status_code == 409
    assert again.json()["existing_id"] == first["id"]


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("maturity_date", "2026-01-10"),  # equal to start_date
        ("maturity_date", "2025-12-31"),
        ("guarantee_ratio", 0),
        ("guarantee_ratio", 1.01),
        ("fee_rate", 1.2),
        ("fee_rate", -0.01),
        ("principal", 0),
        ("principal", "-100.00"),
        ("principal", "100.001"),
        ("product", "mortgage"),
        ("contract_no", "   "),
        ("lender", ""),
        ("start_date", "2026-02-30"),
        ("customer_id", "not-a-uuid"),
    ],
)
async def test_invalid_fields_are_422_naming_the_field(
    client: httpx.AsyncClient, db: asyncpg.Connection, field: str, value: object
) -> None:
    body = {**contract_body(str(uuid.uuid4())), field: value}
    response = await client.post("/v1/contracts", json=body)
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["errors"][0]["loc"][:2] == ["body", field]
    assert await db.fetchval("select count(*) from customer.contracts") == 0


async def test_nul_characters_and_extreme_values_never_reach_the_database_as_errors(
    client: httpx.AsyncClient,
) -> None:
    customer_id = await new_customer(client)
    for field in ("purpose", "lender", "contract_no"):
        body = contract_body(customer_id, **{field: "a\x00b"})
        response = await client.post("/v1/contracts", json=body)
        assert response.status_code == 422, field
        assert response.json()["errors"][0]["loc"] == ["body", field]
    nul_filter = await client.get("/v1/contracts", params={"lender": "a\x00"})
    assert nul_filter.status_code == 422
    # A performance bond: no concentration or leverage cap applies to a non-financing guarantee
    # (test_policy.py covers those), so the widest amount is activated and stored.
    widest = contract_body(
        customer_id,
        product="performance_bond",
        principal="9999999999999999.99",
        start_date="0001-01-01",
        maturity_date="9999-12-31",
        fee_rate=0.000001,
    )
    created = await client.post("/v1/contracts", json=widest)
    assert created.status_code == 201, created.text
    assert created.json()["principal"] == "9999999999999999.99"
    assert created.json()["fee_rate"] == 0.000001
    activated = await event(
        client, created.json()["id"], "activate", "9999999999999999.99", "9999-12-31"
    )
    assert activated["outstanding_balance"] == "9999999999999999.99"


async def test_unknown_and_derived_fields_are_rejected(client: httpx.AsyncClient) -> None:
    customer_id = await new_customer(client)
    for extra in ({"status": "active"}, {"outstanding_balance": "5.00"}, {"colour": "red"}):
        response = await client.post("/v1/contracts", json=contract_body(customer_id, **extra))
        assert response.status_code == 422, extra
        assert response.json()["errors"][0]["loc"] == ["body", next(iter(extra))]


async def test_idempotency_key_replays_the_first_contract(
    client: httpx.AsyncClient, db: asyncpg.Connection
) -> None:
    customer_id = await new_customer(client)
    body = contract_body(customer_id)
    headers = {"Idempotency-Key": "open-contract-1"}
    first = await client.post("/v1/contracts", json=body, headers=headers)
    replay = await client.post("/v1/contracts", json=body, headers=headers)
    assert first.status_code == replay.status_code == 201
    assert replay.json() == first.json()
    assert replay.headers["location"] == first.headers["location"]
    assert replay.headers["idempotent-replayed"] == "true"
    other = await client.post(
        "/v1/contracts", json={**body, "lender": "Another bank"}, headers=headers
    )
    assert other.status_code == 422
    assert await db.fetchval("select count(*) from customer.contracts") == 1


async def test_get_unknown_is_404_and_bad_id_is_422(client: httpx.AsyncClient) -> None:
    assert (await client.get(f"/v1/contracts/{uuid.uuid4()}")).status_code == 404
    bad = await client.get("/v1/contracts/12")
    assert bad.status_code == 422
    assert bad.json()["errors"][0]["loc"] == ["path", "contract_id"]


async def test_scopes_read_and_write(client: httpx.AsyncClient, anon: httpx.AsyncClient) -> None:
    contract = await new_contract(client)
    url = f"/v1/contracts/{contract['id']}"
    assert (await anon.get(url)).status_code == 401
    assert (await anon.get(url, headers=bearer("customers:read"))).status_code == 403
    assert (await anon.get(url, headers=bearer("contracts:read"))).status_code == 200
    assert (await anon.get("/v1/contracts", headers=bearer("contracts:read"))).status_code == 200
    body = contract_body(contract["customer_id"])
    read_only = await anon.post("/v1/contracts", json=body, headers=bearer("contracts:read"))
    assert read_only.status_code == 403
    writer = await anon.post("/v1/contracts", json=body, headers=bearer("contracts:write"))
    assert writer.status_code == 201


async def test_list_filters(client: httpx.AsyncClient) -> None:
    alice = await new_customer(client)
    bob = await new_customer(client)
    loan = await new_contract(client, alice, maturity_date="2026-06-30")
    bond = await new_contract(
        client, alice, product="bond", lender="交通银行", maturity_date="2028-01-01"
    )
    bid = await new_contract(client, bob, product="bid_bond", maturity_date="2027-03-01")
    await event(client, bid["id"], "activate", "1000.00", "2026-01-20")

    async def ids(**params: str) -> set[str]:
        response = await client.get("/v1/contracts", params=params)
        assert response.status_code == 200, response.text
        assert response.json()["next_cursor"] is None
        return {c["id"] for c in response.json()["items"]}

    assert await ids() == {loan["id"], bond["id"], bid["id"]}
    assert await ids(customer_id=alice) == {loan["id"], bond["id"]}
    assert await ids(status="active") == {bid["id"]}
    assert await ids(status="pending", customer_id=alice) == {loan["id"], bond["id"]}
    assert await ids(product="bond") == {bond["id"]}
    assert await ids(lender="交通银行") == {bond["id"]}
    assert await ids(maturing_before="2027-03-01") == {loan["id"]}
    assert await ids(maturing_before="2027-03-02") == {loan["id"], bid["id"]}
    bad = await client.get("/v1/contracts", params={"status": "dormant"})
    assert bad.status_code == 422
    assert bad.json()["errors"][0]["loc"] == ["query", "status"]


async def test_list_pages_visit_every_contract_once(client: httpx.AsyncClient) -> None:
    customer_id = await new_customer(client)
    created = {(await new_contract(client, customer_id))["id"] for _ in range(7)}
    seen: list[str] = []
    cursor: str | None = None
    pages = 0
    while True:
        params = {"limit": "3", **({"cursor": cursor} if cursor else {})}
        page = (await client.get("/v1/contracts", params=params)).json()
        seen += [c["id"] for c in page["items"]]
        pages += 1
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert pages == 3
    assert len(seen) == 7
    assert set(seen) == created
    bad = await client.get("/v1/contracts", params={"cursor": "not-a-cursor"})
    assert bad.status_code == 422
    assert bad.json()["errors"][0]["loc"] == ["query", "cursor"]
    too_many = await client.get("/v1/contracts", params={"limit": "501"})
    assert too_many.status_code == 422


async def test_customer_cannot_be_deactivated_until_its_contracts_are_closed(
    client: httpx.AsyncClient, db: asyncpg.Connection
) -> None:
    customer_id = await new_customer(client)
    contract = await contract_in(client, "repaid", customer_id=customer_id)
    url = f"/v1/customers/{customer_id}"
    refused = await client.delete(url, headers={"If-Match": '"1"'})
    assert refused.status_code == 409
    assert refused.json()["open_contracts"] == 1
    assert await db.fetchval("select status from customer.customers") == "active"
    await event(client, contract["id"], "close", None, "2026-03-05")
    deleted = await client.delete(url, headers={"If-Match": '"1"'})
    assert deleted.status_code == 200, deleted.text
    assert deleted.json()["status"] == "inactive"


async def test_written_off_contracts_do_not_block_deactivation(client: httpx.AsyncClient) -> None:
    customer_id = await new_customer(client)
    await contract_in(client, "written_off", customer_id=customer_id)
    deleted = await client.delete(f"/v1/customers/{customer_id}", headers={"If-Match": '"1"'})
    assert deleted.status_code == 200
