"""Portfolio indicators against figures computed by hand for a small crafted book.

The book, with as_of = 2026-06-30 (ytd from 2026-01-01, ttm from 2025-07-01):

customer A (tier low), B (tier high), C (not rated), D (tier medium)
K1  A loan             Bank X  principal 1,000,000 ratio 1.0  activate 1,000,000 2025-03-01,
                               repay 200,000 2026-02-01              -> active, balance 800,000
                               collateral real_estate 1,000,000 haircut 0.3 -> 700,000
K2  A bond             Bank Y  principal 2,000,000 ratio 0.5  activate 2025-01-10,
                               overdue 300,000 2026-03-15            -> overdue, balance 2,000,000
                               collateral deposit 100,000 h 0 -> 100,000;
                               equipment 400,000 h 0.5 -> 200,000
K3  B loan             Bank X  principal 500,000 ratio 0.8    activate 2024-06-01, overdue
                               2025-05-01, compensation 400,000 2025-06-15 (released),
                               recovery 100,000 2025-09-01, recovery 50,000 2026-02-10,
                               write_off 30,000 2026-04-01           -> compensated, 220,000 owed
K4  B loan             Bank Y  principal 600,000              activate 2025-02-01, repaid in
                               full 2025-08-20 (released)
K5  C trade_finance    Bank X  principal 300,000              activate 2026-01-15, compensation
                               250,000 2026-05-10 (released), recovery 50,000 2026-06-01,
                               recovery 20,000 2026-07-15 (after as_of: never counted)
K6  C loan             Bank Y  principal 400,000              activate 2026-02-01 -> active
K7  D performance_bond Bank X  principal 200,000              activate 150,000 2023-05-01,
                               repaid in full 2024-01-10 (released; only in inception)
"""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

import asyncpg
import httpx
import pytest

from guarantee_shared.clock import business_today
from guarantee_shared.schemas.portfolio import IndicatorReport
from tests.customer_api.books import Book
from tests.support.auth import bearer

AS_OF = "2026-06-30"


async def _book(db: asyncpg.Connection) -> dict[str, uuid.UUID]:
    book = Book(db)
    a = await book.customer("A 精密", risk_tier="low", customer_class="premium", size_class="small")
    b = await book.customer(
        "B 贸易", risk_tier="high", customer_class="high_risk", size_class="micro"
    )
    c = await book.customer("C 新客")
    d = await book.customer("D 建设", risk_tier="medium", customer_class="general")
    k1 = await book.contract(
        a, principal=1_000_000, product="loan", lender="Bank X",
        events=[("activate", 1_000_000, "2025-03-01"), ("repayment", 200_000, "2026-02-01")],
    )  # fmt: skip
    await book.collateral(k1, kind="real_estate", appraised_value=1_000_000, haircut="0.3")
    k2 = await book.contract(
        a, principal=2_000_000, product="bond", lender="Bank Y", guarantee_ratio="0.5",
        events=[("activate", 2_000_000, "2025-01-10"), ("overdue", 300_000, "2026-03-15")],
    )  # fmt: skip
    await book.collateral(k2, kind="deposit", appraised_value=100_000, haircut="0")
    await book.collateral(k2, kind="equipment", appraised_value=400_000, haircut="0.5")
    await book.contract(
        b, principal=500_000, product="loan", lender="Bank X", guarantee_ratio="0.8",
        events=[
            ("activate", 500_000, "2024-06-01"),
            ("overdue", 500_000, "2025-05-01"),
            ("compensation", 400_000, "2025-06-15"),
            ("recovery", 100_000, "2025-09-01"),
            ("recovery", 50_000, "2026-02-10"),
            ("write_off", 30_000, "2026-04-01"),
        ],
    )  # fmt: skip
    await book.contract(
        b, principal=600_000, product="loan", lender="Bank Y",
        events=[("activate", 600_000, "2025-02-01"), ("repayment", 600_000, "2025-08-20")],
    )  # fmt: skip
    await book.contract(
        c, principal=300_000, product="trade_finance", lender="Bank X",
        events=[
            ("activate", 300_000, "2026-01-15"),
            ("compensation", 250_000, "2026-05-10"),
            ("recovery", 50_000, "2026-06-01"),
            ("recovery", 20_000, "2026-07-15"),
        ],
    )  # fmt: skip
    await book.contract(
        c, principal=400_000, product="loan", lender="Bank Y",
        events=[("activate", 400_000, "2026-02-01")],
    )  # fmt: skip
    await book.contract(
        d, principal=200_000, product="performance_bond", lender="Bank X",
        events=[("activate", 150_000, "2023-05-01"), ("repayment", 150_000, "2024-01-10")],
    )  # fmt: skip
    return {"A": a, "B": b, "C": c, "D": d}


