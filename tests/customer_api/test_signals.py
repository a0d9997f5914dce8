"""Customer warning signals: each implemented kind, since and kind filters, keyset pages."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

import asyncpg
import httpx

from guarantee_shared.clock import business_today
from guarantee_shared.schemas.portfolio import SignalKind, SignalPage
from tests.customer_api.books import Book


def _days_since(day: str) -> int:
    return (business_today() - date.fromisoformat(day)).days


async def _book(db: asyncpg.Connection) -> dict[str, uuid.UUID]:
    book = Book(db)
    ids: dict[str, uuid.UUID] = {}
    ids["late"] = late = await book.customer("逾期客户")
    ids["late_contract"] = await book.contract(
        late, principal=1_000_000,
        events=[("activate", 1_000_000, "2025-01-10"), ("overdue", 120_000, "2025-10-05"),
                ("overdue", 150_000, "2025-11-05")],
    )  # fmt: skip
    # Cured, repaid and compensated contracts are not overdue any more.
    await book.contract(
        late, principal=500_000,
        events=[("activate", 500_000, "2025-01-10"), ("overdue", 10_000, "2025-03-01"),
                ("cure", None, "2025-03-20")],
    )  # fmt: skip
    await book.contract(
        late, principal=500_000,
        events=[("activate", 500_000, "2025-01-10"), ("overdue", 10_000, "2025-03-01"),
                ("compensation", 500_000, "2025-06-01")],
    )  # fmt: skip
    ids["litigation"] = await book.credit_event(late, kind="litigation", occurred_on="2025-04-01")
    await book.credit_event(
        late, kind="loan_overdue", occurred_on="2025-02-01", resolved_on="2025-02-20"
    )
    await book.credit_event(late, kind="positive_record", occurred_on="2025-02-02")
    # A C-grade followed by an A-grade is superseded; the CC external rating is the latest.
    await book.credit_event(late, kind="tax_credit_grade", occurred_on="2024-05-01", grade="C")
    await book.credit_event(late, kind="tax_credit_grade", occurred_on="2025-05-01", grade="A")
    await book.credit_event(late, kind="external_rating", occurred_on="2024-06-01", grade="BBB")
    ids["rating"] = await book.credit_event(
        late, kind="external_rating", occurred_on="2025-06-01", grade="CC"
    )

    ids["weak"] = weak = await book.customer("业绩下滑客户")
    await book.statement(weak, period_end="2023-12-31", revenue=8_000_000)
    await book.statement(weak, period_end="2024-12-31", revenue=10_000_000)
    ids["weak_annual"] = await book.statement(
        weak, period_end="2025-12-31", revenue=6_500_000,  # -35 % on 2024
        total_assets=20_000_000, total_liabilities=19_000_000,  # debt ratio 0.95
        operating_cash_flow=-1_200_000,
    )  # fmt: skip
    # A newer quarterly statement does not replace the annual one (docs/DOMAIN.md §2).
    await book.statement(
        weak, period_end="2026-03-31", period_type="quarterly", revenue=2_000_000,
        total_assets=20_000_000, total_liabilities=10_000_000, operating_cash_flow=300_000,
    )  # fmt: skip

    ids["due"] = due = await book.customer("待复核客户", next_review_due="2025-12-01")
    ids["tax_d"] = await book.credit_event(
        due, kind="tax_credit_grade", occurred_on="2026-04-30", grade="D"
    )
    # Only quarterly statements: the newest quarterly one is the latest statement.
    ids["due_quarter"] = await book.statement(
        due, period_end="2026-06-30", period_type="quarterly", revenue=1_000_000,
        operating_cash_flow=-50_000,
    )  # fmt: skip
    await book.statement(
        due, period_end="2026-03-31", period_type="quarterly", revenue=1_000_000,
        operating_cash_flow=-70_000,
    )  # fmt: skip

    # Below every threshold: -20 % revenue, debt ratio 0.85, review due in the future.
    steady = await book.customer("稳健客户", next_review_due="2099-01-01")
    await book.statement(steady, period_end="2024-12-31", revenue=10_000_000)
    await book.statement(
        steady, period_end="2025-12-31", revenue=8_000_000,
        total_assets=10_000_000, total_liabilities=8_500_000,
    )  # fmt: skip
    await book.credit_event(
        steady, kind="default", occurred_on="2024-01-01", resolved_on="2024-03-01"
    )

    # An inactive customer never signals, whatever its records say.
    gone = await book.customer("已注销客户", next_review_due="2024-01-01", status="inactive")
    await book.credit_event(gone, kind="dishonest_executee", occurred_on="2025-01-01")
    return ids


async def _all(client: httpx.AsyncClient, **params: Any) -> list[dict[str, Any]]:
    response = await client.get("/v1/portfolio/signals", params={"limit": 500, **params})
    assert response.status_code == 200, response.text
    assert response.json()["next_cursor"] is None
    items: list[dict[str, Any]] = response.json()["items"]
    return items


async def test_every_implemented_kind(client: httpx.AsyncClient, db: asyncpg.Connection) -> None:
    ids = await _book(db)
    signals = await _all(client)
    got = [(s["kind"], s["customer_id"], s["value"], s["grade"], s["observed_at"], s["source_id"])
           for s in signals]  # fmt: skip
    late, weak, due = str(ids["late"]), str(ids["weak"]), str(ids["due"])
    # Oldest observation first.
    assert got == [
        ("adverse_event", late, "litigation", None, "2025-04-01", str(ids["litigation"])),
        ("adverse_event", late, "external_rating", "CC", "2025-06-01", str(ids["rating"])),
        # First overdue date is kept by a second overdue event.
        ("contract_overdue", late, _days_since("2025-10-05"), None, "2025-10-05",
         str(ids["late_contract"])),
        ("review_overdue", due, _days_since("2025-12-01"), None, "2025-12-01", due),
        ("high_debt_ratio", weak, 0.95, None, "2025-12-31", str(ids["weak_annual"])),
        ("negative_operating_cash_flow", weak, "-1200000.00", None, "2025-12-31",
         str(ids["weak_annual"])),
        ("revenue_drop", weak, -0.35, None, "2025-12-31", str(ids["weak_annual"])),
        ("adverse_event", due, "tax_credit_grade", "D", "2026-04-30", str(ids["tax_d"])),
        ("negative_operating_cash_flow", due, "-50000.00", None, "2026-06-30",
         str(ids["due_quarter"])),
    ]  # fmt: skip
    overdue = next(s for s in signals if s["kind"] == "contract_overdue")
    assert overdue["customer_name"] == "逾期客户"
    assert "150000.00" in overdue["detail"]
    page = SignalPage.model_validate({"items": signals, "next_cursor": None})
    assert page.items[4].kind is SignalKind.HIGH_DEBT_RATIO
    assert page.items[4].value == 0.95


async def test_since_keeps_later_observations(
    client: httpx.AsyncClient, db: asyncpg.Connection
) -> None:
    await _book(db)
    signals = await _all(client, since="2025-12-31")
    assert [(s["kind"], s["observed_at"]) for s in signals] == [
        ("high_debt_ratio", "2025-12-31"),
        ("negative_operating_cash_flow", "2025-12-31"),
        ("revenue_drop", "2025-12-31"),
        ("adverse_event", "2026-04-30"),
        ("negative_operating_cash_flow", "2026-06-30"),
    ]
    assert await _all(client, since="2026-07-01") == []


async def test_kind_filter(client: httpx.AsyncClient, db: asyncpg.Connection) -> None:
    ids = await _book(db)
    signals = await _all(client, kind=["review_overdue", "revenue_drop"])
    assert [(s["kind"], s["customer_id"]) for s in signals] == [
        ("review_overdue", str(ids["due"])),
        ("revenue_drop", str(ids["weak"])),
    ]
    # Part of the vocabulary, not emitted yet.
    assert await _all(client, kind="complaint_breached") == []


async def test_pages_walk_every_signal_once(
    client: httpx.AsyncClient, db: asyncpg.Connection
) -> None:
    await _book(db)
    everything = await _all(client)
    seen: list[dict[str, Any]] = []
    cursor: str | None = None
    pages = 0
    while True:
        params: dict[str, Any] = {"limit": 2}
        if cursor:
            params["cursor"] = cursor
        response = await client.get("/v1/portfolio/signals", params=params)
        assert response.status_code == 200
        page = response.json()
        assert len(page["items"]) <= 2
        seen += page["items"]
        pages += 1
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == everything
    assert pages == 5  # 9 signals, 2 a page
    # Signals sharing a date and a customer (the three on weak's annual) split across pages.
    since_page = await client.get(
        "/v1/portfolio/signals", params={"limit": 1, "since": "2025-12-31"}
    )
    follow = await client.get(
        "/v1/portfolio/signals",
        params={"limit": 1, "since": "2025-12-31", "cursor": since_page.json()["next_cursor"]},
    )
    assert [s["kind"] for s in since_page.json()["items"] + follow.json()["items"]] == [
        "high_debt_ratio",
        "negative_operating_cash_flow",
    ]


async def test_bad_parameters_are_422(client: httpx.AsyncClient) -> None:
    for params, field in (
        ({"since": "yesterday"}, "since"),
        ({"kind": "gossip"}, "kind"),
        ({"cursor": "WyJ4Il0"}, "cursor"),  # a cursor of another shape
        ({"cursor": "WyIyMDI2LTAxLTAxIiwieCIsInkiLCJ6Il0"}, "cursor"),  # ["2026-01-01","x","y","z"]
        ({"limit": 501}, "limit"),
    ):
        response = await client.get("/v1/portfolio/signals", params=params)
        assert response.status_code == 422, params
        assert response.json()["errors"][0]["loc"][:2] == ["query", field], params
