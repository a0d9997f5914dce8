"""Backtest of the ratings against what happened after them (docs/DOMAIN.md, "Rating accuracy").

PostgreSQL picks the ratings in force and their outcomes (one row per customer); the metrics
over those rows are :mod:`customer_api.ratings.accuracy`. Read-only.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Final

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from customer_api.ratings import accuracy
from guarantee_shared.clock import add_months, business_today
from guarantee_shared.errors import InvalidInput
from guarantee_shared.schemas.rating import CreditGrade, RiskTier

GRADES: Final = tuple(g.value for g in CreditGrade)
TIERS: Final = tuple(t.value for t in RiskTier)

# Ratings are stamped in UTC; the day a rating was issued is China's (guarantee_shared.clock).
CHINA_DATE: Final = "((r.rated_at AT TIME ZONE 'UTC') + interval '8 hours')::date"

# The latest rating of each customer issued on or before :cohort_date (by :model_version when
# one is named: filtered first, so a version's own latest rating counts, not a newer other one).
_IN_FORCE: Final = """
SELECT DISTINCT ON (r.customer_id)
       r.customer_id, r.score::float8 AS score, r.credit_grade, r.risk_tier,
       (r.result->>'pd')::float8 AS pd
FROM customer.ratings r
WHERE {china_date} <= :cohort_date
  AND (CAST(:model_version AS text) IS NULL OR r.model_version = :model_version)
ORDER BY r.customer_id, r.rated_at DESC, r.id DESC
"""

# Customers with a compensation (代偿) on any of their contracts, or a `default` credit event,
# in (:start, :end].
DEFAULTED: Final = """
SELECT c.customer_id
FROM customer.contract_events e
JOIN customer.contracts c ON c.id = e.contract_id
WHERE e.type = 'compensation' AND e.occurred_on > :start AND e.occurred_on <= :end
UNION
SELECT ce.customer_id
FROM customer.credit_events ce
WHERE ce.kind = 'default' AND ce.occurred_on > :start AND ce.occurred_on <= :end
"""

_COHORT = """
WITH in_force AS ({in_force}),
defaulted AS ({defaulted})
SELECT f.score, f.credit_grade, f.risk_tier, f.pd,
       (d.customer_id IS NOT NULL)::int AS outcome
FROM in_force f
LEFT JOIN defaulted d ON d.customer_id = f.customer_id
ORDER BY f.customer_id
"""
IN_FORCE_SQL: Final = _IN_FORCE.format(china_date=CHINA_DATE)
COHORT = text(
    _COHORT.format(
        in_force=IN_FORCE_SQL,
        defaulted=DEFAULTED.replace(":start", ":cohort_date").replace(":end", ":as_of"),
    )
)
_PREVIOUS_SCORES = """
SELECT f.score FROM ({in_force}) f
"""
PREVIOUS_SCORES = text(_PREVIOUS_SCORES.format(in_force=IN_FORCE_SQL))


@dataclass(frozen=True)
class Backtest:
    as_of: date
    horizon_months: int
    cohort_date: date
    previous_cohort_date: date
    model_version: str | None
    n: int
    defaults: int
    auc: float | None
    gini: float | None
    ks: float | None
    brier: float | None
    psi: float | None
    previous_n: int
    by_grade: list[accuracy.Group]
    by_tier: list[accuracy.Group]
    monotone: bool | None


def check_window(as_of: date, *, loc: list[str | int]) -> None:
    """An outcome window must have closed: one ending after today would count as good every
    customer whose default has not happened *yet*."""
    if as_of > business_today():
        raise InvalidInput(
            f"{as_of.isoformat()} is in the future: outcomes are known up to today (China)",
            loc=loc,
            kind="date_in_future",
        )


def _table(keys: tuple[str, ...], rows: list[tuple[str, float, int]]) -> list[accuracy.Group]:
    """Every key of the scale in order (empty ones too, so a reader sees the gaps), then any
    key outside it."""
    extra = sorted({k for k, _, _ in rows} - set(keys))
    return [
        accuracy.group(
            key,
            [pd for k, pd, _ in rows if k == key],
            [y for k, _, y in rows if k == key],
        )
        for key in (*keys, *extra)
    ]


async def backtest(
    session: AsyncSession,
    *,
    as_of: date | None,
    horizon_months: int,
    model_version: str | None,
) -> Backtest:
    as_of = as_of or business_today()
    check_window(as_of, loc=["query", "as_of"])
    cohort_date = add_months(as_of, -horizon_months)
    previous_date = add_months(as_of, -2 * horizon_months)
    rows = (
        await session.execute(
            COHORT,
            {"cohort_date": cohort_date, "as_of": as_of, "model_version": model_version},
        )
    ).all()
    previous = (
        (
            await session.execute(
                PREVIOUS_SCORES, {"cohort_date": previous_date, "model_version": model_version}
            )
        )
        .scalars()
        .all()
    )
    pd = [row.pd for row in rows]
    outcome = [row.outcome for row in rows]
    auc = accuracy.auc(pd, outcome)
    by_grade = _table(GRADES, [(row.credit_grade, row.pd, row.outcome) for row in rows])
    return Backtest(
        as_of=as_of,
        horizon_months=horizon_months,
        cohort_date=cohort_date,
        previous_cohort_date=previous_date,
        model_version=model_version,
        n=len(rows),
        defaults=sum(outcome),
        auc=auc,
        gini=None if auc is None else 2 * auc - 1,
        ks=accuracy.ks(pd, outcome),
        brier=accuracy.brier(pd, outcome),
        psi=accuracy.psi([row.score for row in rows], list(previous)),
        previous_n=len(previous),
        by_grade=by_grade,
        by_tier=_table(TIERS, [(row.risk_tier, row.pd, row.outcome) for row in rows]),
        monotone=accuracy.monotone(by_grade),
    )
