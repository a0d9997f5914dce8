"""Customers: create, read, list, patch with If-Match, deactivate, idempotency, errors."""

from __future__ import annotations

import asyncio

import asyncpg
import httpx

from tests.support.auth import bearer
from tests.support.factories import credit_code, customer_body


async def _create(client: httpx.AsyncClient, **overrides: object) -> httpx.Response:
    response = await client.post("/v1/customers", json=customer_body(**overrides))
    assert response.status_code == 201, response.text
    return response


async def test_create_returns_location_etag_and_derived_fields(client: httpx.AsyncClient) -> None:
    response = await _create(client, registered_capital=12345678.9)
    body = response.json()
    assert response.headers["location"] == f"/v1/customers/{body['id']}"
    assert response.headers["etag"] == '"1"'
    assert body["registered_capital"] == "12345678.90"
    assert body["industry_section"] == "C"
    assert body["status"] == "active"
    assert body["customer_class"] is None
    assert body["score"] is None
    fetched = await client.get(response.headers["location"])
    assert fetched.status_code == 200
    assert fetched.json() == body
    assert fetched.headers["etag"] == '"1"'


async def test_credit_code_is_normalised_from_full_width(client: httpx.AsyncClient) -> None:
    code = credit_code()
    wide = "".join(chr(ord(c) + 0xFEE0) if c.isalnum() else c for c in code.lower())
    response = await _create(client, credit_code=f"  {wide} ")
    assert response.json()["credit_code"] == code
    by_code = await client.get(f"/v1/customers/by-credit-code/{code.lower()}")
    assert by_code.status_code == 200
    assert by_code.json()["id"] == response.json()["id"]


async def test_bad_check_digit_is_422_naming_the_field(
    client: httpx.AsyncClient, db: asyncpg.Connection
) -> None:
    response = await client.post(
        "/v1/customers", json=customer_body(credit_code="91320621MA1MRHG207")
    )
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("application/problem+json")
    problem = response.json()
    assert problem["errors"][0]["loc"] == ["body", "credit_code"]
    assert "check character" in problem["detail"]
    assert await db.fetchval("select count(*) from customer.customers") == 0
    assert await db.fetchval("select count(*) from customer.audit_log") == 0


async def test_allow_listed_legacy_code_is_accepted(client: httpx.AsyncClient) -> None:
    response = await _create(client, credit_code="91350100M0001TGQXM")
    assert response.json()["credit_code"] == "91350100M0001TGQXM"


async def test_duplicate_credit_code_is_409_with_existing_id(client: httpx.AsyncClient) -> None:
    first = await _create(client)
    again = await client.post(
        "/v1/customers", json=customer_body(credit_code=first.json()["credit_code"])
    )
    assert again.status_code == 409
    assert again.json()["existing_id"] == first.json()["id"]


async def test_invalid_fields_each_name_their_location(client: httpx.AsyncClient) -> None:
    cases = {
        "legal_representative_id_number": "110105194912310021",
        "industry_code": "C05",
        "registered_capital": "100.123",
        "employees": -1,
        "status": "dormant",
        "region_code": "12",
    }
    for field, value in cases.items():
        response = await client.post("/v1/customers", json=customer_body(**{field: value}))
        assert response.status_code == 422, field
        assert response.json()["errors"][0]["loc"][:2] == ["body", field], field
    unknown = await client.post("/v1/customers", json=customer_body(nickname="x"))
    assert unknown.status_code == 422
    assert unknown.json()["errors"][0]["loc"] == ["body", "nickname"]
    negative = await client.post("/v1/customers", json=customer_body(registered_capital=-5))
    assert negative.status_code == 422


async def test_malformed_json_and_oversized_body_are_problems(client: httpx.AsyncClient) -> None:
    broken = await client.post(
        "/v1/customers", content=b'{"name": ', headers={"content-type": "application/json"}
    )
    assert broken.status_code == 422
    assert broken.headers["content-type"].startswith("application/problem+json")
    huge = await client.post("/v1/customers", json=customer_body(main_business="x" * 2_000_000))
    assert huge.status_code == 413
    assert huge.json()["status"] == 413


async def test_id_number_is_masked_without_pii_scope(client: httpx.AsyncClient) -> None:
    created = await _create(client)
    assert created.json()["legal_representative_id_number"] == "11010519491231002X"
    limited = await client.get(created.headers["location"], headers=bearer("customers:read"))
    assert limited.json()["legal_representative_id_number"] == "110***********002X"


async def test_auth_401_without_token_and_403_without_scope(anon: httpx.AsyncClient) -> None:
    missing = await anon.get("/v1/customers")
    assert missing.status_code == 401
    assert missing.headers["www-authenticate"] == "Bearer"
    forged = await anon.get("/v1/customers", headers=bearer("customers:read", secret="x" * 40))
    assert forged.status_code == 401
    wrong_scope = await anon.post(
        "/v1/customers", json=customer_body(), headers=bearer("customers:read")
    )
    assert wrong_scope.status_code == 403
    admin = await anon.get("/v1/customers", headers=bearer("admin"))
    assert admin.status_code == 200