# Stock figures are the same in every period: K1, K2 and K6 are in force.
STOCK_ALL = {
    "customers": 2,  # A and C
    "contracts": 3,
    "outstanding_balance": "3200000.00",  # 800,000 + 2,000,000 + 400,000
    "guarantee_liability": "2200000.00",  # 800,000×1 + 2,000,000×0.5 + 400,000×1
    "collateral_value": "1000000.00",  # 700,000 + 100,000 + 200,000
    "coverage_ratio": 0.4545,  # 1,000,000 / 2,200,000
    "overdue_amount": "300000.00",  # K2's arrears
    "overdue_rate": 0.625,  # K2's whole balance 2,000,000 / 3,200,000
}
# Contracts A holds (K1, K2); C holds K6 alone.
STOCK_A = {
    "customers": 1, "contracts": 2, "outstanding_balance": "2800000.00",
    "guarantee_liability": "1800000.00", "collateral_value": "1000000.00",
    "coverage_ratio": 0.5556,  # 1,000,000 / 1,800,000
    "overdue_amount": "300000.00", "overdue_rate": 0.7143,  # 2,000,000 / 2,800,000
}  # fmt: skip
STOCK_C = {
    "customers": 1, "contracts": 1, "outstanding_balance": "400000.00",
    "guarantee_liability": "400000.00", "collateral_value": "0.00", "coverage_ratio": 0.0,
    "overdue_amount": "0.00", "overdue_rate": 0.0,
}  # fmt: skip
NO_STOCK = {
    "customers": 0, "contracts": 0, "outstanding_balance": "0.00",
    "guarantee_liability": "0.00", "collateral_value": "0.00", "coverage_ratio": None,
    "overdue_amount": "0.00", "overdue_rate": None,
}  # fmt: skip
NO_FLOWS = {
    "released_amount": "0.00", "compensated_amount": "0.00", "compensation_rate": None,
    "recovered_amount": "0.00", "recovery_rate": None, "compensation_balance": "0.00",
    "loss_amount": "0.00", "loss_rate": None,
}  # fmt: skip


async def _indicators(client: httpx.AsyncClient, **params: Any) -> dict[str, Any]:
    response = await client.get("/v1/portfolio/indicators", params=params)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def _figures(group: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in group.items() if k not in ("key", "name")}


async def test_whole_book_year_to_date(client: httpx.AsyncClient, db: asyncpg.Connection) -> None:
    await _book(db)
    body = await _indicators(client, as_of=AS_OF)
    assert body["as_of"] == AS_OF
    assert body["period"] == "ytd"
    assert body["period_start"] == "2026-01-01"
    assert body["group_by"] == "none"
    assert body["next_cursor"] is None
    [group] = body["groups"]
    assert group["key"] is None
    assert _figures(group) == STOCK_ALL | {
        "released_amount": "300000.00",  # K5 left force 2026-05-10
        "compensated_amount": "250000.00",  # K5
        "compensation_rate": 0.8333,  # 250,000 / 300,000
        "recovered_amount": "100000.00",  # K3 50,000 (2026-02-10) + K5 50,000 (2026-06-01)
        # owed at 2026-01-01: K3 400,000 − 100,000 = 300,000; 100,000 / (300,000 + 250,000)
        "recovery_rate": 0.1818,
        "compensation_balance": "420000.00",  # K3 220,000 + K5 200,000 (not K5's July 20,000)
        "loss_amount": "30000.00",  # K3 write-off 2026-04-01
        "loss_rate": 0.1,  # 30,000 / 300,000
    }
    # What alerting's typed client reads back.
    report = IndicatorReport.model_validate(body)
    assert report.groups[0].outstanding_balance == Decimal("3200000.00")
    assert report.groups[0].coverage_ratio == Decimal("0.4545")


