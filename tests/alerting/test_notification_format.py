"""What a notification says about itself: its media type, and where its links point."""

from __future__ import annotations

import json

import httpx
import pytest
from fastapi import FastAPI

from tests.alerting.fakes import FakeCustomerApi, group
from tests.alerting.helpers import add_channel, deliver, evaluate
from tests.support.webhooks import Receiver


async def _fire(api: httpx.AsyncClient, fake: FakeCustomerApi, app: FastAPI) -> None:
    fake.groups["none"] = [group(coverage_ratio=0.7)]
    await evaluate(api)
    assert await deliver(app) >= 1


@pytest.mark.parametrize(
    ("fmt", "media_type"),
    [("cloudevents", "application/cloudevents+json"), ("alertmanager", "application/json")],
)
async def test_each_format_is_sent_with_its_media_type(
    api: httpx.AsyncClient,
    alerting_app: FastAPI,
    fake_customer_api: FakeCustomerApi,
    receiver: Receiver,
    fmt: str,
    media_type: str,
) -> None:
    await add_channel(api, format=fmt, min_severity="critical")
    await _fire(api, fake_customer_api, alerting_app)

    [request] = receiver.requests
    essence, _, parameters = request.headers["content-type"].partition(";")
    assert essence.strip() == media_type
    assert parameters.strip().lower() in ("", "charset=utf-8")
    body = json.loads(request.body.decode("utf-8"))
    if fmt == "cloudevents":
        # Structured mode: the media type names the format; the event types stay the contract's.
        assert (body["specversion"], body["type"]) == ("1.0", "alert.firing")
        assert body["datacontenttype"] == "application/json"
