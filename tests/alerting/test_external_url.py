"""Links in notifications point at the address alerting is reached at, not at 127.0.0.1.

EXTERNAL_URL when set, else ALERTING_URL (the address its peers use), which every deployment
file sets; the CloudEvents ``source``, Alertmanager ``externalURL`` and ``generatorURL`` use it.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
import yaml
from asgi_lifespan import LifespanManager
from fastapi import FastAPI
from pydantic import ValidationError

from alerting.app import create_app
from alerting.settings import AlertingSettings
from tests.alerting.fakes import FakeCustomerApi, group
from tests.alerting.helpers import SECRET, deliver
from tests.support.auth import bearer
from tests.support.webhooks import Receiver

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"


def test_unset_it_is_the_alerting_url(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("EXTERNAL_URL", raising=False)
    monkeypatch.setenv("ALERTING_URL", "http://alerting.risk.svc:8003")
    assert AlertingSettings().external_url == "http://alerting.risk.svc:8003"


def test_set_it_wins(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ALERTING_URL", "http://alerting:8003")
    monkeypatch.setenv("EXTERNAL_URL", "https://alerts.example.cn/")
    assert AlertingSettings().external_url == "https://alerts.example.cn/"


@pytest.mark.parametrize("url", ["alerting:8003", "ftp://alerting/", "http://", "/alerting"])
def test_it_must_be_an_absolute_http_url(url: str) -> None:
    with pytest.raises(ValidationError, match="external_url"):
        AlertingSettings(external_url=url)


def test_every_deployment_sets_it() -> None:
    compose = yaml.safe_load((DEPLOY / "compose" / "compose.yaml").read_text())
    alerting = compose["services"]["alerting"]["environment"]
    assert alerting["EXTERNAL_URL"].startswith("${EXTERNAL_URL:-http")
    config = yaml.safe_load((DEPLOY / "k8s" / "configmap.yaml").read_text())
    assert config["data"]["EXTERNAL_URL"].startswith("http")
    assert config["data"]["EXTERNAL_URL"] != "http://127.0.0.1:8003"


@pytest.fixture
async def deployed(
    alerting_settings: AlertingSettings,
    fake_customer_api: FakeCustomerApi,
    receiver: Receiver,
    adb: object,
) -> AsyncIterator[tuple[httpx.AsyncClient, FastAPI]]:
    """A second app, configured as a deployment would be: only ALERTING_URL says where it is."""
    settings = AlertingSettings(
        **alerting_settings.model_dump(exclude={"external_url", "alerting_url"}),
        alerting_url="http://alerting.risk.svc:8003",
    )
    app = create_app(
        settings,
        customer_api_transport=httpx.ASGITransport(app=fake_customer_api.app),
        webhook_transport=httpx.ASGITransport(app=receiver.app),
    )
    async with (
        LifespanManager(app),
        httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app),
            base_url="http://alerting.test",
            headers=bearer("alerts:read", "alerts:write", sub="ops@example.com"),
        ) as client,
    ):
        yield client, app


async def test_notifications_link_to_the_alerting_url(
    deployed: tuple[httpx.AsyncClient, FastAPI],
    fake_customer_api: FakeCustomerApi,
    receiver: Receiver,
) -> None:
    api, app = deployed
    for fmt in ("cloudevents", "alertmanager"):
        body = {"url": f"http://receiver.test/{fmt}", "secret": SECRET, "format": fmt,
                "min_severity": "critical"}  # fmt: skip
        assert (await api.post("/v1/channels", json=body)).status_code == 201
    fake_customer_api.groups["none"] = [group(coverage_ratio=0.7)]
    assert (await api.post("/v1/evaluate")).status_code == 200
    assert await deliver(app) == 2

    bodies = {r.url.rsplit("/", 1)[1]: json.loads(r.body) for r in receiver.requests}
    event, message = bodies["cloudevents"], bodies["alertmanager"]
    assert event["source"] == "http://alerting.risk.svc:8003"
    assert message["externalURL"] == "http://alerting.risk.svc:8003"
    [alert] = message["alerts"]
    assert alert["generatorURL"].startswith("http://alerting.risk.svc:8003/v1/alerts/")
