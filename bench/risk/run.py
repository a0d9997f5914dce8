"""Benchmark: expected loss, reserves and a three-shock stress test against the plain indicators.

A generated book in a scratch database on the test PostgreSQL (tests.support.database): N
customers (default 100,000; 80 % rated, sections C, K, E, F, I by turns, region codes of five
provinces), two contracts each — one in force with a real-estate or receivables pledge (5 %
overdue), one that left force last year (repaid, or one in eight compensated with part
recovered) — and a ledger of their events, inserted with generate_series and analysed.

Each figure is the service function a request calls, in-process on one session, so the time is
the database's statement(s) plus turning the aggregated rows into the answer: the median of
`--rounds` runs after one warm-up run, the figures taking turns. The stress test's run is rolled
back (it stores itself). Usage: `uv run python bench/risk/run.py [--customers N] [--rounds N]`.
Results are printed as the README's table.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
from collections.abc import Awaitable, Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

import asyncpg  # noqa: E402
from sqlalchemy.ext.asyncio import AsyncSession  # noqa: E402

from customer_api.migrate import SCRIPT_LOCATION  # noqa: E402
from customer_api.portfolio import service as portfolio  # noqa: E402
from customer_api.risk import service as risk  # noqa: E402
from customer_api.stress import service as stress  # noqa: E402
from customer_api.stress.schemas import StressTestIn  # noqa: E402
from guarantee_shared.db import migrations  # noqa: E402
from guarantee_shared.db.engine import create_engine, create_sessionmaker  # noqa: E402
from guarantee_shared.schemas.portfolio import GroupBy, Period  # noqa: E402
from tests.support.database import (  # noqa: E402
    admin_url,
    asyncpg_dsn,
    create_database,
    drop_database,
)

GENERATE = """
INSERT INTO customer.customers (id, name, credit_code, status, version, created_at, updated_at,
    industry_code, industry_section, region_code, risk_tier, customer_class, size_class)
SELECT md5('c' || g)::uuid, 'Bench customer ' || g, lpad(g::text, 18, '0'), 'active', 1, now(),
    now(), (ARRAY['C','K','E','F','I'])[1 + g % 5], (ARRAY['C','K','E','F','I'])[1 + g % 5],
    (ARRAY['330106','110101','440305','320105','510104'])[1 + g % 5],
    (ARRAY['low','medium','high'])[1 + g % 3], (ARRAY['premium','general','high_risk'])[1 + g % 3],
    (ARRAY['small','micro','medium'])[1 + g % 3]
FROM generate_series(1, $1) AS g;

INSERT INTO customer.ratings (id, customer_id, rated_at, as_of, request_hash, model_version,
    score, credit_grade, risk_tier, customer_class, size_class, result, actor)
SELECT md5('r' || g)::uuid, md5('c' || g)::uuid, now(), DATE '2026-06-01', 'bench', 'v1', 600,
    'BB', 'medium', 'general', 'small',
    jsonb_build_object('pd', (ARRAY[0.005, 0.01, 0.02, 0.05, 0.12])[1 + g % 5]), 'bench'
FROM generate_series(1, $1) AS g
WHERE g % 5 <> 0;

-- In force: activated this year, 5 % overdue.
INSERT INTO customer.contracts (id, customer_id, contract_no, lender, product, principal,
    guarantee_ratio, start_date, maturity_date, fee_rate, status, outstanding_balance,
    overdue_amount, overdue_since, compensated_amount, recovered_amount, loss_amount,
    activated_on, version, created_at, updated_at)
SELECT md5('k' || g)::uuid, md5('c' || g)::uuid, 'BENCH-A-' || g, 'Bench bank',
    (ARRAY['loan','trade_finance','bond'])[1 + g % 3], 1000000, 0.8, DATE '2026-01-10',
    DATE '2027-01-09', 0.015, CASE WHEN g % 20 = 0 THEN 'overdue' ELSE 'active' END, 800000,
    CASE WHEN g % 20 = 0 THEN 200000 ELSE 0 END,
    CASE WHEN g % 20 = 0 THEN DATE '2026-06-10' END, 0, 0, 0, DATE '2026-01-10', 1, now(), now()
FROM generate_series(1, $1) AS g;

-- Left force in 2025: repaid, or compensated 500,000 with 100,000 recovered.
INSERT INTO customer.contracts (id, customer_id, contract_no, lender, product, principal,
    guarantee_ratio, start_date, maturity_date, fee_rate, status, outstanding_balance,
    overdue_amount, compensated_amount, recovered_amount, loss_amount, activated_on,
    released_on, version, created_at, updated_at)
SELECT md5('l' || g)::uuid, md5('c' || g)::uuid, 'BENCH-B-' || g, 'Bench bank', 'loan', 600000,
    1, DATE '2024-03-01', DATE '2025-09-01', 0.02,
    CASE WHEN g % 8 = 0 THEN 'compensated' ELSE 'repaid' END, 0, 0,
    CASE WHEN g % 8 = 0 THEN 500000 ELSE 0 END, CASE WHEN g % 8 = 0 THEN 100000 ELSE 0 END, 0,
    DATE '2024-03-01', DATE '2025-09-01', 1, now(), now()
FROM generate_series(1, $1) AS g;

INSERT INTO customer.contract_events (contract_id, seq, type, amount, occurred_on, status_after,
    balance_after, actor)
