"""Stress tests (docs/DOMAIN.md §16) against hand-computed figures on the expected-loss book of
test_expected_loss (unstressed EL 78,000); the test settings give net assets of 100,000,000.00,
no investments in other guarantors, default PD 0.05 and LGD floor 0.10.

Weighted liability: every customer's size is unknown, so all 100 %: A 1,000,000 + B 1,000,000
+ C 500,000 = 2,500,000 (C's compensated trade finance is not in force); the cap is 10.
"""

from __future__ import annotations

from typing import Any

import asyncpg
import httpx

from guarantee_shared.clock import business_today
from tests.customer_api.test_expected_loss import crafted_book
from tests.support.auth import bearer


async def _run(client: httpx.AsyncClient, body: dict[str, Any], **headers: str) -> dict[str, Any]:
    response = await client.post("/v1/portfolio/stress-tests", json=body, headers=headers)
    assert response.status_code == 201, response.text
    assert response.headers["Location"] == f"/v1/portfolio/stress-tests/{response.json()['id']}"
    result: dict[str, Any] = response.json()
    return result


async def test_no_shock_is_the_unstressed_book(
    client: httpx.AsyncClient, db: asyncpg.Connection
) -> None:
    await crafted_book(db)
    plain = (await client.get("/v1/portfolio/expected-loss")).json()["groups"][0]
    result = await _run(client, {})
    assert result["expected_loss"] == plain["expected_loss"] == "78000.00"
    assert result["baseline_expected_loss"] == "78000.00"
    # PD × EAD in force: 0.02 × 1,000,000 + 0.05 × 1,000,000 + 0.04 × 500,000.
    assert result["expected_compensations"] == "90000.00"
    # No reserves reported: the whole EL is short.
    assert result["inputs"]["reserves"] == "0.00"
    assert result["inputs"]["reserves_year"] is None
    assert result["reserve_shortfall"] == "78000.00"
    assert result["net_assets_after"] == "99922000.00"
    assert result["weighted_liability"] == "2500000.00"
    assert result["leverage_after"] == 0.025  # 2,500,000 / 99,922,000
    assert result["leverage_cap"] == 10
    assert result["breaches_cap"] is False


async def test_shocks_compose_and_are_stored_with_their_inputs(
    client: httpx.AsyncClient, db: asyncpg.Connection
) -> None:
    await crafted_book(db)
    year = business_today().year
    reported = await client.post(
        "/v1/portfolio/reserve-balances",
        json={"year": year, "unearned_premium_reserve": "30000", "compensation_reserve": "70000"},
        headers=bearer("admin"),
    )
    assert reported.status_code == 201, reported.text
    body = {
        "shocks": [
            # Manufacturing in Zhejiang (region 33…): A only, not C (Beijing).
            {"filter": {"industry_section": "C", "region_code": ["33"]}, "pd_multiplier": 3},
            # Real-estate collateral loses half its value more: A's haircut 0.3 → 0.8.
            {"filter": {"collateral_kind": ["real_estate"]}, "haircut_add": "0.5"},
            # Real-estate loans: B's PD 0.05 × 2.
            {"filter": {"industry_section": ["K"], "product": ["loan"]}, "pd_multiplier": 2},
        ],
        "net_assets_shock": 0.1,
    }
    result = await _run(client, body)
    # A: PD 0.06, LGD 1 − 200,000 / 1,000,000 = 0.8, EL 48,000.
    # B: PD 0.10, LGD 1, EL 100,000.
    # C: unchanged, 0.04 × 0.1 × 500,000 + 1 × 0.1 × 200,000 = 22,000.
    assert result["expected_loss"] == "170000.00"
    assert result["baseline_expected_loss"] == "78000.00"
    assert result["expected_compensations"] == "180000.00"  # 60,000 + 100,000 + 20,000
    assert result["inputs"]["reserves"] == "100000.00"
    assert result["inputs"]["reserves_year"] == year
    assert result["reserve_shortfall"] == "70000.00"  # 170,000 − 100,000
    # 100,000,000 × 0.9 − 70,000
    assert result["net_assets_after"] == "89930000.00"
    assert result["leverage_after"] == 0.0278  # 2,500,000 / 89,930,000
    assert result["breaches_cap"] is False
    top = [(c["name"], c["expected_loss"], c["pd"], c["lgd"]) for c in result["top_contributors"]]
    assert top == [
        ("B 地产", "100000.00", 0.1, 1.0),
        ("A 制造", "48000.00", 0.06, 0.8),
        ("C 制造", "22000.00", 0.3143, 0.1),  # (0.04 × 500,000 + 200,000) / 700,000
    ]
    # Read back as it answered, with the inputs it was computed from.
    stored = await client.get(f"/v1/portfolio/stress-tests/{result['id']}")
    assert stored.status_code == 200
    assert stored.json() == result
    assert result["inputs"]["shocks"][0]["filter"]["industry_section"] == ["C"]
    assert result["inputs"]["net_assets_shock"] == 0.1


