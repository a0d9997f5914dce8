"""Regulatory figures against hand-computed numbers; the test settings give net assets of
100,000,000.00 and no investments in other guarantors."""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

import asyncpg
import httpx

from guarantee_shared.schemas.portfolio import RegulatoryFigures
from tests.customer_api.books import Book
from tests.support.auth import bearer


async def _in_force(
    book: Book, customer: uuid.UUID, product: str, balance: int, ratio: str = "1"
) -> None:
    await book.contract(
        customer, principal=balance, product=product, guarantee_ratio=ratio,
        events=[("activate", balance, "2026-01-05")],
    )  # fmt: skip


async def _figures(client: httpx.AsyncClient) -> dict[str, Any]:
    response = await client.get("/v1/portfolio/regulatory")
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def test_weights_leverage_and_concentration(
    client: httpx.AsyncClient, db: asyncpg.Connection
) -> None:
    book = Book(db)
    r1 = await book.customer("R1 小型", size_class="small")
    r2 = await book.customer("R2 微型", size_class="micro", related_group="Alpha 集团")
    r3 = await book.customer("R3 发债", size_class="large", related_group="Alpha 集团")
    r4 = await book.customer("R4 中型", size_class="medium")
    r5 = await book.customer("R5 小型", size_class="small", related_group="Beta")
    r6 = await book.customer("R6 小型", size_class="small", related_group="Beta")
    # R1: small loan, total balance 3,000,000 <= 5,000,000: weight 75 %.
    await _in_force(book, r1, "loan", 3_000_000)
    # R2: micro, but its total balance (bid bond included) is 6,000,000 > 5,000,000: 100 %
    # on the loan's liability 4,000,000 x 0.5; the bid bond is no financing guarantee.
    await _in_force(book, r2, "loan", 4_000_000, ratio="0.5")
    await _in_force(book, r2, "bid_bond", 2_000_000)
    # R3: bond of an issuer whose latest external rating is AA+: 80 %.
    await book.credit_event(r3, kind="external_rating", occurred_on="2024-01-01", grade="BBB")
    await book.credit_event(r3, kind="external_rating", occurred_on="2025-06-01", grade="AA+")
    await _in_force(book, r3, "bond", 10_000_000)
    # R4: AA- is below AA, and a medium firm's loan is not small/micro: both 100 %.
    await book.credit_event(r4, kind="external_rating", occurred_on="2025-06-01", grade="AA-")
    await _in_force(book, r4, "bond", 5_000_000)
    await _in_force(book, r4, "loan", 1_000_000)
    # R5: small trade finance (loan-type), total 3,000,000 with its performance bond: 75 %.
    await _in_force(book, r5, "trade_finance", 2_000_000)
    await _in_force(book, r5, "performance_bond", 1_000_000)
    # R6: `other` is a financing guarantee but not loan-type: 100 %.
    await _in_force(book, r6, "other", 1_000_000)
    # Neither left-force contracts nor a customer's rating of AAA on a loan change anything.
    await book.contract(
        r1, principal=9_000_000, events=[("activate", 9_000_000, "2025-01-05"),
                                         ("repayment", 9_000_000, "2025-12-05")],
    )  # fmt: skip

    body = await _figures(client)
    assert body["net_assets"] == "100000000.00"
    assert body["guarantee_investments"] == "0.00"
    # 3,000,000 + 2,000,000 + 10,000,000 + 6,000,000 + 2,000,000 + 1,000,000
    assert body["financing_liability"] == "24000000.00"
    assert body["weights"] == [
        # R1 3,000,000 + R5 2,000,000
        {"weight": 0.75, "liability": "5000000.00", "weighted_liability": "3750000.00"},
        # R3
        {"weight": 0.8, "liability": "10000000.00", "weighted_liability": "8000000.00"},
        # R2 2,000,000 + R4 6,000,000 + R6 1,000,000
        {"weight": 1.0, "liability": "9000000.00", "weighted_liability": "9000000.00"},
    ]
    assert body["weighted_liability"] == "20750000.00"
    assert body["leverage"] == 0.2075  # 20,750,000 / 100,000,000
    # Financing balance 26,000,000, of which small/micro (R1, R2, R5, R6) 10,000,000;
    # 4 of the 6 customers: neither condition for the 15x cap holds.
    assert body["financing_balance"] == "26000000.00"
    assert body["small_micro_balance_share"] == 0.3846
    assert body["small_micro_customer_share"] == 0.6667
    assert body["leverage_cap"] == 10
    assert body["leverage_within_cap"] is True
    # R3's 10,000,000 is exactly 10 % of net assets: at the limit is within it.
    assert body["largest_customer"] == {
        "customer_id": str(r3), "name": "R3 发债", "liability": "10000000.00",
        "share": 0.1, "limit": 0.1, "within_limit": True,
    }  # fmt: skip
    # Alpha: R2 2,000,000 + R3 10,000,000.
    assert body["largest_group"] == {
        "name": "Alpha 集团", "related_group": "Alpha 集团", "customers": 2,
        "liability": "12000000.00", "share": 0.12, "limit": 0.15, "within_limit": True,
    }  # fmt: skip
    assert [c["name"] for c in body["top_customers"][:3]] == ["R3 发债", "R4 中型", "R1 小型"]
    # A customer in no group is a group of its own, named after it.
    assert [(g["name"], g["related_group"], g["customers"], g["liability"]) for g in
            body["top_groups"]] == [
        ("Alpha 集团", "Alpha 集团", 2, "12000000.00"),
        ("R4 中型", None, 1, "6000000.00"),
        ("Beta", "Beta", 2, "3000000.00"),
        ("R1 小型", None, 1, "3000000.00"),
    ]  # fmt: skip
    figures = RegulatoryFigures.model_validate(body)
    assert figures.largest_group is not None
    assert figures.largest_group.liability == Decimal("12000000.00")


