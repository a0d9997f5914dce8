"""The SSE generator: snapshot on connect, then changes after the last id; Last-Event-ID."""

from __future__ import annotations

import json

import anyio
import asyncpg
import httpx
from fastapi import FastAPI

from alerting.alerts.stream import alert_events
from tests.alerting.fakes import FakeCustomerApi, group
from tests.alerting.helpers import evaluate


async def collect(app: FastAPI, last_event_id: int | None) -> list[dict[str, object]]:
    """The events a new connection gets before the server stops it (the changes it reads are
    committed before it connects, so its first polls find them all)."""
    stopping = anyio.Event()
    events = []

    async def stop_soon() -> None:
        await anyio.sleep(0.2)
        stopping.set()

    async with anyio.create_task_group() as tasks:
        tasks.start_soon(stop_soon)
        async for sse in alert_events(
            app.state.sessionmaker,
            last_event_id=last_event_id,
            poll_interval_s=0.01,
            stopping=stopping,
        ):
            if sse.id is None:
                assert sse.retry is not None  # the opening reconnection delay
                continue
            assert sse.event == "alert"
            assert isinstance(sse.data, str)
            events.append({"id": int(sse.id), **json.loads(sse.data)})
    return events


async def test_stream_opens_with_firing_alerts_and_resumes_after_an_id(
    api: httpx.AsyncClient,
    alerting_app: FastAPI,
    fake_customer_api: FakeCustomerApi,
    adb: asyncpg.Connection,
) -> None:
    fake_customer_api.groups["none"] = [group(coverage_ratio=0.7)]
    await evaluate(api)
    opening = await collect(alerting_app, None)
    assert {e["to_state"] for e in opening} == {"firing"}
    assert len(opening) == 2

    fake_customer_api.groups["none"] = [group(coverage_ratio=1.5)]
    await evaluate(api)
    resumed = await collect(alerting_app, max(e["id"] for e in opening))
    assert [e["to_state"] for e in resumed] == ["resolved", "resolved"]
    assert all(e["transition_id"] == e["id"] for e in resumed)
    assert await collect(alerting_app, None) == []


async def test_stream_needs_a_token(api: httpx.AsyncClient) -> None:
    response = await api.get("/v1/alerts/stream", headers={"Authorization": ""})
    assert response.status_code == 401
