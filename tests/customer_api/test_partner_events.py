"""Partners' subscriptions and the rating.changed events they receive through the outbox.

The app's own delivery worker is off; each test runs the shared worker over customer-api's
tables against an in-process receiver, and moves retries forward by making them due.
"""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from collections.abc import AsyncIterator
from datetime import datetime
from typing import Any

import asyncpg
import httpx
import pytest
from fastapi import FastAPI

from customer_api.partners.events import delivery_worker
from customer_api.settings import CustomerApiSettings
from guarantee_shared.outbox.worker import DeliveryWorker
from tests.customer_api.partner_steps import (
    ADMIN,
    CCB,
    ICBC,
    finance,
    months_ago,
    partner_token,
    rated_customer,
    register,
)
from tests.support.auth import bearer
from tests.support.factories import customer_body
from tests.support.webhooks import Receiver, verify

SECRETS = {
    "icbc": "whsec_" + "aWNiYy1zaWduaW5nLWtleS0wMTIzNDU2Nzg5YWI=",
    "ccb": "whsec_" + "Y2NiLXNpZ25pbmcta2V5LTAxMjM0NTY3ODlhYmM=",
    "boc": "a-raw-secret-of-boc-0123456789",
}
BOC = {"code": "boc", "name": "中国银行", "lender_names": ["中国银行宁波分行"]}
DISCLOSED = {
    "credit_code",
    "name",
    "credit_grade",
    "risk_tier",
    "customer_class",
    "score",
    "rated_at",
    "model_version",
}


@pytest.fixture
def receiver() -> Receiver:
    return Receiver()


@pytest.fixture
async def worker(
    app: FastAPI, settings: CustomerApiSettings, receiver: Receiver
) -> AsyncIterator[DeliveryWorker]:
    tuned = settings.model_copy(update={"delivery_max_attempts": 8})
    deliverer = delivery_worker(
        app.state.sessionmaker,
        tuned,
        replica="test",
        transport=httpx.ASGITransport(app=receiver.app),
    )
    try:
        yield deliverer
    finally:
        await deliverer.aclose()


async def subscribe(
    client: httpx.AsyncClient, code: str, *, headers: dict[str, str] | None = None
) -> dict[str, Any]:
    response = await client.post(
        f"/v1/partners/{code}/subscriptions",
        json={
            "url": f"http://receiver.test/{code}",
            "secret": SECRETS[code],
            "events": ["rating.changed"],
        },
        headers=headers or partner_token(code),
    )
    assert response.status_code == 201, response.text
    subscription: dict[str, Any] = response.json()
    return subscription


async def downgrade(client: httpx.AsyncClient, customer: dict[str, Any]) -> dict[str, Any]:
    """A default on record: the next rating puts the customer in the high tier."""
    event = await client.post(
        f"/v1/customers/{customer['id']}/credit-events",
        json={"source": "court", "kind": "default", "occurred_on": "2026-05-01"},
    )
    assert event.status_code == 201, event.text
    rated = await client.post(f"/v1/customers/{customer['id']}/rate")
    assert rated.status_code == 201, rated.text
    result: dict[str, Any] = rated.json()
    assert result["result"]["risk_tier"] == "high"
    return result


