"""Rating through the real engine: rate now, history, partner disclosure, the rerun job."""

from __future__ import annotations

import asyncio
from datetime import date, timedelta
from typing import Any

import asyncpg
import httpx
import pytest

from tests.support.auth import bearer
from tests.support.factories import customer_body, statement_body

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


async def _customer(client: httpx.AsyncClient, **overrides: Any) -> dict[str, Any]:
    response = await client.post("/v1/customers", json=customer_body(**overrides))
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


async def _healthy_customer(client: httpx.AsyncClient) -> dict[str, Any]:
    customer = await _customer(client)
    for year, revenue, profit in (
        (2024, "55000000.00", "2600000.00"),
        (2025, "60000000.00", "3000000.00"),
    ):
        response = await client.post(
            f"/v1/customers/{customer['id']}/financial-statements",
            json=statement_body(period_end=f"{year}-12-31", revenue=revenue, net_profit=profit),
        )
        assert response.status_code == 201, response.text
    return customer


async def _wait_for(client: httpx.AsyncClient, location: str) -> dict[str, Any]:
    for _ in range(300):
        job: dict[str, Any] = (await client.get(location)).json()
        if job["status"] in ("succeeded", "failed"):
            return job
        await asyncio.sleep(0.05)
    pytest.fail(f"job {location} did not finish: {job}")


async def test_rate_stores_history_and_updates_the_customer(
    client: httpx.AsyncClient, db: asyncpg.Connection
) -> None:
    customer = await _healthy_customer(client)
    response = await client.post(f"/v1/customers/{customer['id']}/rate")
    assert response.status_code == 201, response.text
    rating = response.json()
    assert response.headers["location"] == f"/v1/customers/{customer['id']}/ratings/{rating['id']}"
    result = rating["result"]
    assert result["customer_class"] in {"premium", "general", "high_risk"}
    assert result["risk_tier"] in {"low", "medium", "high"}
    # Manufacturing with 120 employees: medium needs 300 (DOMAIN §6), small needs 20 and 300万.
    assert result["size_class"] == "small"
    assert result["reasons"]
    assert result["model_version"] == rating["model_version"]
    assert len(rating["request_hash"]) == 64

    after = (await client.get(f"/v1/customers/{customer['id']}")).json()
    assert after["version"] == customer["version"] + 1
    assert after["score"] == result["score"]
    assert after["credit_grade"] == result["credit_grade"]
    assert after["customer_class"] == result["customer_class"]
    assert after["risk_tier"] == result["risk_tier"]
    assert after["size_class"] == "small"
    created = date.fromisoformat(customer["created_at"][:10])
    due = date.fromisoformat(after["next_review_due"])
    assert due - created in {
        timedelta(days=result["review_interval_days"] + d) for d in (-1, 0, 1)
    }  # the creation date is China's, a day off UTC near midnight

    stored = await db.fetchrow("select request_hash, job_id, actor from customer.ratings")
    assert stored["request_hash"] == rating["request_hash"]
    assert stored["job_id"] is None
    assert stored["actor"] == "tester@example.com"
    actions = await db.fetch(
        "select action from customer.audit_log where entity_id = $1 order by id",
        __import__("uuid").UUID(customer["id"]),
    )
    assert [a["action"] for a in actions] == ["create", "rate"]


async def test_same_data_rates_the_same(client: httpx.AsyncClient) -> None:
    customer = await _healthy_customer(client)
    first = (await client.post(f"/v1/customers/{customer['id']}/rate")).json()
    second = (await client.post(f"/v1/customers/{customer['id']}/rate")).json()
    assert first["request_hash"] == second["request_hash"]
    assert first["result"] == second["result"]
    history = (
        await client.get(f"/v1/customers/{customer['id']}/ratings", params={"limit": 1})
    ).json()
    assert [r["id"] for r in history["items"]] == [second["id"]]
    older = (
        await client.get(
            f"/v1/customers/{customer['id']}/ratings", params={"cursor": history["next_cursor"]}
        )
    ).json()
    assert [r["id"] for r in older["items"]] == [first["id"]]
    assert older["next_cursor"] is None


async def test_knock_out_forces_high_risk_and_high_tier(client: httpx.AsyncClient) -> None:
    customer = await _healthy_customer(client)
    event = await client.post(
        f"/v1/customers/{customer['id']}/credit-events",
        json={"source": "court", "kind": "dishonest_executee", "occurred_on": "2026-03-01"},
    )
    assert event.status_code == 201, event.text
    result = (await client.post(f"/v1/customers/{customer['id']}/rate")).json()["result"]
    assert result["customer_class"] == "high_risk"
    assert result["risk_tier"] == "high"
    assert result["knockouts"]
    listed = (await client.get("/v1/customers", params={"customer_class": "high_risk"})).json()
    assert [c["id"] for c in listed["items"]] == [customer["id"]]
    by_tier = (await client.get("/v1/customers", params={"risk_tier": "low"})).json()
    assert by_tier["items"] == []


