"""What a partner bank sees: its own customers' ratings, one by one or a thousand at once.

A partner sees a customer while one of its lender names finances it, or did within 24 months;
anything else is answered exactly as an unknown code is.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import event

from tests.customer_api.partner_steps import (
    CCB,
    ICBC,
    finance,
    months_ago,
    partner_token,
    rated_customer,
    register,
)
from tests.support.auth import bearer
from tests.support.factories import credit_code, customer_body

PARTNER_FIELDS = {
    "credit_code",
    "name",
    "credit_grade",
    "risk_tier",
    "customer_class",
    "score",
    "rated_at",
    "model_version",
}


def full_width(code: str) -> str:
    return "".join(chr(ord(c) + 0xFEE0) for c in code)


async def _book(client: httpx.AsyncClient) -> dict[str, str]:
    """Rated customers financed in every way that matters to ICBC; their codes by role."""
    await register(client, ICBC)
    await register(client, CCB)
    roles: dict[str, str] = {}

    async def customer(role: str) -> str:
        roles[role] = (await rated_customer(client))["credit_code"]
        return await _id(client, roles[role])

    await finance(client, await customer("branch"), "中国工商银行苏州分行", active=True)
    await finance(client, await customer("second_name"), "工商银行")  # pending: a bank deciding
    await finance(client, await customer("released_23m"), "工商银行", released_on=months_ago(23))
    await finance(client, await customer("released_24m"), "工商银行", released_on=months_ago(24))
    await finance(
        client, await customer("released_24m_1d"), "工商银行", released_on=months_ago(24, days=1)
    )
    await finance(client, await customer("other_bank"), "中国建设银行无锡分行", active=True)
    await finance(client, await customer("unregistered_name"), "中国工商银行", active=True)
    await customer("no_contract")
    unrated = await client.post("/v1/customers", json=customer_body())
    roles["unrated"] = unrated.json()["credit_code"]
    await finance(client, unrated.json()["id"], "工商银行", active=True)
    return roles


async def _id(client: httpx.AsyncClient, code: str) -> str:
    found = await client.get(f"/v1/customers/by-credit-code/{code}")
    customer_id: str = found.json()["id"]
    return customer_id


ICBC_SEES = {"branch", "second_name", "released_23m", "released_24m"}
RATED = ICBC_SEES | {"released_24m_1d", "other_bank", "unregistered_name", "no_contract"}


async def test_a_partner_sees_exactly_the_customers_its_lenders_finance(
    client: httpx.AsyncClient,
) -> None:
    roles = await _book(client)
    icbc, ccb, staff = partner_token("icbc"), partner_token("ccb"), bearer("ratings:read")
    for role, code in roles.items():
        answer = await client.get(f"/v1/ratings/{code}", headers=icbc)
        assert answer.status_code == (200 if role in ICBC_SEES else 404), (role, answer.text)
        if answer.status_code == 200:
            assert set(answer.json()) == PARTNER_FIELDS
            assert answer.json()["credit_code"] == code
        ccb_answer = await client.get(f"/v1/ratings/{code}", headers=ccb)
        assert ccb_answer.status_code == (200 if role == "other_bank" else 404), role
        # The company's own token (no partner claim) keeps the whole book.
        staff_answer = await client.get(f"/v1/ratings/{code}", headers=staff)
        assert staff_answer.status_code == (200 if role in RATED else 404), role

    bulk = await client.post(
        "/v1/ratings/lookup", json={"credit_codes": list(roles.values())}, headers=icbc
    )
    assert bulk.status_code == 200, bulk.text
    results = bulk.json()["results"]
    assert [r["credit_code"] for r in results] == list(roles.values())
    assert {role for role, r in zip(roles, results, strict=True) if r["found"]} == ICBC_SEES
    assert all((r["rating"] is None) != r["found"] for r in results)


async def test_out_of_scope_and_unknown_codes_get_the_same_404(client: httpx.AsyncClient) -> None:
    roles = await _book(client)
    unknown = credit_code()
    icbc = partner_token("icbc")
    answers = {
        code: await client.get(f"/v1/ratings/{code}", headers=icbc)
        for code in (unknown, roles["other_bank"], roles["released_24m_1d"], roles["unrated"])
    }
    shapes = set()
    for code, answer in answers.items():
        assert answer.status_code == 404
        assert answer.headers["content-type"] == "application/problem+json"
        shapes.add(json.dumps(answer.json(), sort_keys=True).replace(code, "<code>"))
    assert len(shapes) == 1, shapes


async def test_a_partner_claim_naming_no_registered_partner_is_403(
    client: httpx.AsyncClient,
) -> None:
    roles = await _book(client)
    stranger = partner_token("hsbc")
    single = await client.get(f"/v1/ratings/{roles['branch']}", headers=stranger)
    assert single.status_code == 403
    unknown_code = await client.get(f"/v1/ratings/{credit_code()}", headers=stranger)
    assert unknown_code.status_code == 403
    bulk = await client.post(
        "/v1/ratings/lookup", json={"credit_codes": [roles["branch"]]}, headers=stranger
    )
    assert bulk.status_code == 403


@contextmanager
def data_statements(app: FastAPI) -> Iterator[list[str]]:
    """The SQL statements this app's engine sends that read the book or the registry (the
    background loops read only their job and key tables)."""
    seen: list[str] = []
    engine = app.state.engine.sync_engine

    def record(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        if any(
            f"customer.{table}" in statement for table in ("customers", "contracts", "partners")
        ):
            seen.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", record)


async def test_a_lookup_of_1000_codes_is_one_database_round_trip_and_keeps_order(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    roles = await _book(client)
    variants = {
        "branch": roles["branch"],
        "branch_lower": roles["branch"].lower(),
        "branch_full_width": " " + full_width(roles["branch"]) + " ",
        "other_bank": roles["other_bank"],
        "second_name": roles["second_name"],
        "unrated": roles["unrated"],
        "malformed": "not-a-credit-code",
    }
    names = list(variants)
    asked = [(names[i % len(names)], variants[names[i % len(names)]]) for i in range(990)]
    asked += [("unknown", credit_code()) for _ in range(10)]

    with data_statements(app) as statements:
        response = await client.post(
            "/v1/ratings/lookup",
            json={"credit_codes": [code for _, code in asked]},
            headers=partner_token("icbc"),
        )

    assert response.status_code == 200, response.text
    assert len(statements) == 1, statements
    results = response.json()["results"]
    assert len(results) == 1000
    visible = {"branch", "branch_lower", "branch_full_width", "second_name"}
    for (role, code), result in zip(asked, results, strict=True):
        assert result["found"] is (role in visible), (role, result)
        assert result["credit_code"] == code.strip().upper() or role == "branch_full_width"
        if result["found"]:
            assert result["rating"]["credit_code"] == result["credit_code"]
    assert results[2]["credit_code"] == roles["branch"]  # full-width input, normalised


@pytest.mark.parametrize(
    "body",
    [
        {"credit_codes": []},
        {"credit_codes": ["91320621MA1MRHG205"] * 1001},
        {"credit_codes": [7]},
        {"credit_codes": ["x" * 41]},
        {"credit_codes": ["9132\n0621MA1MRHG205"]},
        {"credit_codes": ["91320621MA1MRHG205"], "partner": "icbc"},
        {},
    ],
    ids=["empty", "1001", "number", "too-long", "control", "extra-field", "missing"],
)
async def test_a_bad_lookup_is_422(client: httpx.AsyncClient, body: dict[str, Any]) -> None:
    response = await client.post("/v1/ratings/lookup", json=body, headers=bearer("ratings:read"))
    assert response.status_code == 422, response.text
    assert response.json()["errors"][0]["loc"][0] == "body"


async def test_the_lookup_needs_ratings_read(anon: httpx.AsyncClient) -> None:
    body = {"credit_codes": [credit_code()]}
    for headers in (bearer("customers:read"), partner_token("icbc", "customers:read")):
        response = await anon.post("/v1/ratings/lookup", json=body, headers=headers)
        assert response.status_code == 403
    assert (await anon.post("/v1/ratings/lookup", json=body)).status_code == 401
    allowed = await anon.post("/v1/ratings/lookup", json=body, headers=bearer("ratings:read"))
    assert allowed.json() == {
        "results": [{"credit_code": body["credit_codes"][0], "found": False, "rating": None}]
    }