async def test_small_micro_focus_raises_the_cap_and_limits_are_breached(
    client: httpx.AsyncClient, db: asyncpg.Connection
) -> None:
    book = Book(db)
    smalls = [
        await book.customer(f"S{i}", size_class="small", related_group="Gamma" if i < 3 else None)
        for i in range(1, 5)
    ]
    large = await book.customer("L1", size_class="large")
    # Each small balance exceeds 5,000,000, so every loan weighs 100 %.
    for customer, balance in zip(
        smalls, (11_000_000, 10_000_000, 10_000_000, 10_000_000), strict=True
    ):
        await _in_force(book, customer, "loan", balance)
    await _in_force(book, large, "loan", 12_000_000, ratio="0.5")

    body = await _figures(client)
    assert body["financing_liability"] == "47000000.00"  # 41,000,000 + 12,000,000 x 0.5
    assert body["weighted_liability"] == "47000000.00"
    assert body["leverage"] == 0.47
    # 41,000,000 / 53,000,000 = 0.7736 >= 0.5, and 4 / 5 = 0.8 >= 0.8: cap 15x.
    assert body["small_micro_balance_share"] == 0.7736
    assert body["small_micro_customer_share"] == 0.8
    assert body["leverage_cap"] == 15
    # S1: 11,000,000 / 100,000,000 = 11 % > 10 %; Gamma (S1 + S2): 21 % > 15 %.
    assert body["largest_customer"]["name"] == "S1"
    assert body["largest_customer"]["share"] == 0.11
    assert body["largest_customer"]["within_limit"] is False
    assert body["largest_group"]["name"] == "Gamma"
    assert body["largest_group"]["share"] == 0.21
    assert body["largest_group"]["within_limit"] is False


async def test_leverage_over_the_cap(client: httpx.AsyncClient, db: asyncpg.Connection) -> None:
    book = Book(db)
    issuer = await book.customer("大额发债", size_class="large")
    # Unrated issuer: 100 % of 1,200,000,000 over net assets 100,000,000 is 12x > 10x.
    await _in_force(book, issuer, "bond", 1_200_000_000)
    body = await _figures(client)
    assert body["leverage"] == 12.0
    assert body["leverage_cap"] == 10
    assert body["leverage_within_cap"] is False
    assert body["small_micro_balance_share"] == 0.0
    assert body["largest_customer"]["share"] == 12.0


async def test_no_financing_business(client: httpx.AsyncClient, db: asyncpg.Connection) -> None:
    book = Book(db)
    bidder = await book.customer("投标客户", size_class="small")
    await _in_force(book, bidder, "bid_bond", 3_000_000)
    body = await _figures(client)
    assert body["financing_liability"] == "0.00"
    assert body["weighted_liability"] == "0.00"
    assert body["leverage"] == 0.0
    assert body["leverage_cap"] == 10
    # No financing customers: the shares have no denominator.
    assert body["small_micro_balance_share"] is None
    assert body["small_micro_customer_share"] is None
    assert body["largest_customer"] is None
    assert body["largest_group"] is None
    assert body["top_customers"] == []
    assert body["top_groups"] == []


async def test_portfolio_endpoints_need_the_portfolio_scope(anon: httpx.AsyncClient) -> None:
    for path in ("/v1/portfolio/regulatory", "/v1/portfolio/signals"):
        assert (await anon.get(path)).status_code == 401
        assert (await anon.get(path, headers=bearer("contracts:read"))).status_code == 403
        assert (await anon.get(path, headers=bearer("portfolio:read"))).status_code == 200
