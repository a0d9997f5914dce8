"""SSRF: webhook targets in any special-purpose block are refused at creation and at delivery.

The tables hold one address from each block of IANA's IPv4 and IPv6 Special-Purpose Address
Registries and the IPv6 forms that carry an IPv4 address. Host names are resolved by a resolver
the test controls; connections go to a real receiver on 127.0.0.1.
"""

from __future__ import annotations

import asyncio
import ipaddress
import re
import uuid
from collections.abc import Iterator
from typing import Any

import asyncpg
import httpx
import pytest
from fastapi import FastAPI

from alerting.outbox import DeliveryWorker
from alerting.settings import AlertingSettings
from guarantee_shared.outbox.targets import (
    Address,
    PinnedTransport,
    TargetRefused,
    check_target,
    refusal,
)
from tests.alerting.fakes import FakeCustomerApi, group
from tests.alerting.helpers import SECRET, add_channel, deliver, evaluate
from tests.support.processes import free_port
from tests.support.webhooks import Receiver, WebhookReceiver

REFUSED = [
    # IPv4 special-purpose blocks
    "0.0.0.0", "0.1.2.3", "10.0.0.1", "10.255.255.255",
    "100.64.0.1", "100.100.100.200", "100.127.255.254",  # CGNAT; Alibaba Cloud's metadata
    "127.0.0.1", "127.8.9.10", "169.254.169.254", "172.16.0.1", "172.31.255.255",
    "192.0.0.1", "192.0.0.8", "192.0.0.9", "192.0.0.10", "192.0.0.170", "192.0.0.171",
    "192.0.2.1", "192.31.196.1", "192.52.193.1", "192.88.99.1", "192.168.1.1",
    "192.175.48.1", "198.18.0.1", "198.19.255.255", "198.51.100.7", "203.0.113.9",
    "224.0.0.1", "239.255.255.250", "240.0.0.1", "255.255.255.255",
    # IPv6 special-purpose blocks
    "::", "::1", "64:ff9b:1::a00:1", "100::1", "100:0:0:1::1", "2001:1::1", "2001:2::1",
    "2001:3::1", "2001:4:112::1", "2001:10::1", "2001:20::1", "2001:30::1", "2001:db8::1",
    "2620:4f:8000::1", "3fff::1", "5f00::1", "fc00::1", "fd12:3456::1", "fe80::1",
    "fec0::1", "ff02::1", "4000::1",
    # IPv4 inside IPv6: mapped, compatible, 6to4, Teredo, NAT64 of an internal address
    "::ffff:127.0.0.1", "::ffff:10.0.0.1", "::ffff:100.64.0.1", "::ffff:169.254.169.254",
    "::127.0.0.1", "::a00:1", "2002:7f00:1::1", "2002:a9fe:a9fe::1", "2002:808:808::1",
    "2001:0:4136:e378:8000:63bf:3fff:fdd2", "64:ff9b::127.0.0.1", "64:ff9b::10.0.0.1",
    "64:ff9b::169.254.169.254", "64:ff9b::100.64.0.1",
]  # fmt: skip
ALLOWED = [
    "8.8.8.8", "1.1.1.1", "93.184.215.14", "100.63.255.255", "100.128.0.0", "192.0.1.1",
    "198.17.255.255", "198.20.0.0", "223.255.255.255", "2606:4700:4700::1111",
    "2a00:1450:4001::200e", "2001:200::1",
    "64:ff9b::8.8.8.8",  # NAT64 in an IPv6-only cluster: the public IPv4 host behind it
]  # fmt: skip


def _url(address: str, path: str = "/hook") -> str:
    host = f"[{address}]" if ":" in address else address
    return f"http://{host}{path}"


@pytest.mark.parametrize("address", REFUSED)
def test_every_special_purpose_address_is_refused(address: str) -> None:
    assert refusal(ipaddress.ip_address(address)) is not None


@pytest.mark.parametrize("address", ALLOWED)
def test_public_addresses_are_allowed(address: str) -> None:
    assert refusal(ipaddress.ip_address(address)) is None


@pytest.fixture
def production(alerting_settings: AlertingSettings) -> Iterator[None]:
    alerting_settings.webhook_allow_private = False
    try:
        yield
    finally:
        alerting_settings.webhook_allow_private = True


@pytest.mark.parametrize("address", REFUSED)
async def test_the_api_refuses_a_channel_on_a_special_purpose_address(
    api: httpx.AsyncClient, production: None, address: str
) -> None:
    body = {"name": "x", "url": _url(address), "secret": SECRET}
    response = await api.post("/v1/channels", json=body)
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["errors"][0]["type"] == "url_refused"
    assert (await api.get("/v1/channels")).json()["items"] == []


@pytest.mark.parametrize("address", ALLOWED)
async def test_the_api_accepts_a_channel_on_a_public_address(
    api: httpx.AsyncClient, production: None, address: str
) -> None:
    response = await api.post(
        "/v1/channels", json={"name": "x", "url": _url(address), "secret": SECRET}
    )
    assert response.status_code == 201, response.text


class Dns:
    """A resolver the test controls: each name answers its queued lists in turn, then the last."""

    def __init__(self, **answers: list[list[str]]) -> None:
        self.answers = {name.replace("_", "."): lists for name, lists in answers.items()}
        self.queries: list[str] = []

    async def __call__(self, host: str, port: int) -> list[Address]:
        self.queries.append(host)
        lists = self.answers[host]
        current = lists.pop(0) if len(lists) > 1 else lists[0]
        return [ipaddress.ip_address(a) for a in current]


@pytest.fixture
def listener() -> Iterator[WebhookReceiver]:
    server = WebhookReceiver(free_port())
    server.start()
    try:
        yield server
    finally:
        server.stop()


