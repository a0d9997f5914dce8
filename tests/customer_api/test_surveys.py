"""Satisfaction surveys: score 1-5 per customer, newest first, validation, idempotency."""

from __future__ import annotations

from datetime import timedelta

import asyncpg
import httpx
import pytest

from guarantee_shared.clock import business_today
from tests.support.auth import bearer
from tests.support.factories import customer_body


async def _customer(client: httpx.AsyncClient) -> str:
    response = await client.post("/v1/customers", json=customer_body())
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


def _body(**overrides: object) -> dict[str, object]:
    body: dict[str, object] = {
        "surveyed_on": business_today().isoformat(),
        "score": 4,
        "channel": "phone",
        "comment": "放款速度满意",
    }
    body.update(overrides)
    return body


async def test_survey_is_recorded_and_listed_newest_first(
    client: httpx.AsyncClient, db: asyncpg.Connection
) -> None:
    customer_id = await _customer(client)
    url = f"/v1/customers/{customer_id}/surveys"
    days = [business_today() - timedelta(days=n) for n in (30, 0, 90)]
    for score, day in zip((3, 5, 2), days, strict=True):
        response = await client.post(url, json=_body(score=score, surveyed_on=day.isoformat()))
        assert response.status_code == 201, response.text
        assert response.headers["etag"] == '"1"'
    created = response.json()
    assert response.headers["location"] == f"{url}/{created['id']}"
    assert (await client.get(response.headers["location"])).json() == created
    first = (await client.get(url, params={"limit": 2})).json()
    assert [s["score"] for s in first["items"]] == [5, 3]
    rest = (await client.get(url, params={"limit": 2, "cursor": first["next_cursor"]})).json()
    assert [s["score"] for s in rest["items"]] == [2]
    assert rest["next_cursor"] is None
    assert (
        await db.fetchval("select count(*) from customer.audit_log where entity_type = 'survey'")
        == 3
    )


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("score", 0),
        ("score", 6),
        ("score", 4.5),
        ("score", "4"),
        ("channel", "carrier pigeon"),
        ("surveyed_on", (business_today() + timedelta(days=1)).isoformat()),
    ],
)
async def test_bad_survey_is_422_naming_the_field(
    client: httpx.AsyncClient, db: asyncpg.Connection, field: str, value: object
) -> None:
    customer_id = await _customer(client)
    response = await client.post(
        f"/v1/customers/{customer_id}/surveys", json=_body(**{field: value})
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["loc"] == ["body", field]
    assert await db.fetchval("select count(*) from customer.surveys") == 0


async def test_unknown_customer_is_404(client: httpx.AsyncClient) -> None:
    missing = "00000000-0000-4000-8000-000000000000"
    response = await client.post(f"/v1/customers/{missing}/surveys", json=_body())
    assert response.status_code == 404
    assert (await client.get(f"/v1/customers/{missing}/surveys/{missing}")).status_code == 404


async def test_same_key_replays_and_other_body_is_422(
    client: httpx.AsyncClient, db: asyncpg.Connection
) -> None:
    customer_id = await _customer(client)
    url = f"/v1/customers/{customer_id}/surveys"
    headers = {"Idempotency-Key": "survey-1"}
    first = await client.post(url, json=_body(), headers=headers)
    again = await client.post(url, json=_body(), headers=headers)
    assert again.json() == first.json()
    other = await client.post(url, json=_body(score=1), headers=headers)
    assert other.status_code == 422
    assert await db.fetchval("select count(*) from customer.surveys") == 1


async def test_writing_needs_customers_write(anon: httpx.AsyncClient) -> None:
    missing = "00000000-0000-4000-8000-000000000000"
    response = await anon.post(
        f"/v1/customers/{missing}/surveys", json=_body(), headers=bearer("customers:read")
    )
    assert response.status_code == 403