async def test_rate_unknown_customer_is_404(client: httpx.AsyncClient) -> None:
    response = await client.post("/v1/customers/00000000-0000-0000-0000-000000000001/rate")
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"


async def test_partner_lookup_discloses_only_the_contract_fields(client: httpx.AsyncClient) -> None:
    customer = await _healthy_customer(client)
    partner = bearer("ratings:read", sub="bank-partner")
    unrated = await client.get(f"/v1/ratings/{customer['credit_code']}", headers=partner)
    assert unrated.status_code == 404
    await client.post(f"/v1/customers/{customer['id']}/rate")
    response = await client.get(f"/v1/ratings/{customer['credit_code'].lower()}", headers=partner)
    assert response.status_code == 200
    assert set(response.json()) == PARTNER_FIELDS
    assert response.json()["credit_code"] == customer["credit_code"]
    unknown = await client.get("/v1/ratings/91320621MA1MRHG205", headers=partner)
    assert unknown.status_code == 404
    no_scope = await client.get(
        f"/v1/ratings/{customer['credit_code']}", headers=bearer("customers:read")
    )
    assert no_scope.status_code == 403
    cannot_browse = await client.get("/v1/customers", headers=partner)
    assert cannot_browse.status_code == 403


async def test_rerun_rates_every_active_customer_once(
    client: httpx.AsyncClient, db: asyncpg.Connection
) -> None:
    active = [await _healthy_customer(client) for _ in range(4)]
    inactive = await _customer(client)
    gone = await client.delete(f"/v1/customers/{inactive['id']}", headers={"If-Match": '"1"'})
    assert gone.status_code == 200

    started = await client.post("/v1/ratings/rerun")
    assert started.status_code == 202
    location = started.headers["location"]
    again = await client.post("/v1/ratings/rerun")
    if again.json()["status"] in ("queued", "running"):
        assert again.headers["location"] == location  # one job at a time
    job = await _wait_for(client, location)
    assert job["status"] == "succeeded", job
    assert (job["total"], job["done"], job["failed"]) == (4, 4, 0)

    rated = await db.fetch("select customer_id, count(*) n from customer.ratings group by 1")
    by_customer = {str(r["customer_id"]): r["n"] for r in rated}
    assert set(by_customer) == {c["id"] for c in active}
    assert all(n in (1, 2) for n in by_customer.values())
    for customer in active:
        body = (await client.get(f"/v1/customers/{customer['id']}")).json()
        assert body["customer_class"] is not None
        assert body["risk_tier"] is not None
        assert body["credit_grade"] is not None
        assert body["size_class"] is not None
    untouched = (await client.get(f"/v1/customers/{inactive['id']}")).json()
    assert untouched["rated_at"] is None


async def test_rerun_of_an_empty_book_succeeds(client: httpx.AsyncClient) -> None:
    started = await client.post("/v1/ratings/rerun", json={"model_version": "v1"})
    assert started.status_code == 202
    job = await _wait_for(client, started.headers["location"])
    assert (job["status"], job["total"], job["done"]) == ("succeeded", 0, 0)
    missing = await client.get("/v1/jobs/00000000-0000-0000-0000-000000000000")
    assert missing.status_code == 404


async def test_unknown_model_version_is_refused_without_writing(
    client: httpx.AsyncClient, db: asyncpg.Connection
) -> None:
    customer = await _healthy_customer(client)
    response = await client.post(
        f"/v1/customers/{customer['id']}/rate", json={"model_version": "v999"}
    )
    # The caller's mistake, named in its body: never a 5xx, which clients retry.
    assert response.status_code == 422
    assert response.json()["errors"][0]["loc"] == ["body", "model_version"]
    assert await db.fetchval("select count(*) from customer.ratings") == 0


async def test_a_worse_tier_on_the_next_rating_is_a_tier_downgrade_signal(
    client: httpx.AsyncClient,
) -> None:
    customer = await _healthy_customer(client)
    first = (await client.post(f"/v1/customers/{customer['id']}/rate")).json()["result"]
    assert first["risk_tier"] != "high"
    signals = (await client.get("/v1/portfolio/signals", params={"kind": "tier_downgrade"})).json()
    assert signals["items"] == []
    await client.post(
        f"/v1/customers/{customer['id']}/credit-events",
        json={"source": "court", "kind": "default", "occurred_on": "2026-05-01"},
    )
    second = await client.post(f"/v1/customers/{customer['id']}/rate")
    assert second.json()["result"]["risk_tier"] == "high"
    signals = (await client.get("/v1/portfolio/signals", params={"kind": "tier_downgrade"})).json()
    assert [(s["customer_id"], s["value"], s["source_id"]) for s in signals["items"]] == [
        (customer["id"], "high", second.json()["id"])
    ]