async def test_patch_needs_if_match_and_merges(
    client: httpx.AsyncClient, db: asyncpg.Connection
) -> None:
    created = (await _create(client)).json()
    url = f"/v1/customers/{created['id']}"
    assert (await client.patch(url, json={"employees": 130})).status_code == 428
    stale = await client.patch(url, json={"employees": 130}, headers={"If-Match": '"7"'})
    assert stale.status_code == 412
    patched = await client.patch(
        url,
        content=(
            b'{"employees": 130, "region_code": null,'
            b' "contact": {"phone": null, "email": "cfo@example.com"}}'
        ),
        headers={"If-Match": '"1"', "content-type": "application/merge-patch+json"},
    )
    assert patched.status_code == 200, patched.text
    body = patched.json()
    assert patched.headers["etag"] == '"2"'
    assert body["employees"] == 130
    assert body["contact"] == {
        "name": "李娜",
        "phone": None,
        "email": "cfo@example.com",
        "address": None,
    }
    assert body["region_code"] is None
    assert body["name"] == created["name"]
    entries = await db.fetch(
        "select action, before->>'employees' b, after->>'employees' a, actor"
        " from customer.audit_log order by id"
    )
    assert [(e["action"], e["b"], e["a"], e["actor"]) for e in entries] == [
        ("create", None, "120", "tester@example.com"),
        ("update", "120", "130", "tester@example.com"),
    ]


async def test_patch_cannot_null_a_required_field(client: httpx.AsyncClient) -> None:
    created = (await _create(client)).json()
    response = await client.patch(
        f"/v1/customers/{created['id']}", json={"name": None}, headers={"If-Match": '"1"'}
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["loc"] == ["body", "name"]


async def test_twenty_parallel_patches_with_one_etag_one_wins(
    client: httpx.AsyncClient, db: asyncpg.Connection
) -> None:
    created = (await _create(client)).json()
    url = f"/v1/customers/{created['id']}"
    responses = await asyncio.gather(
        *(
            client.patch(url, json={"employees": 200 + i}, headers={"If-Match": '"1"'})
            for i in range(20)
        )
    )
    statuses = sorted(r.status_code for r in responses)
    assert statuses == [200] + [412] * 19
    row = await db.fetchrow("select version, employees from customer.customers")
    assert row["version"] == 2
    winner = next(r for r in responses if r.status_code == 200)
    assert row["employees"] == winner.json()["employees"]


async def test_idempotency_key_replays_and_rejects_other_body(
    client: httpx.AsyncClient, db: asyncpg.Connection
) -> None:
    body = customer_body()
    headers = {"Idempotency-Key": "create-1"}
    first = await client.post("/v1/customers", json=body, headers=headers)
    replay = await client.post("/v1/customers", json=body, headers=headers)
    assert first.status_code == replay.status_code == 201
    assert replay.json() == first.json()
    assert replay.headers["location"] == first.headers["location"]
    other = await client.post("/v1/customers", json={**body, "employees": 5}, headers=headers)
    assert other.status_code == 422
    assert await db.fetchval("select count(*) from customer.customers") == 1


async def test_twenty_parallel_posts_with_one_key_make_one_row(
    client: httpx.AsyncClient, db: asyncpg.Connection
) -> None:
    body = customer_body()
    responses = await asyncio.gather(
        *(
            client.post("/v1/customers", json=body, headers={"Idempotency-Key": "burst"})
            for _ in range(20)
        )
    )
    assert await db.fetchval("select count(*) from customer.customers") == 1
    created = [r for r in responses if r.status_code == 201]
    assert created, [r.status_code for r in responses]
    assert {r.json()["id"] for r in created} == {created[0].json()["id"]}
    assert all(r.status_code in (201, 409) for r in responses)


async def test_list_filters_sorts_and_pages_without_overlap(client: httpx.AsyncClient) -> None:
    names = [f"企业{i:02d}" for i in range(7)]
    for name in names:
        await _create(client, name=name, industry_code="F51" if name.endswith(("1", "3")) else "C")
    seen: list[str] = []
    cursor = None
    while True:
        params = {"sort": "name", "limit": 3, **({"cursor": cursor} if cursor else {})}
        page = (await client.get("/v1/customers", params=params)).json()
        seen += [c["name"] for c in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == sorted(names)
    wholesale = (await client.get("/v1/customers", params={"industry_section": "F"})).json()
    assert sorted(c["name"] for c in wholesale["items"]) == ["企业01", "企业03"]
    found = (await client.get("/v1/customers", params={"q": "业05"})).json()
    assert [c["name"] for c in found["items"]] == ["企业05"]
    newest = (await client.get("/v1/customers", params={"sort": "-created_at", "limit": 2})).json()
    assert [c["name"] for c in newest["items"]] == ["企业06", "企业05"]
    bad = await client.get("/v1/customers", params={"cursor": "not-a-cursor"})
    assert bad.status_code == 422
    assert bad.json()["errors"][0]["loc"] == ["query", "cursor"]
    too_many = await client.get("/v1/customers", params={"limit": 501})
    assert too_many.status_code == 422


async def test_delete_deactivates_and_unknown_is_404(client: httpx.AsyncClient) -> None:
    created = (await _create(client)).json()
    url = f"/v1/customers/{created['id']}"
    assert (await client.delete(url)).status_code == 428
    gone = await client.delete(url, headers={"If-Match": '"1"'})
    assert gone.status_code == 200
    assert gone.json()["status"] == "inactive"
    inactive = (await client.get("/v1/customers", params={"status": "inactive"})).json()
    assert [c["id"] for c in inactive["items"]] == [created["id"]]
    missing = await client.get("/v1/customers/00000000-0000-0000-0000-000000000000")
    assert missing.status_code == 404
    assert missing.json()["title"] == "Not found"
    not_uuid = await client.get("/v1/customers/abc")
    assert not_uuid.status_code == 422