async def test_whole_book_trailing_twelve_months(
    client: httpx.AsyncClient, db: asyncpg.Connection
) -> None:
    await _book(db)
    body = await _indicators(client, as_of=AS_OF, period="ttm")
    assert body["period_start"] == "2025-07-01"
    [group] = body["groups"]
    assert _figures(group) == STOCK_ALL | {
        "released_amount": "900000.00",  # K4 600,000 (2025-08-20) + K5 300,000
        "compensated_amount": "250000.00",  # K3's compensation (2025-06-15) is before the window
        "compensation_rate": 0.2778,  # 250,000 / 900,000
        "recovered_amount": "200000.00",  # K3 100,000 + 50,000, K5 50,000
        "recovery_rate": 0.3077,  # 200,000 / (400,000 owed at 2025-07-01 + 250,000)
        "compensation_balance": "420000.00",
        "loss_amount": "30000.00",
        "loss_rate": 0.0333,  # 30,000 / 900,000
    }


async def test_whole_book_since_inception(
    client: httpx.AsyncClient, db: asyncpg.Connection
) -> None:
    await _book(db)
    body = await _indicators(client, as_of=AS_OF, period="inception")
    assert body["period_start"] is None
    [group] = body["groups"]
    assert _figures(group) == STOCK_ALL | {
        "released_amount": "1600000.00",  # K3 500,000 + K4 600,000 + K5 300,000 + K7 200,000
        "compensated_amount": "650000.00",  # K3 400,000 + K5 250,000
        "compensation_rate": 0.4062,  # 650,000 / 1,600,000 = 0.40625, half-even
        "recovered_amount": "200000.00",
        "recovery_rate": 0.3077,  # 200,000 / (0 + 650,000)
        "compensation_balance": "420000.00",
        "loss_amount": "30000.00",
        "loss_rate": 0.0188,  # 30,000 / 1,600,000 = 0.01875, half-even
    }


async def test_as_of_moves_only_the_flow_window(
    client: httpx.AsyncClient, db: asyncpg.Connection
) -> None:
    await _book(db)
    [group] = (await _indicators(client, as_of="2026-07-31"))["groups"]
    # Stock stays current; K5's July recovery now counts: 120,000 recovered, 400,000 owed.
    assert _figures(group) == STOCK_ALL | {
        "released_amount": "300000.00", "compensated_amount": "250000.00",
        "compensation_rate": 0.8333, "recovered_amount": "120000.00",
        "recovery_rate": 0.2182,  # 120,000 / 550,000
        "compensation_balance": "400000.00", "loss_amount": "30000.00", "loss_rate": 0.1,
    }  # fmt: skip


