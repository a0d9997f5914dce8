"""The typed customer-api client's failure mapping, and alerting's migrations both ways."""

from __future__ import annotations

import httpx
import pytest

from alerting.migrate import SCRIPT_LOCATION
from guarantee_shared.clients.customer_api import CustomerApiClient, CustomerApiRejected
from guarantee_shared.db import migrations
from guarantee_shared.errors import PeerUnavailable
from guarantee_shared.schemas.portfolio import GroupBy
from tests.alerting.fakes import FakeCustomerApi, group
from tests.support.database import asyncpg_dsn, create_database, drop_database


def client_for(handler: httpx.MockTransport | httpx.ASGITransport) -> CustomerApiClient:
    return CustomerApiClient(
        "http://customer-api.test", token="t", attempts=2, retry_timeout_s=1, transport=handler
    )


async def test_client_parses_the_contract() -> None:
    fake = FakeCustomerApi()
    fake.groups["risk_tier"] = [group("high", coverage_ratio=0.9)]
    async with client_for(httpx.ASGITransport(app=fake.app)) as client:
        report = await client.all_indicators(group_by=GroupBy.RISK_TIER)
    assert [(g.key, float(g.coverage_ratio or 0)) for g in report.groups] == [("high", 0.9)]


async def test_client_maps_failures() -> None:
    calls: list[int] = []

    def flaky(request: httpx.Request) -> httpx.Response:
        calls.append(1)
        return httpx.Response(503)

    async with client_for(httpx.MockTransport(flaky)) as client:
        with pytest.raises(PeerUnavailable):
            await client.regulatory()
    assert len(calls) == 2  # retried once, then given up

    async with client_for(httpx.MockTransport(lambda r: httpx.Response(403, json={}))) as client:
        with pytest.raises(CustomerApiRejected):
            await client.regulatory()

    async with client_for(httpx.MockTransport(lambda r: httpx.Response(200, json={}))) as client:
        with pytest.raises(PeerUnavailable, match="contract"):
            await client.regulatory()


def test_migrations_downgrade_and_upgrade_again(pg_admin_url: str) -> None:
    url = create_database(pg_admin_url, prefix="test_alerting_mig")
    try:
        migrations.upgrade(SCRIPT_LOCATION, url)
        migrations.downgrade(SCRIPT_LOCATION, url, "base")
        migrations.upgrade(SCRIPT_LOCATION, url)
        assert migrations.heads(SCRIPT_LOCATION) == ("0004",)
        assert asyncpg_dsn(url).startswith("postgresql://")
    finally:
        drop_database(pg_admin_url, url)