async def _post(transport: httpx.AsyncBaseTransport, url: str) -> httpx.Response:
    async with httpx.AsyncClient(transport=transport) as client:
        return await client.post(url, content=b"{}")


async def test_a_delivery_connects_to_the_checked_address_keeping_the_host_name(
    listener: WebhookReceiver,
) -> None:
    dns = Dns(hooks_example=[["127.0.0.1"]])
    transport = PinnedTransport(allow_private=True, resolver=dns)

    response = await _post(transport, f"http://hooks.example:{listener.port}/ce")

    assert response.status_code == 200
    [hit] = listener.hits
    assert hit.headers["host"] == f"hooks.example:{listener.port}"
    assert dns.queries == ["hooks.example"]


@pytest.mark.parametrize(
    "answers",
    [["127.0.0.1"], ["8.8.8.8", "127.0.0.1"], ["::ffff:127.0.0.1"], ["64:ff9b::7f00:1"]],
    ids=["loopback", "one-of-two", "v4-mapped", "nat64"],
)
async def test_a_delivery_never_connects_where_the_name_resolves_inward(
    listener: WebhookReceiver, answers: list[str]
) -> None:
    transport = PinnedTransport(allow_private=False, resolver=Dns(hooks_example=[answers]))
    with pytest.raises(TargetRefused, match="internal address"):
        await _post(transport, f"http://hooks.example:{listener.port}/ce")
    assert listener.hits == []


async def test_dns_rebinding_after_the_check_is_caught_at_connect(
    listener: WebhookReceiver,
) -> None:
    # Public when the channel is checked, loopback when the delivery resolves the name again.
    dns = Dns(rebind_example=[["93.184.215.14"], ["127.0.0.1"]])
    url = f"http://rebind.example:{listener.port}/ce"
    await check_target(url, allow_private=False, resolver=dns)

    with pytest.raises(TargetRefused, match=re.escape("127.0.0.1")):
        await _post(PinnedTransport(allow_private=False, resolver=dns), url)

    assert listener.hits == []
    assert dns.queries == ["rebind.example", "rebind.example"]


async def test_the_worker_records_a_refused_delivery_and_sends_nothing(
    api: httpx.AsyncClient,
    alerting_app: FastAPI,
    alerting_settings: AlertingSettings,
    fake_customer_api: FakeCustomerApi,
    listener: WebhookReceiver,
) -> None:
    # Created where private targets were allowed, delivered by a production replica.
    await add_channel(api, url=f"http://rebind.example:{listener.port}/ce", min_severity="critical")
    fake_customer_api.groups["none"] = [group(coverage_ratio=0.7)]
    await evaluate(api)
    settings = alerting_settings.model_copy(update={"webhook_allow_private": False})
    worker = DeliveryWorker(
        alerting_app.state.sessionmaker,
        settings,
        replica="production",
        resolver=Dns(rebind_example=[["127.0.0.1"]]),
    )
    try:
        assert await worker.deliver_due() == 1
    finally:
        await worker.aclose()

    [delivery] = (await api.get("/v1/deliveries")).json()["items"]
    detail: dict[str, Any] = (await api.get(f"/v1/deliveries/{delivery['id']}")).json()
    [attempt] = detail["attempt_log"]
    assert attempt["status_code"] is None
    assert attempt["error"].startswith("TargetRefused: rebind.example is or resolves to")
    assert listener.hits == []


async def test_a_lookup_that_never_answers_is_a_connect_timeout() -> None:
    never = asyncio.Event()

    async def stalled(host: str, port: int) -> list[Address]:
        await never.wait()
        return []

    transport = PinnedTransport(allow_private=False, resolver=stalled)
    # The outer bound only turns a hang into a failure; the delivery's own timeout must fire.
    async with asyncio.timeout(30), httpx.AsyncClient(transport=transport, timeout=0.05) as c:
        with pytest.raises(httpx.ConnectTimeout):
            await c.post("http://stalled.example/hook", content=b"{}")


@pytest.mark.parametrize(
    "url",
    [
        "http://[::1/hook",
        "http://[::1]x/",
        "http://host:99999/",
        "http://h:0/",
        "http://x/\x00",
        "http://256.1.1.1/",
        "http:///hook",
    ],
)
async def test_a_url_that_does_not_parse_is_refused_not_an_error(
    api: httpx.AsyncClient, url: str
) -> None:
    response = await api.post("/v1/channels", json={"url": url, "secret": SECRET, "name": "n"})
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["errors"][0]["loc"] == ["body", "url"]
    assert (await api.get("/v1/channels")).json()["items"] == []


async def test_a_stored_url_httpx_cannot_send_fails_its_attempt_not_the_batch(
    api: httpx.AsyncClient,
    adb: asyncpg.Connection,
    alerting_app: FastAPI,
    fake_customer_api: FakeCustomerApi,
    receiver: Receiver,
) -> None:
    # As stored before URLs were parsed by httpx at creation.
    broken = await add_channel(api, name="broken", min_severity="critical")
    await add_channel(api, name="fine", min_severity="critical")
    await adb.execute(
        "UPDATE alerting.channels SET url = 'http://[::1]x/' WHERE id = $1",
        uuid.UUID(broken["id"]),
    )
    fake_customer_api.groups["none"] = [group(coverage_ratio=0.7)]
    await evaluate(api)

    assert await deliver(alerting_app) == 2

    assert len(receiver.requests) == 1
    deliveries = (await api.get("/v1/deliveries")).json()["items"]
    failed = [d for d in deliveries if d["channel_id"] == broken["id"]]
    assert [d["last_error"].split(":")[0] for d in failed] == ["InvalidURL"]
    assert {d["status"] for d in deliveries if d not in failed} == {"delivered"}