async def test_a_partner_manages_its_own_subscriptions_and_an_admin_any(
    client: httpx.AsyncClient, db: asyncpg.Connection
) -> None:
    await register(client, ICBC)
    await register(client, CCB)
    created = await client.post(
        "/v1/partners/icbc/subscriptions",
        json={
            "url": "http://receiver.test/icbc",
            "secret": SECRETS["icbc"],
            "events": ["rating.changed"],
        },
        headers=partner_token("icbc"),
    )
    assert created.status_code == 201, created.text
    subscription = created.json()
    assert "secret" not in subscription
    assert (subscription["url"], subscription["events"], subscription["enabled"]) == (
        "http://receiver.test/icbc",
        ["rating.changed"],
        True,
    )
    location = created.headers["location"]
    assert location == f"/v1/partners/icbc/subscriptions/{subscription['id']}"
    assert (await client.get(location, headers=ADMIN)).json() == subscription
    listed = await client.get("/v1/partners/icbc/subscriptions", headers=partner_token("icbc"))
    assert listed.json()["items"] == [subscription]

    for headers in (
        partner_token("ccb"),  # another bank
        bearer("customers:read", "customers:write", "ratings:read"),  # staff, not admin
        partner_token("icbc", "customers:read"),  # its own, without ratings:read
    ):
        assert (await client.get(location, headers=headers)).status_code == 403
        listed = await client.get("/v1/partners/icbc/subscriptions", headers=headers)
        assert listed.status_code == 403
    # A claim naming no registered partner is 403, as everywhere; an admin gets the 404.
    ghost = await client.get("/v1/partners/hsbc/subscriptions", headers=partner_token("hsbc"))
    assert ghost.status_code == 403
    missing = await client.get("/v1/partners/hsbc/subscriptions", headers=ADMIN)
    assert missing.status_code == 404

    without = await client.delete(location, headers=partner_token("icbc"))
    assert without.status_code == 428
    deleted = await client.delete(location, headers={**partner_token("icbc"), "If-Match": '"1"'})
    assert deleted.status_code == 204
    assert (await client.get(location, headers=ADMIN)).status_code == 404
    audit = await db.fetch(
        "SELECT action, before, after FROM customer.audit_log"
        " WHERE entity_type = 'partner_subscription' ORDER BY id"
    )
    assert [row["action"] for row in audit] == ["create", "delete"]
    assert all("secret" not in (row["before"] or row["after"]) for row in audit)


@pytest.mark.parametrize(
    ("override", "loc"),
    [
        ({"url": "ftp://receiver.test/x"}, ["body", "url"]),
        ({"url": "http://user:pw@receiver.test/x"}, ["body", "url"]),
        ({"url": "http://[::1/x"}, ["body", "url"]),
        ({"secret": "short"}, ["body", "secret"]),
        ({"secret": "whsec_@@not-base64@@@@"}, ["body", "secret"]),
        ({"events": []}, ["body", "events"]),
        ({"events": ["rating.deleted"]}, ["body", "events", 0]),
        ({"format": "alertmanager"}, ["body", "format"]),
    ],
)
async def test_bad_subscriptions_are_422(
    client: httpx.AsyncClient, override: dict[str, Any], loc: list[Any]
) -> None:
    await register(client, ICBC)
    body = {
        "url": "http://receiver.test/x",
        "secret": SECRETS["icbc"],
        "events": ["rating.changed"],
    }
    response = await client.post(
        "/v1/partners/icbc/subscriptions", json={**body, **override}, headers=ADMIN
    )
    assert response.status_code == 422, response.text
    assert response.json()["errors"][0]["loc"][: len(loc)] == loc


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:9/hook",
        "http://10.1.2.3/hook",
        "http://169.254.169.254/",
        "http://[::1]/x",
    ],
)
async def test_private_targets_are_refused_unless_allowed(
    client: httpx.AsyncClient, settings: CustomerApiSettings, url: str
) -> None:
    await register(client, ICBC)
    body = {"url": url, "secret": SECRETS["icbc"], "events": ["rating.changed"]}
    settings.webhook_allow_private = False
    try:
        refused = await client.post("/v1/partners/icbc/subscriptions", json=body, headers=ADMIN)
    finally:
        settings.webhook_allow_private = True
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["type"] == "url_refused"
    allowed = await client.post("/v1/partners/icbc/subscriptions", json=body, headers=ADMIN)
    assert allowed.status_code == 201


