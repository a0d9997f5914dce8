"""The partner registry: codes, names and the lender names that are each bank's (scope admin)."""

from __future__ import annotations

import asyncpg
import httpx
import pytest

from tests.customer_api.partner_steps import ADMIN, CCB, ICBC, partner_token, register
from tests.support.auth import bearer


async def test_a_partner_is_registered_read_listed_and_audited(
    client: httpx.AsyncClient, db: asyncpg.Connection
) -> None:
    response = await client.post("/v1/partners", json=ICBC, headers=ADMIN)
    assert response.status_code == 201, response.text
    assert response.headers["location"] == "/v1/partners/icbc"
    assert response.headers["etag"] == '"1"'
    partner = response.json()
    assert (partner["code"], partner["name"], partner["lender_names"]) == (
        "icbc",
        "中国工商银行",
        ["中国工商银行苏州分行", "工商银行"],
    )
    fetched = await client.get("/v1/partners/icbc", headers=ADMIN)
    assert fetched.json() == partner
    await register(client, CCB)
    listed = (await client.get("/v1/partners", params={"limit": 1}, headers=ADMIN)).json()
    assert [p["code"] for p in listed["items"]] == ["ccb"]
    rest = await client.get("/v1/partners", params={"cursor": listed["next_cursor"]}, headers=ADMIN)
    assert [p["code"] for p in rest.json()["items"]] == ["icbc"]
    entries = await db.fetch(
        "SELECT actor, action, after FROM customer.audit_log WHERE entity_type = 'partner'"
    )
    assert {(e["actor"], e["action"]) for e in entries} == {("registrar@example.com", "create")}


async def test_names_are_trimmed_and_a_patch_replaces_them(client: httpx.AsyncClient) -> None:
    await register(client, {**ICBC, "lender_names": ["  工商银行 ", "中国工商银行苏州分行"]})
    patched = await client.patch(
        "/v1/partners/icbc",
        json={"lender_names": ["工商银行", "中国工商银行无锡分行"]},
        headers={**ADMIN, "If-Match": '"1"'},
    )
    assert patched.status_code == 200, patched.text
    assert patched.json()["lender_names"] == ["工商银行", "中国工商银行无锡分行"]
    assert patched.headers["etag"] == '"2"'
    stale = await client.patch(
        "/v1/partners/icbc", json={"name": "ICBC"}, headers={**ADMIN, "If-Match": '"1"'}
    )
    assert stale.status_code == 412
    # The code is what tokens carry: a patch cannot change it.
    renamed = await client.patch(
        "/v1/partners/icbc", json={"code": "icbc2"}, headers={**ADMIN, "If-Match": '"2"'}
    )
    assert renamed.status_code == 422
    assert renamed.json()["errors"][0]["loc"] == ["body", "code"]


async def test_a_lender_name_belongs_to_one_partner(client: httpx.AsyncClient) -> None:
    await register(client, ICBC)
    taken = await client.post(
        "/v1/partners", json={**CCB, "lender_names": ["工商银行"]}, headers=ADMIN
    )
    assert taken.status_code == 409
    assert (taken.json()["lender_name"], taken.json()["partner"]) == ("工商银行", "icbc")
    await register(client, CCB)
    moved = await client.patch(
        "/v1/partners/ccb",
        json={"lender_names": ["中国建设银行无锡分行", "中国工商银行苏州分行"]},
        headers={**ADMIN, "If-Match": '"1"'},
    )
    assert moved.status_code == 409
    again = await client.post("/v1/partners", json=ICBC, headers=ADMIN)
    assert again.status_code == 409
    assert again.json()["code"] == "icbc"


@pytest.mark.parametrize(
    ("override", "loc"),
    [
        ({"code": "icbc bank"}, ["body", "code"]),
        ({"code": "../x"}, ["body", "code"]),
        ({"lender_names": []}, ["body", "lender_names"]),
        ({"lender_names": ["工商银行", " 工商银行"]}, ["body", "lender_names"]),
        ({"lender_names": ["工商\n银行"]}, ["body", "lender_names", 0]),
        ({"name": ""}, ["body", "name"]),
    ],
)
async def test_bad_registrations_are_422(
    client: httpx.AsyncClient, override: dict[str, object], loc: list[object]
) -> None:
    response = await client.post("/v1/partners", json={**ICBC, **override}, headers=ADMIN)
    assert response.status_code == 422, response.text
    assert response.json()["errors"][0]["loc"][: len(loc)] == loc


async def test_the_registry_needs_admin(client: httpx.AsyncClient) -> None:
    await register(client, ICBC)
    for headers in (bearer("customers:read", "customers:write"), partner_token("icbc")):
        assert (await client.get("/v1/partners", headers=headers)).status_code == 403
        assert (await client.get("/v1/partners/icbc", headers=headers)).status_code == 403
        created = await client.post("/v1/partners", json=CCB, headers=headers)
        assert created.status_code == 403
    assert (await client.get("/v1/partners/nobody", headers=ADMIN)).status_code == 404