SELECT md5('k' || g)::uuid, 1, 'activate', 800000, DATE '2026-01-10', 'active', 800000, 'bench'
FROM generate_series(1, $1) AS g
UNION ALL
SELECT md5('l' || g)::uuid, 1, 'activate', 600000, DATE '2024-03-01', 'active', 600000, 'bench'
FROM generate_series(1, $1) AS g
UNION ALL
SELECT md5('l' || g)::uuid, 2, CASE WHEN g % 8 = 0 THEN 'compensation' ELSE 'repayment' END,
    CASE WHEN g % 8 = 0 THEN 500000 ELSE 600000 END, DATE '2025-09-01',
    CASE WHEN g % 8 = 0 THEN 'compensated' ELSE 'repaid' END, 0, 'bench'
FROM generate_series(1, $1) AS g
UNION ALL
SELECT md5('l' || g)::uuid, 3, 'recovery', 100000, DATE '2025-12-01', 'compensated', 0, 'bench'
FROM generate_series(1, $1) AS g
WHERE g % 8 = 0;

INSERT INTO customer.collaterals (id, contract_id, kind, appraised_value, haircut, version,
    created_at)
SELECT md5('o' || g)::uuid, md5('k' || g)::uuid,
    CASE WHEN g % 2 = 0 THEN 'real_estate' ELSE 'receivables' END, 600000,
    CASE WHEN g % 2 = 0 THEN 0.3 ELSE 0.4 END, 1, now()
FROM generate_series(1, $1) AS g
"""

RISK = risk.RiskParameters(default_pd=Decimal("0.05"), lgd_floor=Decimal("0.10"))
RULES = risk.ReserveRules(
    unearned_premium_rate=Decimal("0.5"),
    compensation_rate=Decimal("0.01"),
    compensation_cap=Decimal("0.1"),
)
THREE_SHOCKS = StressTestIn.model_validate(
    {
        "shocks": [
            {"filter": {"industry_section": ["K", "E"]}, "pd_multiplier": 3},
            {"filter": {"collateral_kind": ["real_estate"]}, "haircut_add": 0.2},
            {"filter": {"region_code": ["33"], "product": ["loan"]}, "pd_multiplier": 1.5},
        ],
        "net_assets_shock": 0.05,
    }
)
NET_ASSETS = Decimal("500000000")

Figure = Callable[[AsyncSession], Awaitable[Any]]
FIGURES: dict[str, Figure] = {
    "indicators, `group_by=none` (the reference)": lambda s: portfolio.indicators(
        s, group_by=GroupBy.NONE, period=Period.YTD, as_of=None, limit=50, cursor=None
    ),
    "expected loss, `group_by=none`": lambda s: risk.expected_loss(
        s, group_by=GroupBy.NONE, risk=RISK, limit=50, cursor=None
    ),
    "expected loss, `group_by=industry_section`": lambda s: risk.expected_loss(
        s, group_by=GroupBy.INDUSTRY_SECTION, risk=RISK, limit=50, cursor=None
    ),
    "expected loss, `group_by=customer`, page of 50": lambda s: risk.expected_loss(
        s, group_by=GroupBy.CUSTOMER, risk=RISK, limit=50, cursor=None
    ),
    "reserves, current year (with its EL)": lambda s: risk.reserves(
        s, year=None, rules=RULES, risk=RISK
    ),
    "stress test, three shocks (stressed + baseline EL, top 10, regulatory)": lambda s: stress.run(
        s,
        THREE_SHOCKS,
        actor="bench",
        net_assets=NET_ASSETS,
        guarantee_investments=Decimal(0),
        risk=RISK,
    ),
}


async def _generate(url: str, customers: int) -> None:
    conn = await asyncpg.connect(asyncpg_dsn(url))
    try:
        for statement in GENERATE.split(";\n\n"):
            if statement.strip():
                await conn.execute(statement, customers)
        await conn.execute("ANALYZE")
    finally:
        await conn.close()


async def _measure(url: str, rounds: int) -> dict[str, list[float]]:
    engine = create_engine(url, application_name="bench-risk", pool_size=1)
    maker = create_sessionmaker(engine)
    times: dict[str, list[float]] = {name: [] for name in FIGURES}
    try:
        for round_ in range(rounds + 1):
            for name, figure in FIGURES.items():
                async with maker() as session:
                    started = time.perf_counter()
                    await figure(session)
                    elapsed = time.perf_counter() - started
                    await session.rollback()
                if round_:  # the first round warms the caches
                    times[name].append(elapsed)
    finally:
        await engine.dispose()
    return times


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    admin = admin_url()
    url = create_database(admin, prefix="bench_risk")
    try:
        migrations.upgrade(SCRIPT_LOCATION, url)
        started = time.perf_counter()
        asyncio.run(_generate(url, args.customers))
        print(f"generated {args.customers:,} customers in {time.perf_counter() - started:.0f} s")
        times = asyncio.run(_measure(url, args.rounds))
    finally:
        drop_database(admin, url)
    reference = statistics.median(next(iter(times.values())))
    print(
        f"\n{args.customers:,} customers, {2 * args.customers:,} contracts; median of "
        f"{args.rounds} rounds\n"
    )
    print("| figure | ms | ÷ indicators |\n| --- | --- | --- |")
    for name, values in times.items():
        median = statistics.median(values)
        print(f"| {name} | {median * 1000:,.0f} | {median / reference:.2f} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