async def test_a_downgrade_sends_one_signed_event_per_partner_that_sees_the_customer(
    client: httpx.AsyncClient,
    db: asyncpg.Connection,
    worker: DeliveryWorker,
    receiver: Receiver,
) -> None:
    for partner in (ICBC, CCB, BOC):
        await register(client, partner)
        await subscribe(client, partner["code"])
    customer = await rated_customer(client)
    before = (await client.get(f"/v1/ratings/{customer['credit_code']}")).json()
    await finance(client, customer["id"], "工商银行", active=True)  # ICBC's second name
    await finance(client, customer["id"], "中国建设银行无锡分行")  # CCB, pending
    # BOC financed it once, but more than 24 months ago: it no longer sees the customer.
    await finance(client, customer["id"], "中国银行宁波分行", released_on=months_ago(25))

    rating = await downgrade(client, customer)
    assert await worker.deliver_due() == 2
    assert await worker.deliver_due() == 0

    by_partner = {r.url.rsplit("/", 1)[1]: r for r in receiver.requests}
    assert set(by_partner) == {"icbc", "ccb"}
    ids = set()
    for code, request in by_partner.items():
        assert verify(SECRETS[code], request.headers, request.body)
        assert abs(int(request.headers["webhook-timestamp"]) - time.time()) < 300
        assert request.headers["content-type"].startswith("application/cloudevents+json")
        event = json.loads(request.body)
        assert event["id"] == request.headers["webhook-id"]
        ids.add(event["id"])
        assert (event["specversion"], event["type"], event["subject"]) == (
            "1.0",
            "rating.changed",
            customer["credit_code"],
        )
        assert event["source"] == "/v1/ratings"
        assert datetime.fromisoformat(event["time"]) == datetime.fromisoformat(rating["rated_at"])
        data = event["data"]
        assert data["partner"] == code
        assert set(data["previous"]) == set(data["current"]) == DISCLOSED
        assert data["previous"] == before
        assert (
            data["current"] == (await client.get(f"/v1/ratings/{customer['credit_code']}")).json()
        )
        assert data["current"]["risk_tier"] == "high"
        assert "risk_tier" in data["changed"]
    assert len(ids) == 2
    rows = await db.fetch("SELECT id, status, rating_id FROM customer.outbox")
    assert {str(r["id"]) for r in rows} == ids
    assert {(r["status"], str(r["rating_id"])) for r in rows} == {("delivered", rating["id"])}

    # The same grade, tier and class again: nothing to announce.
    again = await client.post(f"/v1/customers/{customer['id']}/rate")
    assert again.json()["result"]["risk_tier"] == "high"
    assert await db.fetchval("SELECT count(*) FROM customer.outbox") == 2


async def test_a_first_rating_is_announced_with_no_previous_rating(
    client: httpx.AsyncClient, db: asyncpg.Connection
) -> None:
    await register(client, ICBC)
    await subscribe(client, "icbc")
    created = await client.post("/v1/customers", json=customer_body())
    assert created.status_code == 201, created.text
    customer = created.json()
    await finance(client, customer["id"], "中国工商银行苏州分行")
    assert await db.fetchval("SELECT count(*) FROM customer.outbox") == 0
    rated = await client.post(f"/v1/customers/{customer['id']}/rate")
    assert rated.status_code == 201, rated.text
    [body] = await db.fetch("SELECT body FROM customer.outbox")
    data = json.loads(body["body"])["data"]
    assert data["previous"] is None
    assert data["changed"] == ["credit_grade", "risk_tier", "customer_class"]
    assert data["current"]["credit_code"] == customer["credit_code"]


async def test_the_rerun_job_announces_the_changes_it_makes(
    client: httpx.AsyncClient, db: asyncpg.Connection
) -> None:
    await register(client, ICBC)
    await subscribe(client, "icbc")
    changing = await rated_customer(client)
    steady = await rated_customer(client)
    for customer in (changing, steady):
        await finance(client, customer["id"], "工商银行", active=True)
    await client.post(
        f"/v1/customers/{changing['id']}/credit-events",
        json={"source": "court", "kind": "default", "occurred_on": "2026-05-01"},
    )
    job = (await client.post("/v1/ratings/rerun")).json()
    for _ in range(600):
        job = (await client.get(f"/v1/jobs/{job['id']}")).json()
        if job["status"] not in ("queued", "running"):
            break
        await asyncio.sleep(0.05)
    assert job["status"] == "succeeded", job
    rows = await db.fetch("SELECT body FROM customer.outbox")
    assert [json.loads(r["body"])["subject"] for r in rows] == [changing["credit_code"]]


