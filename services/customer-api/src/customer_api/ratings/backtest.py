"""Ratings against what happened after them (docs/DOMAIN.md §5, "Rating accuracy"): the
backtest and the training set.

PostgreSQL picks the ratings and their outcomes; the backtest's metrics over those rows (one
per customer) are :mod:`customer_api.ratings.accuracy`. Read-only.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import date
from typing import Final

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

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
# in (:cohort_date, :as_of].
_DEFAULTED: Final = """
SELECT c.customer_id
FROM customer.contract_events e
JOIN customer.contracts c ON c.id = e.contract_id
WHERE e.type = 'compensation' AND e.occurred_on > :cohort_date AND e.occurred_on <= :as_of
UNION
SELECT ce.customer_id
FROM customer.credit_events ce
WHERE ce.kind = 'default' AND ce.occurred_on > :cohort_date AND ce.occurred_on <= :as_of
"""

_COHORT = """
WITH in_force AS ({in_force}),
defaulted AS ({defaulted})
SELECT f.score, f.credit_grade, f.risk_tier, f.pd,
       (d.customer_id IS NOT NULL)::int AS outcome
FROM in_force f
LEFT JOIN defaulted d ON d.customer_id = f.customer_id
WHERE f.pd IS NOT NULL  -- every engine result has one; a hand-made row might not
ORDER BY f.customer_id
"""
IN_FORCE_SQL: Final = _IN_FORCE.format(china_date=CHINA_DATE)
COHORT = text(
    _COHORT.format(
        in_force=IN_FORCE_SQL,
        defaulted=_DEFAULTED,
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
    roc: list[tuple[float, float]]


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
        roc=accuracy.roc(pd, outcome),
    )


# One JSON object per rating issued in [:start, :end] that kept its request, oldest first; the
# outcome window is (issued, issued + :horizon months], month ends clamped as add_months does.
# PostgreSQL writes each line, so the stored request passes through untouched.
_TRAINING_SET = """
WITH issued AS (
    SELECT r.id, r.rated_at, r.customer_id, r.request, {china_date} AS day
    FROM customer.ratings r
    WHERE {china_date} BETWEEN :start AND :end AND r.request IS NOT NULL
)
SELECT json_build_object(
           'request', i.request,
           'outcome', (EXISTS (
               SELECT 1
               FROM customer.contract_events e
               JOIN customer.contracts c ON c.id = e.contract_id
               WHERE c.customer_id = i.customer_id AND e.type = 'compensation'
                 AND e.occurred_on > i.day
                 AND e.occurred_on <= (i.day + make_interval(months => :horizon))::date
           ) OR EXISTS (
               SELECT 1
               FROM customer.credit_events ce
               WHERE ce.customer_id = i.customer_id AND ce.kind = 'default'
                 AND ce.occurred_on > i.day
                 AND ce.occurred_on <= (i.day + make_interval(months => :horizon))::date
           ))::int
       )::text AS line
FROM issued i
ORDER BY i.rated_at, i.id
"""
TRAINING_SET = text(_TRAINING_SET.format(china_date=CHINA_DATE))
# Rows fetched from the server-side cursor at a time: memory stays flat whatever the range.
TRAINING_SET_CHUNK = 500


def check_training_window(start: date, end: date, *, horizon_months: int) -> None:
    """422 unless ``start <= end`` and the outcome window of the last day has closed."""
    if start > end:
        raise InvalidInput("from is after to", loc=["query", "from"], kind="date_range")
    today = business_today()
    # A future `to` is refused before the month arithmetic, which would overflow near 9999.
    closes = add_months(min(end, today), horizon_months)
    if end > today or closes > today:
        raise InvalidInput(
            f"the {horizon_months}-month outcomes of ratings issued on {end.isoformat()} are "
            f"not known yet: to must be on or before {add_months(today, -horizon_months)}",
            loc=["query", "to"],
            kind="outcome_window_open",
        )


async def training_set(
    maker: async_sessionmaker[AsyncSession], *, start: date, end: date, horizon_months: int
) -> AsyncIterator[bytes]:
    """JSON Lines ``{"request": …, "outcome": 0|1}``, streamed from a session of its own (the
    request's session has ended by the time the body is sent)."""
    params = {"start": start, "end": end, "horizon": horizon_months}
    async with maker() as session:
        result = await session.stream(
            TRAINING_SET, params, execution_options={"yield_per": TRAINING_SET_CHUNK}
        )
        async for lines in result.scalars().partitions():
            yield "".join(f"{line}\n" for line in lines).encode()
