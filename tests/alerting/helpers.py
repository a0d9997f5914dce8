"""Small steps the alerting tests share."""

from __future__ import annotations

from typing import Any

import httpx
from fastapi import FastAPI

from alerting.outbox import DeliveryWorker

SECRET = "whsec_" + "c2VjcmV0LXNpZ25pbmcta2V5LTAxMjM0NTY3ODk="


async def evaluate(api: httpx.AsyncClient) -> dict[str, Any]:
    response = await api.post("/v1/evaluate")
    assert response.status_code == 200, response.text
    summary: dict[str, Any] = response.json()
    return summary


async def alerts(api: httpx.AsyncClient, **params: str) -> list[dict[str, Any]]:
    response = await api.get("/v1/alerts", params={"limit": 500, **params})
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


def by_rule(items: list[dict[str, Any]], rules: dict[str, str]) -> dict[str, dict[str, Any]]:
    """Alerts keyed by their rule's name (``rules``: id -> name)."""
    return {f"{rules[a['rule_id']]}|{a['subject']}": a for a in items}


async def rule_names(api: httpx.AsyncClient) -> dict[str, str]:
    names: dict[str, str] = {}
    cursor = None
    while True:
        params: dict[str, Any] = {"limit": 500}
        if cursor:
            params["cursor"] = cursor
        page = (await api.get("/v1/rules", params=params)).json()
        names.update({r["id"]: r["name"] for r in page["items"]})
        cursor = page["next_cursor"]
        if cursor is None:
            return names


async def add_channel(api: httpx.AsyncClient, **overrides: Any) -> dict[str, Any]:
    body = {
        "name": "ops",
        "url": "http://receiver.test/hook",
        "secret": SECRET,
        "format": "cloudevents",
        "min_severity": "info",
    }
    body.update(overrides)
    response = await api.post("/v1/channels", json=body)
    assert response.status_code == 201, response.text
    channel: dict[str, Any] = response.json()
    return channel


async def deliver(app: FastAPI) -> int:
    worker: DeliveryWorker = app.state.delivery_worker
    return await worker.deliver_due()
