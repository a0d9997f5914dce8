"""Benchmark: how long one alerting evaluation cycle takes (fetch, evaluate, persist).

Two books, each in a scratch database on the test PostgreSQL (tests.support.database):
* the demo book (`python -m customer_api.demo`), and
* a generated book of 100,000 customers with one contract each (5 % overdue, spread over risk
  tiers and industries), inserted with generate_series.
For each, customer-api runs as a real process; alerting runs in-process with its loops off and
runs cycles through its evaluator, with the default rules of DOMAIN §10. The first cycle opens
every alert; the next ones are the steady state. Usage: `uv run python bench/alerting/run.py
[--customers N] [--cycles N]`. Results are printed and written to bench/results/alerting.json.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

import asyncpg  # noqa: E402
from asgi_lifespan import LifespanManager  # noqa: E402

from alerting.app import create_app  # noqa: E402
from alerting.evaluator import Evaluator  # noqa: E402
from alerting.migrate import SCRIPT_LOCATION as ALERTING_MIGRATIONS  # noqa: E402
from alerting.settings import AlertingSettings  # noqa: E402
from customer_api.migrate import SCRIPT_LOCATION as CUSTOMER_MIGRATIONS  # noqa: E402
from guarantee_shared.db import migrations  # noqa: E402
from tests.support.database import (  # noqa: E402
    admin_url,
    asyncpg_dsn,
    create_database,
    drop_database,
)
from tests.support.processes import running  # noqa: E402

GENERATE = """
INSERT INTO customer.customers (id, name, credit_code, status, version, created_at, updated_at,
    industry_code, risk_tier, customer_class, size_class, cooperation_since)
SELECT md5('c' || g)::uuid, 'Bench customer ' || g, lpad(g::text, 18, '0'), 'active', 1, now(),
    now(), (ARRAY['C3411','F5100','E4700','I6500'])[1 + g % 4],
    (ARRAY['low','medium','high'])[1 + g % 3], (ARRAY['premium','general','high_risk'])[1 + g % 3],
    (ARRAY['small','micro','medium'])[1 + g % 3], DATE '2020-01-01'
FROM generate_series(1, $1) AS g;

INSERT INTO customer.contracts (id, customer_id, contract_no, lender, product, principal,
    guarantee_ratio, start_date, maturity_date, status, outstanding_balance, overdue_amount,
    overdue_since, compensated_amount, recovered_amount, loss_amount, version, created_at,
    updated_at)
SELECT md5('k' || g)::uuid, md5('c' || g)::uuid, 'BENCH-' || g, 'Bench bank', 'loan',
    1000000, 1, DATE '2026-01-10', DATE '2027-01-09',
    CASE WHEN g % 20 = 0 THEN 'overdue' ELSE 'active' END, 800000,
    CASE WHEN g % 20 = 0 THEN 200000 ELSE 0 END,
    CASE WHEN g % 20 = 0 THEN DATE '2026-01-10' + (g % 300) END, 0, 0, 0, 1, now(), now()
FROM generate_series(1, $1) AS g;

INSERT INTO customer.collaterals (id, contract_id, kind, appraised_value, haircut, version,
    created_at)
SELECT md5('o' || g)::uuid, md5('k' || g)::uuid, 'real_estate', 1200000, 0.3, 1, now()
FROM generate_series(1, $1) AS g;
"""


async def _generate(url: str, customers: int) -> None:
    conn = await asyncpg.connect(asyncpg_dsn(url))
    try:
        for statement in GENERATE.split(";"):
            if statement.strip():
                await conn.execute(statement, customers)
        await conn.execute("ANALYZE")
    finally:
        await conn.close()


async def _cycles(customer_api_url: str, alerting_url: str, count: int) -> list[dict[str, Any]]:
    settings = AlertingSettings(
        database_url=alerting_url,
        customer_api_url=customer_api_url,
        alert_evaluator_enabled=False,
        delivery_worker_enabled=False,
        customer_api_timeout_s=120,
        log_level="WARNING",
    )
    app = create_app(settings)
    results = []
    async with LifespanManager(app, startup_timeout=60, shutdown_timeout=60):
        evaluator: Evaluator = app.state.evaluator
        for _ in range(count):
            started = time.perf_counter()
            summary = await evaluator.run_cycle(trigger="manual")
            assert summary is not None
            results.append(
                {
                    "seconds": round(time.perf_counter() - started, 3),
                    "observations": summary.observations,
                    "transitions": summary.transitions,
                    "firing": summary.firing,
                    "customer_api_up": summary.customer_api_up,
                }
            )
    return results


def measure(admin: str, label: str, *, customers: int | None, cycles: int) -> dict[str, Any]:
    customer_db = create_database(admin, prefix="bench_customer")
    alerting_db = create_database(admin, prefix="bench_alerting")
    try:
        migrations.upgrade(CUSTOMER_MIGRATIONS, customer_db)
        migrations.upgrade(ALERTING_MIGRATIONS, alerting_db)
        env = {"DATABASE_URL": customer_db, "ENVIRONMENT": "development", "LOG_LEVEL": "WARNING"}
        load_started = time.perf_counter()
        if customers is None:
            subprocess.run(
                [sys.executable, "-m", "customer_api.demo"],
                env={**os.environ, **env},
                cwd=ROOT,
                check=True,
            )
        else:
            asyncio.run(_generate(customer_db, customers))
        load_s = time.perf_counter() - load_started
        with (
            tempfile.TemporaryDirectory() as tmp,
            running(
                "customer_api",
                port_env="CUSTOMER_API_PORT",
                env=env,
                tmp_path=Path(tmp),
                timeout_s=60,
            ) as api,
        ):
            results = asyncio.run(_cycles(api.url, alerting_db, cycles))
    finally:
        drop_database(admin, customer_db)
        drop_database(admin, alerting_db)
    steady = [r["seconds"] for r in results[1:]] or [results[0]["seconds"]]
    figures = {
        "book": label,
        "load_seconds": round(load_s, 1),
        "first_cycle_seconds": results[0]["seconds"],
        "steady_cycle_seconds_median": sorted(steady)[len(steady) // 2],
        "observations": results[-1]["observations"],
        "firing": results[-1]["firing"],
        "cycles": results,
    }
    print(json.dumps({k: v for k, v in figures.items() if k != "cycles"}), flush=True)
    return figures


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--cycles", type=int, default=4)
    args = parser.parse_args()
    admin = admin_url()
    results = [
        measure(admin, "demo", customers=None, cycles=args.cycles),
        measure(
            admin, f"generated {args.customers:,}", customers=args.customers, cycles=args.cycles
        ),
    ]
    out = ROOT / "bench" / "results" / "alerting.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(results, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
