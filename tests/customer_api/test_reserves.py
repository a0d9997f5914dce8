"""Reserves (docs/DOMAIN.md §16) against hand-computed figures: fee income by days in force, the
unearned-premium reserve, the compensation reserve with its 10 % cap and difference rule, the
balances finance reports, the shortfall and EL against reserves. Test settings keep the default
rates (50 %, 1 %, cap 10 %), default PD 0.05 and LGD floor 0.10."""

from __future__ import annotations

from typing import Any

import asyncpg
import httpx

from guarantee_shared.clock import business_today
from tests.customer_api.books import Book
from tests.support.auth import bearer

# Reporting the company's reserves needs admin, which the test client's token lacks.
ADMIN = bearer("admin")


async def reserve_book(db: asyncpg.Connection) -> None:
    """No ratings, no collateral: every customer at PD 0.05 and LGD 1.

    P0 36,500,000 at fee 1 % (1,000 a day), 2023-06-01 to 2024-03-01 (repaid).
    P1 3,650,000 at fee 2 % (200 a day), 2024-01-01 to 2025-07-01 (repaid).
    P2 7,300,000 at guarantee ratio 0.5 and fee 1 % (200 a day), from 2025-03-01, in force.
    P3 150,000 without a fee rate, from 2025-06-01, in force.
    Year-end liability: 2023 36,500,000; 2024 3,650,000; 2025 and after 3,650,000 + 150,000.
    """
    book = Book(db)
    customer = await book.customer("准备金客户")
    await book.contract(
        customer, principal=36_500_000, fee_rate="0.01",
        events=[("activate", 36_500_000, "2023-06-01"), ("repayment", 36_500_000, "2024-03-01")],
    )  # fmt: skip
    await book.contract(
        customer, principal=3_650_000, fee_rate="0.02",
        events=[("activate", 3_650_000, "2024-01-01"), ("repayment", 3_650_000, "2025-07-01")],
    )  # fmt: skip
    await book.contract(
        customer, principal=7_300_000, fee_rate="0.01", guarantee_ratio="0.5",
        events=[("activate", 7_300_000, "2025-03-01")],
    )  # fmt: skip
    await book.contract(customer, principal=150_000, events=[("activate", 150_000, "2025-06-01")])


async def _reserves(client: httpx.AsyncClient, year: int) -> dict[str, Any]:
    response = await client.get("/v1/portfolio/reserves", params={"year": year})
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def test_fee_income_and_required_reserves_year_by_year(
    client: httpx.AsyncClient, db: asyncpg.Connection
) -> None:
    await reserve_book(db)
    y2023 = await _reserves(client, 2023)
    # P0: 214 days (1 June to 31 December) at 1,000 a day.
    assert y2023["as_at"] == "2023-12-31"
    assert y2023["fee_income"] == "214000.00"
    assert y2023["unearned_premium_reserve_required"] == "107000.00"
    assert y2023["guarantee_liability"] == "36500000.00"
    # 1 % of 36,500,000, far below the 10 % cap.
    assert y2023["compensation_reserve_required"] == "365000.00"
    assert y2023["compensation_reserve_accumulated"] == "365000.00"

    y2024 = await _reserves(client, 2024)
    # P0 60 days (January, February of a leap year) + P1 366 days at 200.
    assert y2024["fee_income"] == "133200.00"
    assert y2024["unearned_premium_reserve_required"] == "66600.00"
    assert y2024["guarantee_liability"] == "3650000.00"
    # The accumulated 365,000 already is 10 % of 3,650,000: nothing is added.
    assert y2024["compensation_reserve_required"] == "0.00"
    assert y2024["compensation_reserve_accumulated"] == "365000.00"
    # Nothing reported: the whole requirement is short, and EL has no reserves to compare to.
    assert y2024["reported_balances"] is None
    assert y2024["shortfall"] == "431600.00"  # 66,600 + 365,000
    assert y2024["el_to_reserves"] is None

    y2025 = await _reserves(client, 2025)
    # P1 181 days + P2 306 days, at 200 a day each; P3 has no fee rate.
    assert y2025["fee_income"] == "97400.00"
    assert y2025["contracts_without_fee_rate"] == 1
    assert y2025["unearned_premium_reserve_required"] == "48700.00"
    assert y2025["guarantee_liability"] == "3800000.00"
    # 1 % would be 38,000, but only the difference to 10 % (380,000 − 365,000) is added.
    assert y2025["compensation_reserve_required"] == "15000.00"
    assert y2025["compensation_reserve_accumulated"] == "380000.00"
    # EL of the book now: 0.05 × 1 × 3,800,000.
    assert y2025["expected_loss"] == "190000.00"


