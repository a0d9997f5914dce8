"""Ratings and outcomes written straight into the database, for the rating-accuracy tests."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime
from typing import Any

import asyncpg

from tests.customer_api.books import Book

AS_OF = "2026-06-30"  # horizon 12 → cohort 2025-06-30, previous window 2024-06-30
TIER = {"AAA": "low", "AA": "low", "A": "low", "BBB": "medium", "BB": "medium"}


async def rate(
    db: asyncpg.Connection,
    customer_id: uuid.UUID,
    *,
    rated_at: str,
    grade: str,
    pd: float,
    score: float,
    model_version: str = "v1",
    request: dict[str, Any] | None = None,
) -> uuid.UUID:
    """A rating as the history stores it (``rated_at`` in UTC)."""
    moment = datetime.fromisoformat(rated_at).replace(tzinfo=UTC)
    rating_id = uuid.uuid4()
    await db.execute(
        """INSERT INTO customer.ratings (id, customer_id, rated_at, as_of, request_hash,
               model_version, score, credit_grade, risk_tier, customer_class, size_class,
               result, actor)
           VALUES ($1, $2, $3, $4, 'h', $5, $6, $7, $8, 'general', 'small', $9, 'test')""",
        rating_id, customer_id, moment, moment.date(), model_version, score, grade,
        TIER.get(grade, "high"), json.dumps({"pd": pd, "credit_grade": grade}),
    )  # fmt: skip
    return rating_id


async def compensated(book: Book, customer_id: uuid.UUID, on: str) -> None:
    await book.contract(
        customer_id,
        principal=1_000_000,
        events=[("activate", 1_000_000, "2025-01-10"), ("compensation", 500_000, on)],
    )


async def crafted_book(db: asyncpg.Connection) -> list[tuple[str, float, int]]:
    """The book of every test here; returns (grade, pd, outcome) of the ratings in force."""
    book = Book(db)
    c = [await book.customer(f"客户{i}") for i in range(10)]
    await rate(db, c[0], rated_at="2025-03-01T02:00:00", grade="A", pd=0.002, score=700)
    await rate(db, c[1], rated_at="2025-03-01T02:00:00", grade="BBB", pd=0.005, score=650)
    await book.credit_event(c[1], kind="default", occurred_on="2025-09-01")
    await rate(db, c[2], rated_at="2025-04-01T02:00:00", grade="BB", pd=0.02, score=600)
    await compensated(book, c[2], "2026-03-01")
    # The same PD as c2 without a default: a tie between the classes counts one half.
    await rate(db, c[3], rated_at="2025-04-01T02:00:00", grade="BB", pd=0.02, score=600)
    # c4: an older rating superseded, a newer one issued after the cohort date ignored.
    await rate(db, c[4], rated_at="2024-01-01T02:00:00", grade="AAA", pd=0.0004, score=900)
    await rate(db, c[4], rated_at="2025-05-01T02:00:00", grade="B", pd=0.06, score=520)
    await rate(db, c[4], rated_at="2025-08-01T02:00:00", grade="CC", pd=0.3, score=330)
    # c5: a default on the cohort date and a compensation after as_of are both outside.
    await rate(db, c[5], rated_at="2025-02-01T02:00:00", grade="CCC", pd=0.15, score=450)
    await book.credit_event(c[5], kind="default", occurred_on="2025-06-30")
    await compensated(book, c[5], "2026-07-01")
    # c6: rated after the cohort date only: not in the backtest.
    await rate(db, c[6], rated_at="2025-07-02T02:00:00", grade="A", pd=0.002, score=700)
    # c7: a default on as_of itself is inside the window.
    await rate(db, c[7], rated_at="2025-01-15T02:00:00", grade="CC", pd=0.3, score=330)
    await book.credit_event(c[7], kind="default", occurred_on=AS_OF)
    # c8: 17:00 UTC on 30 June is 1 July in China: issued after the cohort date.
    await rate(db, c[8], rated_at="2025-06-30T17:00:00", grade="BBB", pd=0.005, score=650)
    # c9: an unrelated credit event is no default.
    await rate(db, c[9], rated_at="2025-06-30T15:00:00", grade="A", pd=0.002, score=700)
    await book.credit_event(c[9], kind="litigation", occurred_on="2025-10-01")
    return [
        ("A", 0.002, 0),
        ("BBB", 0.005, 1),
        ("BB", 0.02, 1),
        ("BB", 0.02, 0),
        ("B", 0.06, 0),
        ("CCC", 0.15, 0),
        ("CC", 0.3, 1),
        ("A", 0.002, 0),
    ]
