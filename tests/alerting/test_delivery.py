"""Notifications through the outbox: signatures, both body formats, retries, 410, silences."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
import httpx
import pytest
from fastapi import FastAPI

from alerting.settings import AlertingSettings
from tests.alerting.fakes import FakeCustomerApi, group
from tests.alerting.helpers import SECRET, add_channel, deliver, evaluate
from tests.support.webhooks import Receiver, verify

# The Alertmanager webhook message, version 4 (notify/webhook Message + template.Data).
AM_KEYS = {
    "version", "groupKey", "truncatedAlerts", "status", "receiver", "groupLabels",
    "commonLabels", "commonAnnotations", "externalURL", "alerts",
}  # fmt: skip
AM_ALERT_KEYS = {
    "status", "labels", "annotations", "startsAt", "endsAt", "generatorURL", "fingerprint"
}  # fmt: skip


async def fire_coverage(api: httpx.AsyncClient, fake: FakeCustomerApi, ratio: float) -> None:
    fake.groups["none"] = [group(coverage_ratio=ratio)]
    await evaluate(api)


async def test_firing_and_resolved_are_signed_cloudevents(
    api: httpx.AsyncClient,
    alerting_app: FastAPI,
    fake_customer_api: FakeCustomerApi,
    receiver: Receiver,
) -> None:
    await add_channel(api, min_severity="critical")
    await fire_coverage(api, fake_customer_api, 0.7)
    await fire_coverage(api, fake_customer_api, 0.7)  # still firing: nothing new
    assert await deliver(alerting_app) == 1
    [firing] = receiver.requests
    assert verify(SECRET, firing.headers, firing.body)
    assert abs(int(firing.headers["webhook-timestamp"]) - datetime.now(UTC).timestamp()) < 60
    event = json.loads(firing.body)
    assert event["specversion"] == "1.0"
    assert event["type"] == "alert.firing"
    assert event["id"] == firing.headers["webhook-id"]
    assert event["datacontenttype"] == "application/json"
    assert datetime.fromisoformat(event["time"]).tzinfo is not None
    assert event["data"]["severity"] == "critical"
    assert event["data"]["value"] == "0.7"

    await fire_coverage(api, fake_customer_api, 1.4)
    assert await deliver(alerting_app) == 1
    resolved = json.loads(receiver.requests[1].body)
    assert resolved["type"] == "alert.resolved"
    assert resolved["data"]["alert_id"] == event["data"]["alert_id"]
    assert resolved["id"] != event["id"]


async def test_alertmanager_body_has_the_v4_shape(
    api: httpx.AsyncClient,
    alerting_app: FastAPI,
    fake_customer_api: FakeCustomerApi,
    receiver: Receiver,
) -> None:
    await add_channel(api, name="am", format="alertmanager", min_severity="critical")
    await fire_coverage(api, fake_customer_api, 0.7)
    await fire_coverage(api, fake_customer_api, 1.4)
    assert await deliver(alerting_app) == 2
    bodies = [json.loads(r.body) for r in receiver.requests]
    for body, status in zip(bodies, ("firing", "resolved"), strict=True):
        assert set(body) == AM_KEYS
        assert (body["version"], body["status"], body["receiver"]) == ("4", status, "am")
        assert body["truncatedAlerts"] == 0
        assert isinstance(body["groupKey"], str)
        assert body["groupKey"].startswith("{}:{")
        [alert] = body["alerts"]
        assert set(alert) == AM_ALERT_KEYS
        assert alert["status"] == status
        assert alert["labels"]["alertname"] == "coverage_ratio portfolio critical"
        assert alert["labels"]["severity"] == "critical"
        assert all(isinstance(v, str) for v in alert["labels"].values())
        assert all(isinstance(v, str) for v in alert["annotations"].values())
        assert datetime.fromisoformat(alert["startsAt"]).year == datetime.now(UTC).year
        assert body["commonLabels"] == alert["labels"]
    assert bodies[0]["alerts"][0]["endsAt"] == "0001-01-01T00:00:00Z"
    assert datetime.fromisoformat(bodies[1]["alerts"][0]["endsAt"]).year > 1
    assert bodies[0]["alerts"][0]["fingerprint"] == bodies[1]["alerts"][0]["fingerprint"]


async def test_500_then_200_delivers_once_with_the_same_id(
    api: httpx.AsyncClient,
    alerting_app: FastAPI,
    fake_customer_api: FakeCustomerApi,
    receiver: Receiver,
    adb: asyncpg.Connection,
) -> None:
    await add_channel(api, min_severity="critical")
    receiver.statuses[:] = [500]
    await fire_coverage(api, fake_customer_api, 0.7)
    assert await deliver(alerting_app) == 1
    [delivery] = (await api.get("/v1/deliveries")).json()["items"]
    assert (delivery["status"], delivery["attempts"], delivery["last_error"]) == (
        "pending",
        1,
        "HTTP 500",
    )
    await adb.execute("UPDATE alerting.outbox SET next_attempt_at = now()")
    assert await deliver(alerting_app) == 1
    assert await deliver(alerting_app) == 0
    ids = [r.headers["webhook-id"] for r in receiver.requests]
    assert ids == [delivery["id"], delivery["id"]]
    assert receiver.requests[0].body == receiver.requests[1].body
    detail = (await api.get(f"/v1/deliveries/{delivery['id']}")).json()
    assert (detail["status"], detail["attempts"]) == ("delivered", 2)
    assert [a["status_code"] for a in detail["attempt_log"]] == [500, 200]


async def test_gone_disables_the_channel(
    api: httpx.AsyncClient,
    alerting_app: FastAPI,
    fake_customer_api: FakeCustomerApi,
    receiver: Receiver,
) -> None:
    channel = await add_channel(api, min_severity="critical")
    receiver.statuses[:] = [410]
    await fire_coverage(api, fake_customer_api, 0.7)
    await deliver(alerting_app)
    after = (await api.get(f"/v1/channels/{channel['id']}")).json()
    assert after["enabled"] is False
    assert "410" in after["disabled_reason"]
    assert (await api.get("/v1/deliveries")).json()["items"][0]["status"] == "dead"
    await fire_coverage(api, fake_customer_api, 1.4)  # resolved: no message to a disabled channel
    assert (await api.get("/v1/deliveries", params={"status": "pending"})).json()["items"] == []


async def test_dead_after_max_attempts(
    api: httpx.AsyncClient,
    alerting_app: FastAPI,
    alerting_settings: AlertingSettings,
    fake_customer_api: FakeCustomerApi,
    receiver: Receiver,
    adb: asyncpg.Connection,
) -> None:
    await add_channel(api, min_severity="critical")
    receiver.statuses[:] = [503] * 10
    await fire_coverage(api, fake_customer_api, 0.7)
    for _ in range(alerting_settings.delivery_max_attempts):
        await adb.execute("UPDATE alerting.outbox SET next_attempt_at = now()")
        await deliver(alerting_app)
    [delivery] = (await api.get("/v1/deliveries")).json()["items"]
    assert (delivery["status"], delivery["attempts"]) == (
        "dead",
        alerting_settings.delivery_max_attempts,
    )
    assert len(receiver.requests) == alerting_settings.delivery_max_attempts


async def test_silenced_alerts_change_state_without_notifying(
    api: httpx.AsyncClient, fake_customer_api: FakeCustomerApi, adb: asyncpg.Connection
) -> None:
    await add_channel(api)
    silence = await api.post(
        "/v1/silences",
        json={
            "matchers": [{"name": "indicator", "value": "coverage_ratio"}],
            "ends_at": (datetime.now(UTC) + timedelta(hours=1)).isoformat(),
            "comment": "collateral revaluation in progress",
        },
    )
    assert silence.status_code == 201, silence.text
    assert silence.json()["active"] is True
    await fire_coverage(api, fake_customer_api, 0.7)
    assert await adb.fetchval("SELECT count(*) FROM alerting.alerts WHERE state = 'firing'") == 2
    assert await adb.fetchval("SELECT count(*) FROM alerting.outbox") == 0
    assert await adb.fetchval("SELECT bool_and(suppressed) FROM alerting.alert_transitions") is True
    deleted = await api.delete(
        f"/v1/silences/{silence.json()['id']}", headers={"If-Match": silence.headers["etag"]}
    )
    assert deleted.status_code == 204
    await fire_coverage(api, fake_customer_api, 1.4)
    assert await adb.fetchval("SELECT count(*) FROM alerting.outbox WHERE kind = 'resolved'") == 2


async def test_channels_hide_secrets_and_refuse_bad_input(api: httpx.AsyncClient) -> None:
    channel = await add_channel(api)
    assert "secret" not in channel
    listed = (await api.get("/v1/channels")).json()["items"]
    assert all("secret" not in c for c in listed)
    bad = [
        ({"url": "ftp://x.example/"}, ["body", "url"]),
        ({"url": "http://user:pw@x.example/"}, ["body", "url"]),
        ({"secret": "short"}, ["body", "secret"]),
        ({"secret": "whsec_@@not-base64@@@@"}, ["body", "secret"]),
        ({"format": "xml"}, ["body", "format"]),
    ]
    for override, loc in bad:
        response = await api.post("/v1/channels", json={**_channel(), **override})
        assert response.status_code == 422, (override, response.text)
        assert response.json()["errors"][0]["loc"][:2] == loc


@pytest.mark.parametrize(
    "url",
    ["http://127.0.0.1:9/hook", "http://10.1.2.3/hook", "http://[::1]/x", "http://169.254.169.254/",
     "http://localhost:8080/hook"],
)  # fmt: skip
async def test_private_targets_are_refused_unless_allowed(
    api: httpx.AsyncClient, alerting_settings: AlertingSettings, url: str
) -> None:
    alerting_settings.webhook_allow_private = False
    try:
        response = await api.post("/v1/channels", json={**_channel(), "url": url})
    finally:
        alerting_settings.webhook_allow_private = True
    assert response.status_code == 422
    assert response.json()["errors"][0]["type"] == "url_refused"
    assert (await api.post("/v1/channels", json={**_channel(), "url": url})).status_code == 201


def _channel() -> dict[str, Any]:
    return {"name": "c", "url": "http://receiver.test/hook", "secret": SECRET}


@pytest.mark.parametrize("ends_at", [4102444800, "4102444800", 4102444800.5])
async def test_a_silence_ends_at_a_timestamp_not_a_number(
    api: httpx.AsyncClient, adb: asyncpg.Connection, ends_at: object
) -> None:
    # Pydantic alone reads a number as Unix seconds; the contract's timestamps are RFC 3339.
    body = {"matchers": [{"name": "severity", "value": "info"}], "ends_at": ends_at}
    response = await api.post("/v1/silences", json=body)
    assert response.status_code == 422, response.text
    assert response.json()["errors"][0]["loc"] == ["body", "ends_at"]
    assert await adb.fetchval("SELECT count(*) FROM alerting.silences") == 0