async def test_caps_and_a_broken_leverage(
    client: httpx.AsyncClient, db: asyncpg.Connection
) -> None:
    await crafted_book(db)
    body = {
        "shocks": [
            # B's PD 0.05 × 30 = 1.5, capped at 1; every haircut + 0.9: A's 1.2, capped at 1.
            {"filter": {"industry_section": "K"}, "pd_multiplier": 30},
            {"haircut_add": 0.9},
        ],
        "net_assets_shock": 1,
    }
    result = await _run(client, body)
    # A: 0.02 × 1 × 1,000,000; B: 1 × 1 × 1,000,000; C: the deposit's haircut 0.9 leaves
    # 80,000: LGD 1 − 80,000 / 700,000, EL (20,000 + 200,000) × 620,000 / 700,000 = 194,857.14…
    assert result["expected_loss"] == "1214857.14"
    # All net assets lost, and the shortfall on top: nothing to lever, the cap is broken.
    assert result["net_assets_after"] == "-1214857.14"
    assert result["leverage_after"] is None
    assert result["breaches_cap"] is True


async def test_presets(client: httpx.AsyncClient, db: asyncpg.Connection) -> None:
    await crafted_book(db)
    listed = await client.get("/v1/portfolio/stress-presets")
    assert listed.status_code == 200
    names = [p["name"] for p in listed.json()["items"]]
    assert names == ["real_estate_downturn", "manufacturing_export_shock", "broad_recession"]
    downturn = await _run(client, {"preset": "real_estate_downturn"})
    # B (section K): PD 0.15, EL 150,000; A's real estate at haircut 0.5: LGD 0.5, EL 10,000;
    # C unchanged 22,000.
    assert downturn["expected_loss"] == "182000.00"
    assert downturn["inputs"]["preset"] == "real_estate_downturn"
    assert len(downturn["inputs"]["shocks"]) == 2
    recession = await _run(client, {"preset": "broad_recession"})
    # Every PD × 2, every haircut + 0.1: A PD 0.04, LGD 1 − 600,000 / 1,000,000 = 0.4, 16,000;
    # B PD 0.1, 100,000; C PD 0.08 and 1, deposit 720,000 > 700,000: LGD 0.1,
    # 0.08 × 0.1 × 500,000 + 0.1 × 200,000 = 24,000.
    assert recession["expected_loss"] == "140000.00"
    assert recession["inputs"]["net_assets_shock"] == 0.05
    # 100,000,000 × 0.95 − 140,000
    assert recession["net_assets_after"] == "94860000.00"


async def test_bad_requests_change_nothing(
    client: httpx.AsyncClient, db: asyncpg.Connection
) -> None:
    for body in (
        {"preset": "real_estate_downturn", "shocks": [{"pd_multiplier": 2}]},
        {"preset": "no_such_thing"},
        {"shocks": [{"filter": {"industry_section": ["K"]}}]},
        {"shocks": [{"filter": {"collateral_kind": "real_estate"}, "pd_multiplier": 2}]},
        {"shocks": [{"filter": {"industry_section": ["Z"]}, "pd_multiplier": 2}]},
        {"shocks": [{"filter": {"region_code": ["3a"]}, "pd_multiplier": 2}]},
        {"shocks": [{"pd_multiplier": 0}]},
        {"shocks": [{"haircut_add": 1.5}]},
        {"shocks": [{"pd_multiplier": 2, "colour": "red"}]},
        {"net_assets_shock": -0.1},
    ):
        response = await client.post("/v1/portfolio/stress-tests", json=body)
        assert response.status_code == 422, body
    assert await db.fetchval("SELECT count(*) FROM customer.stress_tests") == 0
    missing = await client.get("/v1/portfolio/stress-tests/00000000-0000-0000-0000-000000000000")
    assert missing.status_code == 404
