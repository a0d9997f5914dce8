"""The crafted book of the review-report tests, as of 2025-06-30 (figures in test_report.py).

Seven customers; the windows of the report are the 12 months 2024-07-01 … 2025-06-30 and the
grading cohort date is 2024-06-30.

| customer | class / tier, size, section, group | what it carries |
| --- | --- | --- |
| A 甲 | premium / low, small, C, G1 | loan 8,000,000 in force; every fact; 2024 annual |
| B 乙 | general / medium, medium, F, G1 | loan 5,000,000 × 0.8 overdue; every fact; 2023 annual |
| C 丙 | high_risk / high, micro, C | compensated 2025-02-01 after overdue, litigation, downgrade |
| D 丁 | unrated | nothing |
| E 戊 | general / low, small, C | compensated 2025-03-01, no warning of its own |
| F 己 | general / medium, medium, F | a rating on the cohort date |
| G 庚 | inactive; general / medium | compensated 2024-05-01 (before the windows) |
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import asyncpg

from tests.customer_api.books import Book

AS_OF = "2025-06-30"


@dataclass
class ReportBook:
    a: uuid.UUID
    b: uuid.UUID
    c: uuid.UUID
    d: uuid.UUID
    e: uuid.UUID
    f: uuid.UUID
    g: uuid.UUID


# A PD in each stored result, as the engine's always have, so the backtest sees them.
PD_BY_TIER = {"low": 0.002, "medium": 0.02, "high": 0.15}


def _at(moment: str) -> datetime:
    return datetime.fromisoformat(moment).replace(tzinfo=UTC)


async def rating(
    db: asyncpg.Connection,
    customer_id: uuid.UUID,
    *,
    rated_at: str,
    tier: str,
    customer_class: str = "general",
    result: dict[str, Any] | None = None,
) -> None:
    body = {"reasons": [], "knockouts": [], "strategy": "standard service",
            "pd": PD_BY_TIER.get(tier, 0.02), **(result or {})}  # fmt: skip
    await db.execute(
        """INSERT INTO customer.ratings (id, customer_id, rated_at, as_of, request_hash,
               model_version, score, credit_grade, risk_tier, customer_class, size_class,
               result, actor)
           VALUES ($1, $2, $3, $4, 'h', 'v1', 500, 'BBB', $5, $6, 'small', $7, 'test')""",
        uuid.uuid4(), customer_id, _at(rated_at), _at(rated_at).date(), tier, customer_class,
        json.dumps(body),
    )  # fmt: skip


async def survey(db: asyncpg.Connection, customer_id: uuid.UUID, on: str, score: int) -> None:
    await db.execute(
        """INSERT INTO customer.surveys (id, customer_id, surveyed_on, score, channel, actor,
               version)
           VALUES ($1, $2, $3, $4, 'phone', 'test', 1)""",
        uuid.uuid4(), customer_id, datetime.fromisoformat(on).date(), score,
    )  # fmt: skip


async def complaint(
    db: asyncpg.Connection,
    customer_id: uuid.UUID,
    *,
    severity: str,
    created: str,
    due: str,
    resolved: str | None = None,
) -> None:
    await db.execute(
        """INSERT INTO customer.complaints (id, customer_id, category, severity, description,
               status, due_at, resolved_at, actor, version, created_at, updated_at)
           VALUES ($1, $2, 'service', $3, 'slow answer', $4, $5, $6, 'test', 1, $7, $7)""",
        uuid.uuid4(), customer_id, severity, "resolved" if resolved else "open", _at(due),
        _at(resolved) if resolved else None, _at(created),
    )  # fmt: skip


async def _facts(db: asyncpg.Connection, customer_id: uuid.UUID) -> None:
    await db.execute(
        """UPDATE customer.customers SET legal_representative = '张三',
               registered_capital = 10000000, established_on = '2010-01-01',
               main_business = '机械制造', employees = 120
           WHERE id = $1""",
        customer_id,
    )


HIGH_RISK_RESULT = {
    "reasons": [
        {"code": "debt_ratio_high", "factor": "debt_ratio", "points": -60,
         "message": "资产负债率 0.86 偏高"},
        {"code": "overdue_history", "factor": "overdue", "points": -40,
         "message": "近 24 个月有逾期"},
    ],
    "knockouts": ["compensation_unrecovered"],
    "strategy": "严格限额，加强保后监控",
}  # fmt: skip


async def build(db: asyncpg.Connection) -> ReportBook:
    book = Book(db)
    a = await book.customer("A 甲精密", customer_class="premium", risk_tier="low",
                            size_class="small", industry_section="C", related_group="G1",
                            next_review_due="2025-12-01")  # fmt: skip
    b = await book.customer("B 乙商贸", customer_class="general", risk_tier="medium",
                            size_class="medium", industry_section="F", related_group="G1",
                            next_review_due="2025-06-10")  # fmt: skip
    c = await book.customer("C 丙建材", customer_class="high_risk", risk_tier="high",
                            size_class="micro", industry_section="C",
                            next_review_due="2025-07-15")  # fmt: skip
    d = await book.customer("D 丁新设")
    e = await book.customer("E 戊机电", customer_class="general", risk_tier="low",
                            size_class="small", industry_section="C",
                            next_review_due="2025-08-01")  # fmt: skip
    f = await book.customer("F 己物流", customer_class="general", risk_tier="medium",
                            size_class="medium", industry_section="F",
                            next_review_due="2025-07-30")  # fmt: skip
    g = await book.customer("G 庚旧户", customer_class="general", risk_tier="medium",
                            status="inactive", next_review_due="2025-01-01")  # fmt: skip
    await _facts(db, a)
    await _facts(db, b)

    loan_a = await book.contract(
        a, principal=10_000_000, events=[("activate", 8_000_000, "2024-01-10")]
    )
    await book.collateral(loan_a, kind="real_estate", appraised_value=10_000_000, haircut="0.3")
    await book.contract(
        b,
        principal=5_000_000,
        guarantee_ratio="0.8",
        events=[("activate", 5_000_000, "2024-03-01"), ("overdue", 1_000_000, "2025-05-01")],
    )
    await book.contract(
        c,
        principal=2_000_000,
        events=[
            ("activate", 2_000_000, "2023-01-01"),
            ("overdue", 500_000, "2024-10-01"),
            ("compensation", 1_500_000, "2025-02-01"),
        ],
    )
    await book.contract(
        e,
        principal=1_000_000,
        events=[("activate", 1_000_000, "2024-01-01"), ("compensation", 1_000_000, "2025-03-01")],
    )
    await book.contract(
        g,
        principal=3_000_000,
        events=[("activate", 3_000_000, "2023-01-01"), ("compensation", 3_000_000, "2024-05-01")],
    )
    await book.credit_event(c, kind="litigation", occurred_on="2024-12-01")
    # An event long before C's compensation is no warning of it.
    await book.credit_event(e, kind="litigation", occurred_on="2024-01-05")

    await book.statement(a, period_end="2024-12-31", revenue=80_000_000)
    await book.statement(b, period_end="2023-12-31", revenue=60_000_000)
    await book.statement(c, period_end="2025-03-31", revenue=9_000_000, period_type="quarterly")
    # Exactly 15 months before as_of: no longer current.
    await book.statement(e, period_end="2024-03-30", revenue=12_000_000)

    await rating(db, a, rated_at="2024-02-01T02:00:00", tier="low", customer_class="premium")
    # 01:00 on 2024-07-01 in China: after the cohort date although 2024-06-30 in UTC.
    await rating(db, a, rated_at="2024-06-30T17:00:00", tier="high")
    await rating(db, a, rated_at="2025-01-01T02:00:00", tier="low", customer_class="premium")
    await rating(db, b, rated_at="2024-04-01T02:00:00", tier="medium")
    await rating(db, c, rated_at="2024-05-01T02:00:00", tier="medium")
    await rating(db, c, rated_at="2024-11-01T02:00:00", tier="high",
                 customer_class="high_risk", result=HIGH_RISK_RESULT)  # fmt: skip
    await rating(db, e, rated_at="2024-01-15T02:00:00", tier="low")
    await rating(db, f, rated_at="2024-06-30T10:00:00", tier="medium")

    await survey(db, a, "2025-05-01", 5)
    await survey(db, b, "2025-06-30", 3)
    await survey(db, c, "2025-02-01", 2)
    await survey(db, c, "2025-07-01", 1)  # after as_of
    await survey(db, a, "2023-06-30", 1)  # before the eight quarters

    await complaint(db, a, severity="high", created="2025-06-01T02:00:00",
                    due="2025-06-03T02:00:00", resolved="2025-06-02T02:00:00")  # fmt: skip
    await complaint(db, b, severity="high", created="2025-06-10T02:00:00",
                    due="2025-06-12T02:00:00", resolved="2025-06-20T02:00:00")  # fmt: skip
    await complaint(db, b, severity="medium", created="2025-06-20T02:00:00",
                    due="2025-06-25T02:00:00")  # fmt: skip
    await complaint(db, c, severity="low", created="2025-06-28T02:00:00",
                    due="2025-07-08T02:00:00")  # fmt: skip
    await complaint(db, c, severity="low", created="2024-01-01T02:00:00",
                    due="2024-01-11T02:00:00")  # fmt: skip
    await complaint(db, e, severity="medium", created="2024-02-01T02:00:00",
                    due="2024-02-06T02:00:00", resolved="2024-02-03T02:00:00")  # fmt: skip
    await complaint(db, e, severity="medium", created="2025-06-29T02:00:00",
                    due="2025-07-04T02:00:00", resolved="2025-07-02T02:00:00")  # fmt: skip
    return ReportBook(a=a, b=b, c=c, d=d, e=e, f=f, g=g)
