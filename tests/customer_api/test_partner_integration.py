"""Partners' events across a crash: customer-api as a real process, killed with SIGKILL right
after a rating committed, loses no event; the restarted process delivers it, once, with the id
it was written with."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import uuid
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest

from customer_api.migrate import SCRIPT_LOCATION
from guarantee_shared.db import migrations
from tests.customer_api.partner_steps import ADMIN, ICBC, partner_token
from tests.support.database import asyncpg_dsn, create_database, drop_database
from tests.support.factories import contract_body, customer_body, statement_body
from tests.support.processes import ROOT, ServiceProcess, free_port, running, wait_ready
from tests.support.webhooks import WebhookReceiver, until, verify

pytestmark = [pytest.mark.integration, pytest.mark.xdist_group("partner-integration")]

SECRET = "whsec_" + "cGFydG5lci1pbnRlZ3JhdGlvbi1rZXktMDEyMzQ1Ng=="


@pytest.fixture
def customer_db(pg_admin_url: str) -> Iterator[str]:
    url = create_database(pg_admin_url, prefix="it_partner")
    migrations.upgrade(SCRIPT_LOCATION, url)
    yield url
    drop_database(pg_admin_url, url)


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[ServiceProcess]:
    env = {"ENVIRONMENT": "test", "LOG_LEVEL": "WARNING"}
    with running(
        "rating_engine", port_env="RATING_ENGINE_PORT", env=env, tmp_path=tmp_path
    ) as process:
        yield process


def api_env(db: str, engine: ServiceProcess) -> dict[str, str]:
    return {
        "DATABASE_URL": db,
        "RATING_ENGINE_URL": engine.url,
        "ENVIRONMENT": "test",
        "LOG_LEVEL": "INFO",
        "WEBHOOK_ALLOW_PRIVATE": "true",
        "DELIVERY_POLL_INTERVAL_S": "0.1",
        "DELIVERY_BACKOFF_BASE_S": "0.2",
        "DELIVERY_BACKOFF_MAX_S": "0.5",
        "DELIVERY_TIMEOUT_S": "2",
    }


def sql(db: str, query: str, *args: Any) -> list[asyncpg.Record]:
    async def run() -> list[asyncpg.Record]:
        conn = await asyncpg.connect(asyncpg_dsn(db))
        try:
            return list(await conn.fetch(query, *args))
        finally:
            await conn.close()

    return asyncio.run(run())


def ok(response: httpx.Response) -> dict[str, Any]:
    assert response.is_success, f"{response.request.url}: {response.status_code} {response.text}"
    body: dict[str, Any] = response.json()
    return body


def test_killing_customer_api_after_the_rating_commits_loses_no_event(
    customer_db: str, engine: ServiceProcess, tmp_path: Path
) -> None:
    receiver = WebhookReceiver(free_port())  # not started: deliveries fail until it is
    env = api_env(customer_db, engine)
    port = free_port()
    log_path = tmp_path / "customer-api-killed.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "customer_api"],
            cwd=ROOT,
            env={**os.environ, **env, "CUSTOMER_API_PORT": str(port), "LOG_FORMAT": "json"},
            stdout=log,
            stderr=log,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_ready(url, process, path="/readyz", timeout_s=90)
        with httpx.Client(base_url=url, headers=ADMIN, timeout=30) as client:
            ok(client.post("/v1/partners", json=ICBC))
            customer = ok(client.post("/v1/customers", json=customer_body()))
            ok(
                client.post(
                    f"/v1/customers/{customer['id']}/financial-statements",
                    json=statement_body(),
                )
            )
            contract = ok(
                client.post("/v1/contracts", json=contract_body(customer["id"], lender="工商银行"))
            )
            ok(client.post(f"/v1/customers/{customer['id']}/rate"))  # before any subscription
            subscription = ok(
                client.post(
                    "/v1/partners/icbc/subscriptions",
                    json={
                        "url": f"{receiver.url}/icbc",
                        "secret": SECRET,
                        "events": ["rating.changed"],
                    },
                    headers=partner_token("icbc"),
                )
            )
            ok(
                client.post(
                    f"/v1/customers/{customer['id']}/credit-events",
                    json={"source": "court", "kind": "default", "occurred_on": "2026-05-01"},
                )
            )
            rating = ok(client.post(f"/v1/customers/{customer['id']}/rate"))
        # The 201 came after the commit: kill at once, whatever the worker was doing.
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=10)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert contract["lender"] == "工商银行"
    expected = str(uuid.uuid5(uuid.UUID(rating["id"]), subscription["id"]))
    assert [str(r["id"]) for r in sql(customer_db, "SELECT id FROM customer.outbox")] == [expected]

    receiver.start()
    try:
        with running("customer_api", port_env="CUSTOMER_API_PORT", env=env, tmp_path=tmp_path):
            until(lambda: receiver.delivered(), what="the event after the restart")
            until(
                lambda: sql(
                    customer_db, "SELECT 1 FROM customer.outbox WHERE status = 'delivered'"
                ),
                what="the delivery recorded",
            )
    finally:
        receiver.stop()

    delivered = receiver.delivered()
    assert Counter(h.headers["webhook-id"] for h in delivered) == {expected: 1}
    assert all(h.headers["webhook-id"] == expected for h in receiver.hits)
    [hit] = delivered
    assert verify(SECRET, hit.headers, hit.body)
    event = json.loads(hit.body)
    assert (event["id"], event["type"], event["subject"]) == (
        expected,
        "rating.changed",
        customer["credit_code"],
    )
    assert event["data"]["current"]["risk_tier"] == rating["result"]["risk_tier"] == "high"
