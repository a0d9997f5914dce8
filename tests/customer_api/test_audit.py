"""GET /v1/audit: who changed what, with before and after, newest first, PII masked."""

from __future__ import annotations

from typing import Any

import httpx

from tests.support.auth import bearer
from tests.support.factories import customer_body, statement_body

_ID_NUMBER = "11010519491231002X"
_MASKED = "110***********002X"


async def _customer_with_history(client: httpx.AsyncClient) -> str:
    """A customer created by alice and changed twice by bob."""
    created = await client.post(
        "/v1/customers",
        json=customer_body(legal_representative_id_number=_ID_NUMBER),
        headers=bearer("customers:write", sub="alice@example.com"),
    )
    assert created.status_code == 201, created.text
    customer_id = str(created.json()["id"])
    for version, employees in ((1, 130), (2, 140)):
        patched = await client.patch(
            f"/v1/customers/{customer_id}",
            json={"employees": employees},
            headers={
                "If-Match": f'"{version}"',
                **bearer("customers:write", sub="bob@example.com"),
            },
        )
        assert patched.status_code == 200, patched.text
    return customer_id


async def _entries(client: httpx.AsyncClient, **params: Any) -> list[dict[str, Any]]:
    response = await client.get("/v1/audit", params=params)
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


async def test_trail_shows_who_changed_what_newest_first(client: httpx.AsyncClient) -> None:
    customer_id = await _customer_with_history(client)
    entries = await _entries(client, entity_type="customer", entity_id=customer_id)
    assert [(e["action"], e["actor"]) for e in entries] == [
        ("update", "bob@example.com"),
        ("update", "bob@example.com"),
        ("create", "alice@example.com"),
    ]
    newest, middle, first = entries
    assert (newest["before"]["employees"], newest["after"]["employees"]) == (130, 140)
    assert (middle["before"]["employees"], middle["after"]["employees"]) == (120, 130)
    assert first["before"] is None
    assert first["after"]["id"] == customer_id
    assert all(e["entity_id"] == customer_id and e["entity_type"] == "customer" for e in entries)
    assert newest["occurred_at"] >= middle["occurred_at"] >= first["occurred_at"]
    assert newest["id"] > middle["id"] > first["id"]


async def test_filters_keep_entities_apart(client: httpx.AsyncClient) -> None:
    first, second = await _customer_with_history(client), await _customer_with_history(client)
    statement = await client.post(
        f"/v1/customers/{first}/financial-statements", json=statement_body()
    )
    assert statement.status_code == 201
    only_second = await _entries(client, entity_type="customer", entity_id=second)
    assert len(only_second) == 3
    assert {e["entity_id"] for e in only_second} == {second}
    statements = await _entries(client, entity_type="financial_statement")
    assert [(e["entity_id"], e["action"]) for e in statements] == [
        (statement.json()["id"], "create")
    ]
    by_alice = await _entries(client, actor="alice@example.com")
    assert {e["entity_id"] for e in by_alice} == {first, second}
    assert await _entries(client, entity_type="contract") == []


async def test_pages_follow_the_cursor_without_repeats(client: httpx.AsyncClient) -> None:
    customer_id = await _customer_with_history(client)
    seen: list[int] = []
    cursor: str | None = None
    while True:
        params: dict[str, Any] = {"entity_id": customer_id, "limit": 2}
        if cursor:
            params["cursor"] = cursor
        page = (await client.get("/v1/audit", params=params)).json()
        assert len(page["items"]) <= 2
        seen += [e["id"] for e in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert len(seen) == 3
    assert seen == sorted(seen, reverse=True)
    bad = await client.get("/v1/audit", params={"cursor": "zzz"})
    assert bad.status_code == 422
    assert bad.json()["errors"][0]["loc"] == ["query", "cursor"]
    not_a_uuid = await client.get("/v1/audit", params={"entity_id": "42"})
    assert not_a_uuid.status_code == 422


async def test_id_number_is_masked_without_pii_read(
    client: httpx.AsyncClient, anon: httpx.AsyncClient
) -> None:
    customer_id = await _customer_with_history(client)
    response = await anon.get(
        "/v1/audit", params={"entity_id": customer_id}, headers=bearer("customers:read")
    )
    assert response.status_code == 200
    entries = response.json()["items"]
    snapshots = [s for e in entries for s in (e["before"], e["after"]) if s is not None]
    assert len(snapshots) == 5
    assert {s["legal_representative_id_number"] for s in snapshots} == {_MASKED}
    with_pii = await anon.get(
        "/v1/audit",
        params={"entity_id": customer_id},
        headers=bearer("customers:read", "pii:read"),
    )
    unmasked = [s for e in with_pii.json()["items"] for s in (e["before"], e["after"]) if s]
    assert {s["legal_representative_id_number"] for s in unmasked} == {_ID_NUMBER}


async def test_audit_needs_customers_read(
    client: httpx.AsyncClient, anon: httpx.AsyncClient
) -> None:
    await _customer_with_history(client)
    assert (await anon.get("/v1/audit")).status_code == 401
    forbidden = await anon.get("/v1/audit", headers=bearer("contracts:read", "pii:read"))
    assert forbidden.status_code == 403
    assert forbidden.headers["content-type"].startswith("application/problem+json")
    assert (await anon.get("/v1/audit", headers=bearer("admin"))).status_code == 200


async def test_rejected_writes_leave_no_entry(client: httpx.AsyncClient) -> None:
    customer_id = await _customer_with_history(client)
    before = await _entries(client)
    stale = await client.patch(
        f"/v1/customers/{customer_id}", json={"employees": 1}, headers={"If-Match": '"1"'}
    )
    assert stale.status_code == 412
    unbalanced = await client.post(
        f"/v1/customers/{customer_id}/financial-statements", json=statement_body(equity="1.00")
    )
    assert unbalanced.status_code == 422
    ungraded = await client.post(
        f"/v1/customers/{customer_id}/credit-events",
        json={"source": "credit_bureau", "kind": "external_rating", "occurred_on": "2025-01-01"},
    )
    assert ungraded.status_code == 422
    assert await _entries(client) == before
