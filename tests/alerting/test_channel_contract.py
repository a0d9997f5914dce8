"""POST /v1/channels as the contract and the README describe it: extensions are optional."""

from __future__ import annotations

import json

import httpx
import pytest
from fastapi import FastAPI

from tests.alerting.fakes import FakeCustomerApi, group
from tests.alerting.helpers import SECRET, deliver, evaluate
from tests.support.webhooks import Receiver


async def test_the_readme_example_creates_a_channel_named_after_its_host(
    api: httpx.AsyncClient,
) -> None:
    body = {
        "url": "https://hooks.example.com/risk",
        "secret": SECRET,
        "format": "alertmanager",
        "min_severity": "warning",
    }
    response = await api.post("/v1/channels", json=body)

    assert response.status_code == 201, response.text
    channel = response.json()
    assert channel["name"] == "hooks.example.com"
    stored = (await api.get(f"/v1/channels/{channel['id']}")).json()
    assert stored["name"] == "hooks.example.com"


async def test_a_channel_without_name_or_format_notifies_under_its_host(
    api: httpx.AsyncClient,
    alerting_app: FastAPI,
    fake_customer_api: FakeCustomerApi,
    receiver: Receiver,
) -> None:
    body = {"url": "http://receiver.test/hook", "secret": SECRET, "format": "alertmanager"}
    assert (await api.post("/v1/channels", json=body)).status_code == 201
    fake_customer_api.groups["none"] = [group(coverage_ratio=0.7)]
    await evaluate(api)
    assert await deliver(alerting_app) >= 1
    assert {json.loads(r.body)["receiver"] for r in receiver.requests} == {"receiver.test"}


@pytest.mark.parametrize("name", ["", "   ", "x" * 201])
async def test_a_name_given_must_still_be_a_name(api: httpx.AsyncClient, name: str) -> None:
    body = {"name": name, "url": "http://receiver.test/hook", "secret": SECRET}
    response = await api.post("/v1/channels", json=body)
    assert response.status_code == 422, response.text
    assert response.json()["errors"][0]["loc"] == ["body", "name"]