async def test_reported_balances_shortfall_and_el_to_reserves(
    client: httpx.AsyncClient, db: asyncpg.Connection
) -> None:
    await reserve_book(db)
    body = {"year": 2025, "unearned_premium_reserve": "50000.00", "compensation_reserve": 300000}
    created = await client.post(
        "/v1/portfolio/reserve-balances", json=body, headers={**ADMIN, "Idempotency-Key": "rb-2025"}
    )
    assert created.status_code == 201, created.text
    assert created.headers["Location"] == "/v1/portfolio/reserve-balances/2025"
    assert created.json()["compensation_reserve"] == "300000.00"
    replay = await client.post(
        "/v1/portfolio/reserve-balances", json=body, headers={**ADMIN, "Idempotency-Key": "rb-2025"}
    )
    assert replay.status_code == 201
    assert replay.json() == created.json()

    y2025 = await _reserves(client, 2025)
    assert y2025["reported_balances"]["unearned_premium_reserve"] == "50000.00"
    # The unearned-premium surplus (1,300) does not cover the compensation reserve's 80,000.
    assert y2025["shortfall"] == "80000.00"
    assert y2025["el_to_reserves"] == 0.5429  # 190,000 / 350,000

    # Reported again, the year's figures are replaced and the change is audited.
    again = await client.post(
        "/v1/portfolio/reserve-balances",
        json={"year": 2025, "unearned_premium_reserve": "48700", "compensation_reserve": "380000"},
        headers=ADMIN,
    )
    assert again.status_code == 200, again.text
    assert again.json()["version"] == 2
    y2025 = await _reserves(client, 2025)
    assert y2025["shortfall"] == "0.00"
    assert y2025["el_to_reserves"] == 0.4432  # 190,000 / 428,700
    read = await client.get("/v1/portfolio/reserve-balances/2025")
    assert read.status_code == 200
    assert read.json()["unearned_premium_reserve"] == "48700.00"
    actions = await db.fetch(
        "SELECT action FROM customer.audit_log WHERE entity_type = 'reserve_balance' ORDER BY id"
    )
    assert [a["action"] for a in actions] == ["create", "update"]


async def test_regulatory_figures_carry_the_current_years_reserve_lines(
    client: httpx.AsyncClient, db: asyncpg.Connection
) -> None:
    await reserve_book(db)
    response = await client.get("/v1/portfolio/regulatory")
    assert response.status_code == 200, response.text
    lines = response.json()["reserves"]
    assert lines["year"] == business_today().year
    # The liability has stayed 3,800,000 since 2025: the reserve sits at its 10 % cap.
    assert lines["compensation_reserve_required"] == "0.00"
    assert lines["compensation_reserve_accumulated"] == "380000.00"
    assert lines["unearned_premium_reserve_reported"] is None
    assert lines["compensation_reserve_reported"] is None


async def test_bad_reports_and_years_are_refused(
    client: httpx.AsyncClient, anon: httpx.AsyncClient
) -> None:
    for body in (
        {"year": 2025, "unearned_premium_reserve": "-1", "compensation_reserve": "0"},
        {"year": 1800, "unearned_premium_reserve": "0", "compensation_reserve": "0"},
        {"year": 2025, "unearned_premium_reserve": "0"},
        {"year": 2025, "unearned_premium_reserve": "0", "compensation_reserve": "1.001"},
    ):
        response = await client.post("/v1/portfolio/reserve-balances", json=body, headers=ADMIN)
        assert response.status_code == 422, body
    next_year = business_today().year + 1
    response = await client.get("/v1/portfolio/reserves", params={"year": next_year})
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    assert (await client.get("/v1/portfolio/reserve-balances/2020")).status_code == 404
    # Reporting the company's reserves is for admin; portfolio readers may only read them.
    forbidden = await anon.post(
        "/v1/portfolio/reserve-balances",
        json={"year": 2025, "unearned_premium_reserve": "0", "compensation_reserve": "0"},
        headers=bearer("portfolio:read"),
    )
    assert forbidden.status_code == 403
