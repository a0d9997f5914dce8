"""alerting as real processes against a real customer-api and a real webhook receiver.

Each test gets fresh databases: customer-api's, populated through its HTTP API, and alerting's,
migrated as in production. Poll intervals are short so that each test takes seconds.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import timedelta
from itertools import pairwise
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest

from alerting.migrate import SCRIPT_LOCATION as ALERTING_MIGRATIONS
from customer_api.migrate import SCRIPT_LOCATION as CUSTOMER_MIGRATIONS
from guarantee_shared.clock import business_today
from guarantee_shared.db import migrations
from tests.alerting.test_delivery import AM_ALERT_KEYS, AM_KEYS
from tests.support.auth import bearer
from tests.support.database import asyncpg_dsn, create_database, drop_database
from tests.support.factories import contract_body, customer_body
from tests.support.processes import ROOT, ServiceProcess, free_port, running, wait_ready
from tests.support.webhooks import WebhookReceiver, until, verify

pytestmark = [pytest.mark.integration, pytest.mark.xdist_group("alerting-integration")]

SECRET = "whsec_" + "aW50ZWdyYXRpb24tc2lnbmluZy1rZXktMDEyMzQ1Njc="
ADMIN = bearer("admin")
INTERVAL_S = 0.3


@dataclass
class Book:
    customer_api: ServiceProcess
    contract_id: str
    customer_id: str

    def event(self, kind: str, amount: str | None, on: str) -> None:
        body: dict[str, Any] = {"type": kind, "occurred_on": on}
        if amount is not None:
            body["amount"] = amount
        response = httpx.post(
            f"{self.customer_api.url}/v1/contracts/{self.contract_id}/events",
            json=body,
            headers=ADMIN,
        )
        assert response.status_code in (200, 201), response.text


@pytest.fixture
def book(pg_admin_url: str, tmp_path: Path) -> Iterator[Book]:
    """customer-api with one customer, one active contract covered by collateral."""
    url = create_database(pg_admin_url, prefix="it_customer")
    migrations.upgrade(CUSTOMER_MIGRATIONS, url)
    env = {"DATABASE_URL": url, "ENVIRONMENT": "test", "LOG_LEVEL": "WARNING"}
    try:
        with running(
            "customer_api", port_env="CUSTOMER_API_PORT", env=env, tmp_path=tmp_path
        ) as api:
            with httpx.Client(base_url=api.url, headers=ADMIN) as client:
                customer = client.post("/v1/customers", json=customer_body())
                assert customer.status_code == 201, customer.text
                customer_id = customer.json()["id"]
                contract = client.post("/v1/contracts", json=contract_body(customer_id))
                assert contract.status_code == 201, contract.text
                contract_id = contract.json()["id"]
                collateral = client.post(
                    f"/v1/contracts/{contract_id}/collaterals",
                    json={"kind": "deposit", "appraised_value": "3000000.00"},
                )
                assert collateral.status_code == 201, collateral.text
            book = Book(api, contract_id, customer_id)
            book.event("activate", "1000000.00", "2026-01-15")
            yield book
    finally:
        drop_database(pg_admin_url, url)


@pytest.fixture
def alerting_db(pg_admin_url: str) -> Iterator[str]:
    url = create_database(pg_admin_url, prefix="it_alerting")
    migrations.upgrade(ALERTING_MIGRATIONS, url)
    yield url
    drop_database(pg_admin_url, url)


def alerting_env(db: str, book: Book, **extra: str) -> dict[str, str]:
    return {
        "DATABASE_URL": db,
        "CUSTOMER_API_URL": book.customer_api.url,
        "ENVIRONMENT": "test",
        "WEBHOOK_ALLOW_PRIVATE": "true",
        "ALERT_POLL_INTERVAL_S": str(INTERVAL_S),
        "DELIVERY_POLL_INTERVAL_S": "0.1",
        "DELIVERY_BACKOFF_BASE_S": "0.2",
        "DELIVERY_BACKOFF_MAX_S": "0.5",
        "DELIVERY_TIMEOUT_S": "2",
        "LOG_LEVEL": "INFO",
        **extra,
    }


def sql(db: str, query: str, *args: Any) -> list[asyncpg.Record]:
    async def run() -> list[asyncpg.Record]:
        conn = await asyncpg.connect(asyncpg_dsn(db))
        try:
            return list(await conn.fetch(query, *args))
        finally:
            await conn.close()

    return asyncio.run(run())


def add_channel(alerting_url: str, receiver: WebhookReceiver, path: str, fmt: str) -> str:
    response = httpx.post(
        f"{alerting_url}/v1/channels",
        json={
            "name": path.strip("/"),
            "url": receiver.url + path,
            "secret": SECRET,
            "format": fmt,
            "min_severity": "critical",
        },
        headers=ADMIN,
    )
    assert response.status_code == 201, response.text
    channel_id: str = response.json()["id"]
    return channel_id


def firing_names(db: str) -> set[str]:
    rows = sql(
        db,
        "SELECT r.name, a.subject FROM alerting.alerts a JOIN alerting.rules r ON r.id = a.rule_id"
        " WHERE a.state = 'firing'",
    )
    return {f"{r['name']}|{r['subject']}" for r in rows}


def cycles(db: str) -> int:
    return int(sql(db, "SELECT count(*) AS n FROM alerting.evaluation_cycles")[0]["n"])


def test_breach_fires_once_then_recovery_resolves_and_notifies(
    book: Book, alerting_db: str, tmp_path: Path
) -> None:
    receiver = WebhookReceiver(free_port())
    receiver.start()
    receiver.statuses[:] = [500]  # the first delivery fails and is retried
    env = alerting_env(alerting_db, book)
    try:
        with running("alerting", port_env="ALERTING_PORT", env=env, tmp_path=tmp_path) as alerting:
            add_channel(alerting.url, receiver, "/ce", "cloudevents")
            add_channel(alerting.url, receiver, "/am", "alertmanager")
            until(lambda: cycles(alerting_db) >= 2, what="two healthy cycles")
            assert "overdue_rate portfolio critical|portfolio" not in firing_names(alerting_db)

            book.event("overdue", "400000.00", "2026-03-02")
            expected = {
                "overdue_rate portfolio critical|portfolio",
                f"customer contract overdue 90 days|customer={book.customer_id}",
            }
            until(lambda: expected <= firing_names(alerting_db), what="the breach to fire")
            until(lambda: len(receiver.delivered()) >= 4, what="four firing notifications")
            start = cycles(alerting_db)
            until(lambda: cycles(alerting_db) >= start + 5, what="five more cycles")
            firing_hits = receiver.delivered()
            assert len(firing_hits) == 4  # 2 critical alerts x 2 channels, nothing new since

            book.event("cure", None, "2026-11-01")
            until(lambda: not (expected & firing_names(alerting_db)), what="recovery")
            until(lambda: len(receiver.delivered()) >= 8, what="resolved notifications")
            stream = read_stream(alerting.url, last_event_id=0, events=6)
    finally:
        receiver.stop()

    delivered = receiver.delivered()
    assert len(delivered) == 8
    ids = Counter(h.headers["webhook-id"] for h in delivered)
    assert set(ids.values()) == {1}  # once per id, the 500 included
    assert all(verify(SECRET, h.headers, h.body) for h in receiver.hits)
    failed = [h for h in receiver.hits if h.answered == 500]
    assert len(failed) == 1
    assert ids[failed[0].headers["webhook-id"]] == 1

    cloud = [json.loads(h.body) for h in receiver.delivered("/ce")]
    assert sorted(e["type"] for e in cloud) == ["alert.firing"] * 2 + ["alert.resolved"] * 2
    am = [json.loads(h.body) for h in receiver.delivered("/am")]
    for body in am:
        assert set(body) == AM_KEYS
        assert body["version"] == "4"
        assert set(body["alerts"][0]) == AM_ALERT_KEYS
    assert sorted(b["status"] for b in am) == ["firing", "firing", "resolved", "resolved"]
    assert {e["to_state"] for e in stream} >= {"firing", "resolved"}


def read_stream(url: str, *, last_event_id: int, events: int) -> list[dict[str, Any]]:
    seen: list[dict[str, Any]] = []
    headers = {**bearer("alerts:read"), "Last-Event-ID": str(last_event_id)}
    with httpx.stream("GET", f"{url}/v1/alerts/stream", headers=headers, timeout=10) as response:
        assert response.headers["content-type"].startswith("text/event-stream")
        for line in response.iter_lines():
            if line.startswith("data: "):
                seen.append(json.loads(line[6:]))
                if len(seen) >= events:
                    break
    return seen


def test_sigterm_ends_open_streams_and_the_process_exits(
    book: Book, alerting_db: str, tmp_path: Path
) -> None:
    env = alerting_env(alerting_db, book)
    with running("alerting", port_env="ALERTING_PORT", env=env, tmp_path=tmp_path) as alerting:
        url, headers = f"{alerting.url}/v1/alerts/stream", bearer("alerts:read")
        with httpx.stream("GET", url, headers=headers, timeout=10) as response:
            lines = response.iter_lines()
            assert next(lines) == "retry: 2000"
            alerting.process.send_signal(signal.SIGTERM)
            # The server ends the stream itself; a stream left open would time the read out.
            rest = list(lines)
        # uvicorn exits by re-raising the signal it handled, after a clean shutdown.
        assert alerting.process.wait(timeout=10) in (0, -signal.SIGTERM), alerting.logs()
        assert "Application shutdown complete" in alerting.logs()
    assert all(line == "" or line.startswith(("data:", "id:", "event:")) for line in rest)


def test_two_replicas_evaluate_once_per_cycle_and_deliver_once(
    book: Book, alerting_db: str, tmp_path: Path
) -> None:
    receiver = WebhookReceiver(free_port())
    receiver.start()
    env = alerting_env(alerting_db, book)
    try:
        with ExitStack() as stack:
            first = stack.enter_context(
                running("alerting", port_env="ALERTING_PORT", env=env, tmp_path=tmp_path)
            )
            stack.enter_context(
                running("alerting", port_env="ALERTING_PORT", env=env, tmp_path=tmp_path)
            )
            add_channel(first.url, receiver, "/ce", "cloudevents")
            add_channel(first.url, receiver, "/am", "alertmanager")
            until(lambda: cycles(alerting_db) >= 3, what="cycles")
            book.event("overdue", "400000.00", "2026-03-02")
            until(lambda: len(receiver.delivered()) >= 4, what="firing notifications")
            start = cycles(alerting_db)
            until(lambda: cycles(alerting_db) >= start + 8, what="eight more cycles")
            rows = sql(
                alerting_db,
                "SELECT started_at, replica FROM alerting.evaluation_cycles ORDER BY started_at",
            )
    finally:
        receiver.stop()
    gaps = [(b["started_at"] - a["started_at"]).total_seconds() for a, b in pairwise(rows)]
    assert min(gaps) >= INTERVAL_S * 0.9 - 0.01, gaps
    delivered = receiver.delivered()
    assert len(delivered) == 4
    assert len({h.headers["webhook-id"] for h in delivered}) == 4


def test_kill_9_between_commit_and_delivery_still_notifies_with_the_same_id(
    book: Book, alerting_db: str, tmp_path: Path
) -> None:
    receiver = WebhookReceiver(free_port())  # not started: deliveries fail until it is
    env = alerting_env(alerting_db, book)
    port = free_port()
    log_path = tmp_path / "alerting-killed.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "alerting"],
            cwd=ROOT,
            env={**os.environ, **env, "ALERTING_PORT": str(port), "LOG_FORMAT": "json"},
            stdout=log,
            stderr=log,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_ready(url, process, path="/readyz", timeout_s=30)
        add_channel(url, receiver, "/ce", "cloudevents")
        book.event("overdue", "400000.00", "2026-03-02")
        pending = until(
            lambda: sql(alerting_db, "SELECT id FROM alerting.outbox WHERE attempts >= 1"),
            what="a committed notification whose delivery failed",
        )
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=10)
    finally:
        if process.poll() is None:
            process.kill()
    ids = {str(r["id"]) for r in pending}
    assert all(
        r["status"] == "pending" for r in sql(alerting_db, "SELECT status FROM alerting.outbox")
    )
    receiver.start()
    try:
        with running("alerting", port_env="ALERTING_PORT", env=env, tmp_path=tmp_path):
            until(lambda: len(receiver.delivered()) >= len(ids), what="delivery after restart")
    finally:
        receiver.stop()
    assert {h.headers["webhook-id"] for h in receiver.delivered()} >= ids


def test_a_customer_in_a_prohibited_industry_fires_the_default_rule_until_lifted(
    book: Book, alerting_db: str, tmp_path: Path
) -> None:
    with running(
        "alerting", port_env="ALERTING_PORT", env=alerting_env(alerting_db, book), tmp_path=tmp_path
    ) as alerting:
        assert alerting.url
        until(lambda: cycles(alerting_db) >= 1, what="a healthy cycle")
        # The book's customer is in C3411; its division goes on the list as prohibited.
        created = httpx.post(
            f"{book.customer_api.url}/v1/industry-watch",
            json={"industry_prefix": "C34", "level": "prohibited", "reason": "产能过剩"},
            headers=ADMIN,
        )
        assert created.status_code == 201, created.text
        expected = f"customer in a prohibited industry|customer={book.customer_id}"
        until(lambda: expected in firing_names(alerting_db), what="the watch-list rule to fire")
        assert f"customer in a watched industry|customer={book.customer_id}" not in firing_names(
            alerting_db
        )

        lifted = httpx.delete(
            f"{book.customer_api.url}/v1/industry-watch/{created.json()['id']}",
            headers={**ADMIN, "If-Match": '"1"'},
        )
        assert lifted.status_code == 204, lifted.text
        until(lambda: expected not in firing_names(alerting_db), what="the alert to resolve")


def test_a_finding_left_open_past_its_due_date_fires_the_default_rule_until_resolved(
    book: Book, alerting_db: str, tmp_path: Path
) -> None:
    with running(
        "alerting", port_env="ALERTING_PORT", env=alerting_env(alerting_db, book), tmp_path=tmp_path
    ) as alerting:
        assert alerting.url
        until(lambda: cycles(alerting_db) >= 1, what="a healthy cycle")
        due = (business_today() - timedelta(days=2)).isoformat()
        finding = httpx.post(
            f"{book.customer_api.url}/v1/customers/{book.customer_id}/findings",
            json={"severity": "high", "description": "反担保登记未办", "due_on": due},
            headers=ADMIN,
        )
        assert finding.status_code == 201, finding.text
        expected = f"customer finding overdue|customer={book.customer_id}"
        until(lambda: expected in firing_names(alerting_db), what="the finding rule to fire")

        resolved = httpx.post(
            f"{book.customer_api.url}/v1/findings/{finding.json()['id']}/events",
            json={"type": "resolve", "note": "抵押登记已办妥"},
            headers=ADMIN,
        )
        assert resolved.status_code == 200, resolved.text
        until(lambda: expected not in firing_names(alerting_db), what="the alert to resolve")
