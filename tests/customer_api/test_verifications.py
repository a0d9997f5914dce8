"""Verifications: the review schedule by tier (docs/DOMAIN.md §5), history, review_overdue."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import asyncpg
import httpx

from guarantee_shared.clock import business_today
from tests.support.factories import customer_body


async def _customer(client: httpx.AsyncClient) -> str:
    response = await client.post("/v1/customers", json=customer_body())
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


async def _verify(
    client: httpx.AsyncClient, customer_id: str, **overrides: object
) -> httpx.Response:
    body: dict[str, object] = {
        "verified_on": business_today().isoformat(),
        "verified_by": "张敏",
        "outcome": "confirmed",
        "note": "营业执照、财务报表已核对",
    }
    body.update(overrides)
    return await client.post(f"/v1/customers/{customer_id}/verifications", json=body)


def _days(n: int, *, since: date | None = None) -> str:
    return ((since or business_today()) + timedelta(days=n)).isoformat()


async def test_verification_sets_schedule_of_unrated_customer_as_medium(
    client: httpx.AsyncClient, db: asyncpg.Connection
) -> None:
    customer_id = await _customer(client)
    response = await _verify(client, customer_id)
    assert response.status_code == 201, response.text
    body = response.json()
    assert response.headers["location"] == (
        f"/v1/customers/{customer_id}/verifications/{body['id']}"
    )
    assert response.headers["etag"] == '"1"'
    assert body["interval_days"] == 90
    assert body["next_review_due"] == _days(90)
    customer = (await client.get(f"/v1/customers/{customer_id}")).json()
    assert customer["next_review_due"] == _days(90)
    assert customer["version"] == 2
    verified_at = datetime.fromisoformat(customer["last_verified_at"])
    assert abs(verified_at - datetime.now(UTC)) < timedelta(minutes=1)
    actions = await db.fetch("select entity_type, action from customer.audit_log order by id")
    assert [(a["entity_type"], a["action"]) for a in actions] == [
        ("customer", "create"),
        ("verification", "create"),
        ("customer", "verify"),
    ]
    fetched = await client.get(response.headers["location"])
    assert fetched.json() == body


async def test_interval_follows_risk_tier(
    client: httpx.AsyncClient, db: asyncpg.Connection
) -> None:
    low, high = await _customer(client), await _customer(client)
    await db.execute("update customer.customers set risk_tier = 'low' where id = $1::uuid", low)
    await db.execute("update customer.customers set risk_tier = 'high' where id = $1::uuid", high)
    assert (await _verify(client, low)).json()["next_review_due"] == _days(180)
    assert (await _verify(client, high)).json()["next_review_due"] == _days(30)


async def test_rated_customer_uses_the_interval_its_rating_carries(
    client: httpx.AsyncClient,
) -> None:
    customer_id = await _customer(client)
    rating = await client.post(f"/v1/customers/{customer_id}/rate")
    assert rating.status_code == 201, rating.text
    interval = rating.json()["result"]["review_interval_days"]
    body = (await _verify(client, customer_id, verified_on=_days(-10))).json()
    assert body["interval_days"] == interval
    assert body["next_review_due"] == _days(interval - 10)


async def test_unreachable_customer_is_due_again_after_the_shortest_interval(
    client: httpx.AsyncClient, db: asyncpg.Connection
) -> None:
    customer_id = await _customer(client)
    await db.execute(
        "update customer.customers set risk_tier = 'low' where id = $1::uuid", customer_id
    )
    body = (await _verify(client, customer_id, outcome="unreachable")).json()
    assert body["interval_days"] == 30
    customer = (await client.get(f"/v1/customers/{customer_id}")).json()
    assert customer["next_review_due"] == _days(30)


async def test_older_verification_is_kept_but_does_not_move_the_schedule(
    client: httpx.AsyncClient,
) -> None:
    customer_id = await _customer(client)
    await _verify(client, customer_id, verified_on=_days(-5))
    before = (await client.get(f"/v1/customers/{customer_id}")).json()
    old = await _verify(client, customer_id, verified_on=_days(-40), outcome="corrected")
    assert old.status_code == 201
    after = (await client.get(f"/v1/customers/{customer_id}")).json()
    assert after["next_review_due"] == before["next_review_due"] == _days(85)
    assert after["last_verified_at"] == before["last_verified_at"]
    assert after["version"] == before["version"]
    # A back-dated day starts at midnight China time.
    assert before["last_verified_at"].startswith(_days(-6) + "T16:00:00")
    history = (await client.get(f"/v1/customers/{customer_id}/verifications?limit=1")).json()
    assert history["items"][0]["verified_on"] == _days(-5)
    rest = await client.get(
        f"/v1/customers/{customer_id}/verifications",
        params={"limit": 1, "cursor": history["next_cursor"]},
    )
    assert [v["verified_on"] for v in rest.json()["items"]] == [_days(-40)]
    assert rest.json()["next_cursor"] is None


async def test_future_date_and_bad_outcome_are_422_and_change_nothing(
    client: httpx.AsyncClient, db: asyncpg.Connection
) -> None:
    customer_id = await _customer(client)
    future = await _verify(client, customer_id, verified_on=_days(1))
    assert future.status_code == 422
    assert future.headers["content-type"].startswith("application/problem+json")
    assert future.json()["errors"][0]["loc"] == ["body", "verified_on"]
    bad = await _verify(client, customer_id, outcome="maybe")
    assert bad.status_code == 422
    assert bad.json()["errors"][0]["loc"] == ["body", "outcome"]
    assert await db.fetchval("select count(*) from customer.verifications") == 0
    customer = (await client.get(f"/v1/customers/{customer_id}")).json()
    assert customer["version"] == 1
    assert customer["next_review_due"] is None


async def test_unknown_customer_is_404(client: httpx.AsyncClient) -> None:
    missing = "00000000-0000-4000-8000-000000000000"
    assert (await _verify(client, missing)).status_code == 404
    assert (await client.get(f"/v1/customers/{missing}/verifications")).status_code == 404


async def test_overdue_review_is_filtered_and_signalled(client: httpx.AsyncClient) -> None:
    due_customer, fresh_customer = await _customer(client), await _customer(client)
    await _verify(client, due_customer, verified_on=_days(-120), outcome="unreachable")
    await _verify(client, fresh_customer)
    due = (await client.get("/v1/customers", params={"review_due_before": business_today()})).json()
    assert [c["id"] for c in due["items"]] == [due_customer]
    signals = (await client.get("/v1/portfolio/signals", params={"kind": "review_overdue"})).json()
    [signal] = signals["items"]
    assert signal["customer_id"] == due_customer
    assert signal["observed_at"] == _days(-90)
    expected = (business_today() - date.fromisoformat(_days(-90))).days
    assert signal["value"] == expected


async def test_idempotent_replay_records_one_verification(
    client: httpx.AsyncClient, db: asyncpg.Connection
) -> None:
    customer_id = await _customer(client)
    headers = {"Idempotency-Key": "verify-1"}
    body = {"verified_on": _days(0), "verified_by": "张敏", "outcome": "confirmed"}
    url = f"/v1/customers/{customer_id}/verifications"
    first = await client.post(url, json=body, headers=headers)
    second = await client.post(url, json=body, headers=headers)
    assert second.status_code == 201
    assert second.json() == first.json()
    assert second.headers["idempotent-replayed"] == "true"
    assert await db.fetchval("select count(*) from customer.verifications") == 1


async def test_reading_needs_a_token(anon: httpx.AsyncClient) -> None:
    missing = "00000000-0000-4000-8000-000000000000"
    assert (await anon.get(f"/v1/customers/{missing}/verifications")).status_code == 401
