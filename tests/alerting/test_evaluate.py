"""POST /v1/evaluate against a fake customer-api: the default rules, fingerprints, missing data."""

from __future__ import annotations

import uuid

import asyncpg
import httpx

from tests.alerting.fakes import FakeCustomerApi, group, signal
from tests.alerting.helpers import alerts, by_rule, evaluate, rule_names


async def test_a_breach_fires_once_and_recovery_resolves(
    api: httpx.AsyncClient, fake_customer_api: FakeCustomerApi, adb: asyncpg.Connection
) -> None:
    fake_customer_api.groups["none"] = [group(coverage_ratio=0.7)]
    names = await rule_names(api)
    first = await evaluate(api)
    assert first["customer_api_up"] is True
    firing = by_rule(await alerts(api, state="firing"), names)
    assert set(firing) == {
        "coverage_ratio portfolio warning|portfolio",
        "coverage_ratio portfolio critical|portfolio",
    }
    critical = firing["coverage_ratio portfolio critical|portfolio"]
    assert (critical["value"], critical["threshold"], critical["severity"]) == (
        0.7,
        0.8,
        "critical",
    )

    second = await evaluate(api)
    assert second["transitions"] == 0
    again = by_rule(await alerts(api, state="firing"), names)
    assert again["coverage_ratio portfolio critical|portfolio"]["id"] == critical["id"]
    assert await adb.fetchval("SELECT count(*) FROM alerting.alerts") == 2

    fake_customer_api.groups["none"] = [group(coverage_ratio=1.3)]
    third = await evaluate(api)
    assert third["transitions"] == 2
    resolved = await alerts(api, state="resolved")
    assert {a["id"] for a in resolved} == {a["id"] for a in firing.values()}
    assert all(a["resolved_at"] is not None for a in resolved)


async def test_group_and_customer_subjects(
    api: httpx.AsyncClient, fake_customer_api: FakeCustomerApi
) -> None:
    fake_customer_api.groups["risk_tier"] = [
        group("low", overdue_rate=0.02),
        group("high", overdue_rate=0.2, coverage_ratio=1.1),
    ]
    late, sued = uuid.uuid4(), uuid.uuid4()
    fake_customer_api.signals = [
        signal(late, "contract_overdue", 120),
        signal(late, "contract_overdue", 10),
        signal(sued, "adverse_event", "litigation"),
        signal(sued, "adverse_event", "tax_credit_grade", grade="B"),
    ]
    names = await rule_names(api)
    await evaluate(api)
    firing = by_rule(await alerts(api, state="firing"), names)
    assert set(firing) == {
        "overdue_rate risk_tier=low warning|risk_tier=low",
        "overdue_rate risk_tier=high warning|risk_tier=high",
        "overdue_rate risk_tier=high critical|risk_tier=high",
        "coverage_ratio risk_tier=high warning|risk_tier=high",
        f"customer contract overdue|customer={late}",
        f"customer contract overdue 90 days|customer={late}",
        f"customer adverse event|customer={sued}",
    }
    assert firing[f"customer contract overdue 90 days|customer={late}"]["value"] == 120
    assert firing[f"customer adverse event|customer={sued}"]["value"] == 1

    # The customer is no longer overdue: absent from a complete answer is recovery.
    fake_customer_api.signals = [signal(sued, "adverse_event", "litigation")]
    await evaluate(api)
    resolved = by_rule(await alerts(api, state="resolved"), names)
    assert set(resolved) == {
        f"customer contract overdue|customer={late}",
        f"customer contract overdue 90 days|customer={late}",
    }


async def test_regulatory_rules_use_the_share_of_the_cap(
    api: httpx.AsyncClient, fake_customer_api: FakeCustomerApi
) -> None:
    fake_customer_api.regulatory.update(
        leverage=12.3,
        leverage_cap=15,
        largest_customer={
            "customer_id": str(uuid.uuid4()),
            "name": "X",
            "liability": "45000000.00",
            "share": 0.09,
            "limit": 0.1,
            "within_limit": True,
        },
    )
    names = await rule_names(api)
    await evaluate(api)
    firing = by_rule(await alerts(api, state="firing"), names)
    assert set(firing) == {
        "leverage above 80% of cap|portfolio",
        "single customer concentration warning|portfolio",
    }
    assert firing["leverage above 80% of cap|portfolio"]["value"] == 0.82