async def test_a_receiver_that_fails_for_a_while_gets_each_event_once_after_it_recovers(
    client: httpx.AsyncClient,
    db: asyncpg.Connection,
    worker: DeliveryWorker,
    receiver: Receiver,
) -> None:
    await register(client, ICBC)
    await register(client, CCB)
    await subscribe(client, "icbc")
    await subscribe(client, "ccb")
    customer = await rated_customer(client)
    await finance(client, customer["id"], "中国工商银行苏州分行", active=True)
    await finance(client, customer["id"], "中国建设银行无锡分行", active=True)
    await downgrade(client, customer)
    receiver.statuses[:] = [500, 503, 500, 502, 504, 500]  # six failures, then it recovers

    rounds = 0
    while await db.fetchval("SELECT count(*) FROM customer.outbox WHERE status = 'pending'"):
        rounds += 1
        assert rounds <= 10, "the events were never delivered"
        await worker.deliver_due()
        await db.execute("UPDATE customer.outbox SET next_attempt_at = now()")
    assert await worker.deliver_due() == 0

    answered = list(zip(receiver.requests, [500, 503, 500, 502, 504, 500] + [200] * 2, strict=True))
    delivered = [r for r, status in answered if status == 200]
    assert sorted(r.url for r in delivered) == [
        "http://receiver.test/ccb",
        "http://receiver.test/icbc",
    ]
    ids = {r.headers["webhook-id"] for r, _ in answered}
    assert ids == {r.headers["webhook-id"] for r in delivered}  # every attempt, the same two ids
    for request, _ in answered:
        first = next(
            r for r in delivered if r.headers["webhook-id"] == request.headers["webhook-id"]
        )
        assert request.body == first.body
    page = await client.get("/v1/partners/icbc/deliveries", headers=partner_token("icbc"))
    [delivery] = page.json()["items"]
    assert delivery["status"] == "delivered"
    assert delivery["attempts"] >= 2
    assert delivery["id"] == next(
        r.headers["webhook-id"] for r in delivered if r.url.endswith("/icbc")
    )
    attempts = await db.fetch(
        "SELECT status_code FROM customer.delivery_attempts WHERE outbox_id = $1 ORDER BY id",
        uuid.UUID(delivery["id"]),
    )
    assert [a["status_code"] for a in attempts][-1] == 200
    assert len(attempts) == delivery["attempts"]


async def test_410_gone_disables_the_subscription(
    client: httpx.AsyncClient,
    db: asyncpg.Connection,
    worker: DeliveryWorker,
    receiver: Receiver,
) -> None:
    await register(client, ICBC)
    subscription = await subscribe(client, "icbc")
    customer = await rated_customer(client)
    await finance(client, customer["id"], "工商银行", active=True)
    receiver.statuses[:] = [410]
    await downgrade(client, customer)
    assert await worker.deliver_due() == 1
    after = await client.get(f"/v1/partners/icbc/subscriptions/{subscription['id']}", headers=ADMIN)
    assert after.json()["enabled"] is False
    assert "410" in after.json()["disabled_reason"]
    assert after.headers["etag"] == '"2"'
    assert await db.fetchval("SELECT status FROM customer.outbox") == "dead"
    # A later change (here a first rating, always announced) is not written for it.
    other = await client.post("/v1/customers", json=customer_body())
    await finance(client, other.json()["id"], "工商银行")
    assert (await client.post(f"/v1/customers/{other.json()['id']}/rate")).status_code == 201
    assert await db.fetchval("SELECT count(*) FROM customer.outbox") == 1