async def test_grouped_by_risk_tier(client: httpx.AsyncClient, db: asyncpg.Connection) -> None:
    await _book(db)
    body = await _indicators(client, as_of=AS_OF, group_by="risk_tier")
    # D (medium) has nothing in force, released nothing this year and was never compensated:
    # it is not listed. Unrated C is the null key, last.
    assert [g["key"] for g in body["groups"]] == ["high", "low", None]
    high, low, unrated = (_figures(g) for g in body["groups"])
    assert high == NO_STOCK | {
        "released_amount": "0.00",  # K3 and K4 were released in 2025
        "compensated_amount": "0.00", "compensation_rate": None,
        "recovered_amount": "50000.00",
        "recovery_rate": 0.1667,  # 50,000 / (300,000 owed at 2026-01-01 + 0)
        "compensation_balance": "220000.00",
        "loss_amount": "30000.00", "loss_rate": None,  # nothing released: no denominator
    }  # fmt: skip
    assert low == STOCK_A | NO_FLOWS
    assert unrated == STOCK_C | {
        "released_amount": "300000.00", "compensated_amount": "250000.00",
        "compensation_rate": 0.8333, "recovered_amount": "50000.00",
        "recovery_rate": 0.2,  # 50,000 / (0 + 250,000)
        "compensation_balance": "200000.00", "loss_amount": "0.00", "loss_rate": 0.0,
    }  # fmt: skip


async def test_grouped_by_product(client: httpx.AsyncClient, db: asyncpg.Connection) -> None:
    await _book(db)
    body = await _indicators(client, as_of=AS_OF, group_by="product", period="inception")
    groups = {g["key"]: _figures(g) for g in body["groups"]}
    assert list(groups) == ["bond", "loan", "performance_bond", "trade_finance"]
    assert groups["bond"] == {
        "customers": 1, "contracts": 1, "outstanding_balance": "2000000.00",
        "guarantee_liability": "1000000.00", "collateral_value": "300000.00",
        "coverage_ratio": 0.3, "overdue_amount": "300000.00", "overdue_rate": 1.0,
    } | NO_FLOWS  # fmt: skip
    assert groups["loan"] == {
        "customers": 2, "contracts": 2,  # K1 (A) and K6 (C)
        "outstanding_balance": "1200000.00", "guarantee_liability": "1200000.00",
        "collateral_value": "700000.00", "coverage_ratio": 0.5833,  # 700,000 / 1,200,000
        "overdue_amount": "0.00", "overdue_rate": 0.0,
        "released_amount": "1100000.00",  # K3 500,000 + K4 600,000
        "compensated_amount": "400000.00", "compensation_rate": 0.3636,  # 400,000 / 1,100,000
        "recovered_amount": "150000.00", "recovery_rate": 0.375,  # 150,000 / 400,000
        "compensation_balance": "220000.00",
        "loss_amount": "30000.00", "loss_rate": 0.0273,  # 30,000 / 1,100,000
    }  # fmt: skip
    assert groups["performance_bond"] == NO_STOCK | NO_FLOWS | {
        "released_amount": "200000.00", "compensation_rate": 0.0, "loss_rate": 0.0,
    }  # fmt: skip
    assert groups["trade_finance"] == NO_STOCK | {
        "released_amount": "300000.00", "compensated_amount": "250000.00",
        "compensation_rate": 0.8333, "recovered_amount": "50000.00", "recovery_rate": 0.2,
        "compensation_balance": "200000.00", "loss_amount": "0.00", "loss_rate": 0.0,
    }  # fmt: skip


async def test_grouped_by_lender_sums_to_the_whole(
    client: httpx.AsyncClient, db: asyncpg.Connection
) -> None:
    await _book(db)
    groups = (await _indicators(client, as_of=AS_OF, group_by="lender", period="ttm"))["groups"]
    assert [g["key"] for g in groups] == ["Bank X", "Bank Y"]
    # Bank X: K1 800,000 + nothing else in force; Bank Y: K2 2,000,000 + K6 400,000.
    assert [g["outstanding_balance"] for g in groups] == ["800000.00", "2400000.00"]
    # Bank X released K5 300,000 in the window; Bank Y released K4 600,000.
    assert [g["released_amount"] for g in groups] == ["300000.00", "600000.00"]
    # A customer with contracts at two lenders counts once in each.
    assert [g["customers"] for g in groups] == [1, 2]


