"""Expected loss (docs/DOMAIN.md §16) against hand-computed figures on a crafted book; the test
settings keep the defaults: default PD 0.05, LGD floor 0.10."""

from __future__ import annotations

from typing import Any

import asyncpg
import httpx

from tests.customer_api.books import Book


async def _el(client: httpx.AsyncClient, **params: Any) -> dict[str, Any]:
    response = await client.get("/v1/portfolio/expected-loss", params=params)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def crafted_book(db: asyncpg.Connection) -> Book:
    """Three customers with exposure, one without.

    A  rated PD 0.02, section C, region 330106: loan 1,000,000 in force, real estate 1,000,000
       at haircut 0.3; LGD 1 − 700,000 / 1,000,000 = 0.3; EL 0.02 × 0.3 × 1,000,000 = 6,000.
    B  unrated, section K: loan 2,000,000 at guarantee ratio 0.5, no collateral; EAD 1,000,000,
       PD 0.05 (default), LGD 1; EL 50,000.
    C  rated PD 0.10 then 0.04 (the latest counts), section C, region 110101: loan 500,000 in
       force with a deposit of 800,000; a trade finance compensated 300,000 and recovered
       100,000 (balance 200,000 at PD 1). EAD 700,000; LGD max(0.1, 1 − 800,000 / 700,000) = 0.1;
       EL 0.04 × 0.1 × 500,000 + 1 × 0.1 × 200,000 = 22,000.
    D  unrated, only a repaid contract: no exposure.
    """
    book = Book(db)
    a = await book.customer("A 制造", industry_section="C", region_code="330106")
    b = await book.customer("B 地产", industry_section="K")
    c = await book.customer("C 制造", industry_section="C", region_code="110101")
    d = await book.customer("D 已结清", industry_section="C")
    await book.rating(a, pd="0.02")
    await book.rating(c, pd="0.10", rated_at="2025-01-01T00:00:00+00:00")
    await book.rating(c, pd="0.04", rated_at="2026-01-01T00:00:00+00:00")
    loan_a = await book.contract(
        a, principal=1_000_000, events=[("activate", 1_000_000, "2026-01-05")]
    )
    await book.collateral(loan_a, kind="real_estate", appraised_value=1_000_000, haircut="0.3")
    await book.contract(
        b, principal=2_000_000, guarantee_ratio="0.5",
        events=[("activate", 2_000_000, "2026-01-05")],
    )  # fmt: skip
    loan_c = await book.contract(c, principal=500_000, events=[("activate", 500_000, "2026-01-05")])
    await book.collateral(loan_c, kind="deposit", appraised_value=800_000, haircut="0")
    await book.contract(
        c, principal=300_000, product="trade_finance",
        events=[("activate", 300_000, "2025-01-05"), ("compensation", 300_000, "2025-09-01"),
                ("recovery", 100_000, "2025-12-01")],
    )  # fmt: skip
    await book.contract(
        d, principal=400_000,
        events=[("activate", 400_000, "2025-01-05"), ("repayment", 400_000, "2025-06-01")],
    )  # fmt: skip
    return book


async def test_portfolio_expected_loss(client: httpx.AsyncClient, db: asyncpg.Connection) -> None:
    await crafted_book(db)
    body = await _el(client)
    assert body["default_pd"] == 0.05
    assert body["lgd_floor"] == 0.1
    # EAD 2,700,000; expected default 20,000 + 50,000 + 20,000 + 200,000 = 290,000;
    # EL 6,000 + 50,000 + 22,000 = 78,000.
    assert body["groups"] == [
        {
            "key": None,
            "name": None,
            "customers": 3,
            "ead": "2700000.00",
            "pd": 0.1074,  # 290,000 / 2,700,000
            "lgd": 0.269,  # 78,000 / 290,000
            "expected_loss": "78000.00",
            "unrated_ead": "1000000.00",
        }
    ]


async def test_grouped_by_industry_and_by_product(
    client: httpx.AsyncClient, db: asyncpg.Connection
) -> None:
    await crafted_book(db)
    by_section = {g["key"]: g for g in (await _el(client, group_by="industry_section"))["groups"]}
    assert set(by_section) == {"C", "K"}
    # C: A and C, EAD 1,700,000, expected default 240,000, EL 28,000.
    assert by_section["C"]["ead"] == "1700000.00"
    assert by_section["C"]["expected_loss"] == "28000.00"
    assert by_section["C"]["pd"] == 0.1412
    assert by_section["C"]["lgd"] == 0.1167
    assert by_section["C"]["unrated_ead"] == "0.00"
    assert by_section["K"] == {
        "key": "K", "name": None, "customers": 1, "ead": "1000000.00", "pd": 0.05, "lgd": 1.0,
        "expected_loss": "50000.00", "unrated_ead": "1000000.00",
    }  # fmt: skip
    # A product group takes each contract's EAD with its customer's LGD.
    by_product = {g["key"]: g for g in (await _el(client, group_by="product"))["groups"]}
    assert by_product["loan"]["ead"] == "2500000.00"
    assert by_product["loan"]["expected_loss"] == "58000.00"
    assert by_product["trade_finance"]["ead"] == "200000.00"
    assert by_product["trade_finance"]["pd"] == 1.0
    assert by_product["trade_finance"]["lgd"] == 0.1
    assert by_product["trade_finance"]["expected_loss"] == "20000.00"


async def test_grouped_by_customer_is_paginated(
    client: httpx.AsyncClient, db: asyncpg.Connection
) -> None:
    await crafted_book(db)
    first = await _el(client, group_by="customer", limit=2)
    assert len(first["groups"]) == 2
    assert first["next_cursor"]
    second = await _el(client, group_by="customer", limit=2, cursor=first["next_cursor"])
    assert second["next_cursor"] is None
    groups = first["groups"] + second["groups"]
    by_name = {g["name"]: g["expected_loss"] for g in groups}
    assert by_name == {"A 制造": "6000.00", "B 地产": "50000.00", "C 制造": "22000.00"}
    assert [g["key"] for g in groups] == sorted(g["key"] for g in groups)


async def test_empty_book_and_cursor_outside_customer_grouping(
    client: httpx.AsyncClient, db: asyncpg.Connection
) -> None:
    body = await _el(client)
    assert body["groups"] == [
        {"key": None, "name": None, "customers": 0, "ead": "0.00", "pd": None, "lgd": None,
         "expected_loss": "0.00", "unrated_ead": "0.00"}
    ]  # fmt: skip
    first = await _el(client, group_by="customer", limit=1)
    assert first["groups"] == []
    assert first["next_cursor"] is None
    response = await client.get(
        "/v1/portfolio/expected-loss", params={"group_by": "product", "cursor": "abc"}
    )
    assert response.status_code == 422