async def test_unreachable_customer_api_resolves_nothing_and_raises_the_meta_alert(
    api: httpx.AsyncClient, fake_customer_api: FakeCustomerApi, adb: asyncpg.Connection
) -> None:
    fake_customer_api.groups["none"] = [group(overdue_rate=0.06)]
    names = await rule_names(api)
    await evaluate(api)
    before = by_rule(await alerts(api, state="firing"), names)
    assert "overdue_rate portfolio critical|portfolio" in before

    fake_customer_api.down = True
    summary = await evaluate(api)
    assert summary["customer_api_up"] is False
    pending = by_rule(await alerts(api, state="pending"), names)
    assert set(pending) == {"customer-api unreachable|portfolio"}  # for_cycles 2
    await evaluate(api)
    assert "indicators:none" in summary["unavailable"]
    after = by_rule(await alerts(api, state="firing"), names)
    assert set(after) == set(before) | {"customer-api unreachable|portfolio"}
    assert (
        await adb.fetchval(
            "SELECT customer_api_up FROM alerting.evaluation_cycles ORDER BY id DESC LIMIT 1"
        )
        is False
    )

    metrics = (await api.get("/metrics")).text
    assert "alerting_customer_api_up 0.0" in metrics

    fake_customer_api.down = False
    await evaluate(api)
    final = by_rule(await alerts(api, state="firing"), names)
    assert "customer-api unreachable|portfolio" not in final
    assert "overdue_rate portfolio critical|portfolio" in final


async def test_for_cycles_waits_in_pending(
    api: httpx.AsyncClient, fake_customer_api: FakeCustomerApi
) -> None:
    rule = await api.post(
        "/v1/rules",
        json={
            "name": "many contracts",
            "indicator": "contracts",
            "op": "ge",
            "threshold": 12,
            "for_cycles": 2,
            "severity": "info",
        },
    )
    assert rule.status_code == 201, rule.text
    rule_id = rule.json()["id"]
    await evaluate(api)
    assert [a["state"] for a in await alerts(api, rule_id=rule_id)] == ["pending"]
    await evaluate(api)
    assert [a["state"] for a in await alerts(api, rule_id=rule_id)] == ["firing"]


async def test_metrics_export_indicators_and_alert_counts(
    api: httpx.AsyncClient, fake_customer_api: FakeCustomerApi
) -> None:
    fake_customer_api.groups["none"] = [group(coverage_ratio=0.75)]
    await evaluate(api)
    text = (await api.get("/metrics")).text
    assert (
        'guarantee_indicator{indicator="coverage_ratio",scope="portfolio",subject="portfolio"} 0.75'
        in text
    )
    assert 'guarantee_alerts{severity="critical",state="firing"} 1.0' in text
    assert "alerting_evaluation_duration_seconds_count" in text


async def test_acknowledge_records_who(
    api: httpx.AsyncClient, fake_customer_api: FakeCustomerApi
) -> None:
    fake_customer_api.groups["none"] = [group(loss_rate=0.05)]
    await evaluate(api)
    alert = (await alerts(api, state="firing", severity="critical"))[0]
    acked = await api.post(f"/v1/alerts/{alert['id']}/ack")
    assert acked.status_code == 200
    assert acked.json()["acknowledged_by"] == "ops@example.com"
    assert (await api.get(f"/v1/alerts/{alert['id']}")).json()[
        "acknowledged_by"
    ] == "ops@example.com"
    assert (await api.post(f"/v1/alerts/{uuid.uuid4()}/ack")).status_code == 404


async def test_alert_filters_are_validated(api: httpx.AsyncClient) -> None:
    response = await api.get("/v1/alerts", params={"state": "burning"})
    assert response.status_code == 422
    assert response.json()["errors"][0]["loc"] == ["query", "state"]
    assert (await api.get("/v1/alerts", params={"cursor": "garbage"})).status_code == 422
