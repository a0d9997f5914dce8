"""The SSE generator: snapshot on connect, then changes after the last id; Last-Event-ID."""

from __future__ import annotations

import json

import asyncpg
import httpx
from fastapi import FastAPI

from alerting.alerts.stream import alert_events
from tests.alerting.fakes import FakeCustomerApi, group
from tests.alerting.helpers import evaluate


async def collect(app: FastAPI, last_event_id: int | None, polls: int) -> list[dict[str, object]]:
    remaining = polls

    async def disconnected() -> bool:
        nonlocal remaining
        remaining -= 1
        return remaining < 0

    events = []
    async for chunk in alert_events(
        app.state.sessionmaker,
        last_event_id=last_event_id,
        poll_interval_s=0.01,
        disconnected=disconnected,
    ):
        text = chunk.decode()
        if text.startswith("id: "):
            lines = dict(line.split(": ", 1) for line in text.strip().splitlines())
            assert lines["event"] == "alert"
            events.append({"id": int(lines["id"]), **json.loads(lines["data"])})
    return events


async def test_stream_opens_with_firing_alerts_and_resumes_after_an_id(
    api: httpx.AsyncClient,
    alerting_app: FastAPI,
    fake_customer_api: FakeCustomerApi,
    adb: asyncpg.Connection,
) -> None:
    fake_customer_api.groups["none"] = [group(coverage_ratio=0.7)]
    await evaluate(api)
    opening = await collect(alerting_app, None, polls=1)
    assert {e["to_state"] for e in opening} == {"firing"}
    assert len(opening) == 2

    fake_customer_api.groups["none"] = [group(coverage_ratio=1.5)]
    await evaluate(api)
    resumed = await collect(alerting_app, max(e["id"] for e in opening), polls=1)
    assert [e["to_state"] for e in resumed] == ["resolved", "resolved"]
    assert all(e["transition_id"] == e["id"] for e in resumed)
    assert await collect(alerting_app, None, polls=1) == []


async def test_stream_needs_a_token(api: httpx.AsyncClient) -> None:
    response = await api.get("/v1/alerts/stream", headers={"Authorization": ""})
    assert response.status_code == 401
