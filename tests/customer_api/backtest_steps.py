"""Ratings and outcomes written straight into the database, for the rating-accuracy tests."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime
from typing import Any

import asyncpg

from tests.customer_api.books import Book

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