async def test_grouped_by_customer_is_paginated(
    client: httpx.AsyncClient, db: asyncpg.Connection
) -> None:
    ids = await _book(db)
    first = await _indicators(client, as_of=AS_OF, group_by="customer", period="ttm", limit=2)
    assert len(first["groups"]) == 2
    assert first["next_cursor"]
    second = await _indicators(
        client, as_of=AS_OF, group_by="customer", period="ttm", limit=2, cursor=first["next_cursor"]
    )
    assert second["next_cursor"] is None
    groups = first["groups"] + second["groups"]
    # D's only release (2024-01-10) is before the window and it was never compensated.
    expected_order = sorted(str(ids[name]) for name in "ABC")
    assert [g["key"] for g in groups] == expected_order
    by_key = {g["key"]: g for g in groups}
    assert by_key[str(ids["A"])]["name"] == "A 精密"
    assert _figures(by_key[str(ids["A"])]) == STOCK_A | NO_FLOWS
    assert _figures(by_key[str(ids["B"])]) == NO_STOCK | {
        "released_amount": "600000.00",  # K4 (2025-08-20); K3 left force before the window
        "compensated_amount": "0.00", "compensation_rate": 0.0,
        "recovered_amount": "150000.00",  # K3 100,000 + 50,000
        "recovery_rate": 0.375,  # 150,000 / (400,000 owed at 2025-07-01 + 0)
        "compensation_balance": "220000.00",
        "loss_amount": "30000.00", "loss_rate": 0.05,  # 30,000 / 600,000
    }  # fmt: skip
    assert _figures(by_key[str(ids["C"])]) == STOCK_C | {
        "released_amount": "300000.00", "compensated_amount": "250000.00",
        "compensation_rate": 0.8333, "recovered_amount": "50000.00", "recovery_rate": 0.2,
        "compensation_balance": "200000.00", "loss_amount": "0.00", "loss_rate": 0.0,
    }  # fmt: skip
    since_inception = await _indicators(
        client, as_of=AS_OF, group_by="customer", period="inception", limit=10
    )
    assert str(ids["D"]) in [g["key"] for g in since_inception["groups"]]


async def test_empty_book(client: httpx.AsyncClient) -> None:
    body = await _indicators(client)
    [group] = body["groups"]
    assert group["key"] is None
    assert _figures(group) == NO_STOCK | NO_FLOWS
    for group_by in ("risk_tier", "customer", "industry_section"):
        grouped = await _indicators(client, group_by=group_by)
        assert grouped["groups"] == []
        assert grouped["next_cursor"] is None


async def test_as_of_defaults_to_today_and_ttm_handles_leap_day(client: httpx.AsyncClient) -> None:

    body = await _indicators(client)
    assert body["as_of"] == business_today().isoformat()
    leap = await _indicators(client, as_of="2028-02-29", period="ttm")
    assert leap["period_start"] == "2027-03-01"


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"group_by": "region"}, "group_by"),
        ({"period": "mtd"}, "period"),
        ({"as_of": "2026-13-01"}, "as_of"),
        ({"as_of": "0001-01-01", "period": "ttm"}, "as_of"),
        ({"group_by": "customer", "limit": 0}, "limit"),
        ({"group_by": "customer", "cursor": "not-a-cursor"}, "cursor"),
        ({"group_by": "product", "cursor": "WyJ4Il0"}, "cursor"),
    ],
)
async def test_bad_query_is_422_naming_the_field(
    client: httpx.AsyncClient, params: dict[str, Any], field: str
) -> None:
    response = await client.get("/v1/portfolio/indicators", params=params)
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["errors"][0]["loc"] == ["query", field]


async def test_needs_the_portfolio_scope(anon: httpx.AsyncClient) -> None:
    assert (await anon.get("/v1/portfolio/indicators")).status_code == 401
    wrong = await anon.get("/v1/portfolio/indicators", headers=bearer("customers:read"))
    assert wrong.status_code == 403
    right = await anon.get("/v1/portfolio/indicators", headers=bearer("portfolio:read"))
    assert right.status_code == 200
