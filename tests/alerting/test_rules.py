"""/v1/rules: the default rules of DOMAIN §10 as data, CRUD with ETags, validation."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from tests.support.auth import bearer


def rule_body(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "name": "overdue rate of industry C",
        "indicator": "overdue_rate",
        "scope": "industry_section",
        "scope_value": "C",
        "op": "gt",
        "threshold": 0.04,
        "severity": "warning",
        "labels": {"team": "risk"},
    }
    body.update(overrides)
    return body


async def all_rules(api: httpx.AsyncClient) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    cursor = None
    while True:
        page = (
            await api.get(
                "/v1/rules", params={"limit": 10, **({"cursor": cursor} if cursor else {})}
            )
        ).json()
        items += page["items"]
        cursor = page["next_cursor"]
        if cursor is None:
            return items


async def test_default_rules_of_domain_10_are_installed(api: httpx.AsyncClient) -> None:
    rules = {r["name"]: r for r in await all_rules(api)}
    portfolio_coverage = rules["coverage_ratio portfolio critical"]
    assert (portfolio_coverage["op"], portfolio_coverage["threshold"]) == ("lt", 0.8)
    assert rules["overdue_rate risk_tier=high critical"]["threshold"] == 0.1
    assert rules["leverage above 80% of cap"]["indicator"] == "leverage_utilisation"
    assert rules["customer contract overdue 90 days"]["threshold"] == 90
    assert "tax_credit_grade:D" in rules["customer knock-out event"]["match"]
    assert rules["customer review overdue"]["severity"] == "info"
    assert rules["customer in a prohibited industry"]["severity"] == "critical"
    assert rules["customer follow-up overdue"]["severity"] == "info"
    assert len(rules) == 37


async def test_create_read_replace_delete(api: httpx.AsyncClient) -> None:
    created = await api.post("/v1/rules", json=rule_body())
    assert created.status_code == 201, created.text
    rule = created.json()
    assert created.headers["location"] == f"/v1/rules/{rule['id']}"
    assert created.headers["etag"] == '"1"'
    assert (rule["for_cycles"], rule["enabled"], rule["labels"]) == (1, True, {"team": "risk"})

    put = await api.put(
        f"/v1/rules/{rule['id']}",
        json=rule_body(threshold=0.05, for_cycles=3),
        headers={"If-Match": '"1"'},
    )
    assert put.status_code == 200, put.text
    assert (put.json()["threshold"], put.json()["for_cycles"], put.headers["etag"]) == (
        0.05,
        3,
        '"2"',
    )

    stale = await api.delete(f"/v1/rules/{rule['id']}", headers={"If-Match": '"1"'})
    assert stale.status_code == 412
    assert (await api.delete(f"/v1/rules/{rule['id']}")).status_code == 428
    gone = await api.delete(f"/v1/rules/{rule['id']}", headers={"If-Match": '"2"'})
    assert gone.status_code == 204
    assert (await api.get(f"/v1/rules/{rule['id']}")).status_code == 404


async def test_duplicate_name_is_a_conflict(api: httpx.AsyncClient) -> None:
    assert (await api.post("/v1/rules", json=rule_body())).status_code == 201
    again = await api.post("/v1/rules", json=rule_body())
    assert again.status_code == 409
    assert again.headers["content-type"].startswith("application/problem+json")


async def test_idempotency_key_replays_the_first_answer(api: httpx.AsyncClient) -> None:
    headers = {"Idempotency-Key": "rule-1"}
    first = await api.post("/v1/rules", json=rule_body(), headers=headers)
    second = await api.post("/v1/rules", json=rule_body(), headers=headers)
    assert (first.status_code, second.status_code) == (201, 201)
    assert second.json()["id"] == first.json()["id"]
    other = await api.post("/v1/rules", json=rule_body(name="other"), headers=headers)
    assert other.status_code == 422


async def test_bad_rules_name_the_field(api: httpx.AsyncClient) -> None:
    cases = [
        (rule_body(indicator="profit"), ["body", "indicator"]),
        (rule_body(scope="galaxy"), ["body", "scope"]),
        (
            rule_body(indicator="contract_overdue", scope="portfolio", scope_value=None),
            ["body", "scope"],
        ),
        (rule_body(indicator="leverage", scope="risk_tier"), ["body", "scope"]),
        (rule_body(scope="portfolio"), ["body", "scope_value"]),
        (rule_body(match=["litigation"]), ["body", "match"]),
        (rule_body(op="eq"), ["body", "op"]),
        (rule_body(threshold="NaN"), ["body", "threshold"]),
        (rule_body(for_cycles=0), ["body", "for_cycles"]),
        (rule_body(labels={"severity": "x"}), ["body", "labels"]),
        (rule_body(unexpected=1), ["body", "unexpected"]),
    ]
    for body, loc in cases:
        response = await api.post("/v1/rules", json=body)
        assert response.status_code == 422, (body, response.text)
        locs = [e["loc"][: len(loc)] for e in response.json()["errors"]]
        assert loc in locs, (body, response.json())
    assert len(await all_rules(api)) == 37


@pytest.mark.parametrize(
    ("field", "literal"),
    [
        ("for_cycles", '"3"'),
        ("for_cycles", "true"),
        ("for_cycles", "3.0"),
        ("for_cycles", "3e0"),
        ("threshold", '"0.05"'),
        ("threshold", '"+1_0"'),
        ("threshold", '"０.５"'),
        ("threshold", "true"),
    ],
)
async def test_counts_and_thresholds_are_json_numbers(
    api: httpx.AsyncClient, field: str, literal: str
) -> None:
    placeholder = "\x00raw\x00"
    text = json.dumps({**rule_body(), field: placeholder}).replace(json.dumps(placeholder), literal)
    response = await api.post(
        "/v1/rules", content=text.encode(), headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 422, response.text
    assert ["body", field] in [e["loc"] for e in response.json()["errors"]]


@pytest.mark.parametrize(("literal", "value"), [("0.05", 0.05), ("5e-2", 0.05), ("-3", -3)])
async def test_a_threshold_is_any_json_number(
    api: httpx.AsyncClient, literal: str, value: float
) -> None:
    placeholder = "\x00raw\x00"
    body = {**rule_body(), "threshold": placeholder}
    text = json.dumps(body).replace(json.dumps(placeholder), literal)
    response = await api.post(
        "/v1/rules", content=text.encode(), headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 201, response.text
    assert response.json()["threshold"] == value


async def test_scopes_are_enforced(api: httpx.AsyncClient) -> None:
    read_only = bearer("alerts:read")
    assert (await api.post("/v1/rules", json=rule_body(), headers=read_only)).status_code == 403
    assert (await api.get("/v1/rules", headers=bearer("customers:read"))).status_code == 403
    assert (await api.get("/v1/rules", headers={"Authorization": ""})).status_code == 401
