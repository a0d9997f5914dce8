"""A short soak: mixed load on real customer-api and rating-engine processes, then invariants.

Several threads for ``SOAK_S`` seconds (30 by default; set it higher for a longer soak) create
customers with statements, open contracts, record ledger events through the whole life of a
contract — activation, repayments, overdue and cure, compensation, recovery, write-off, close —
several threads on the same contracts at once, rate customers through the engine, and read.
Then: no answer was a 5xx or went missing, and the database is consistent and holds exactly
what was answered 2xx (tests/faults/invariants.py).
"""

from __future__ import annotations

import os
import random
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

from customer_api.migrate import SCRIPT_LOCATION
from guarantee_shared.db import migrations
from tests.faults import invariants
from tests.faults.load import Load
from tests.support.auth import bearer
from tests.support.database import create_database, drop_database
from tests.support.processes import running

pytestmark = [pytest.mark.integration, pytest.mark.xdist_group("faults")]

SOAK_S = float(os.environ.get("SOAK_S", "30"))
THREADS = 6


@pytest.fixture
def customer_db(pg_admin_url: str) -> Iterator[str]:
    url = create_database(pg_admin_url, prefix="faults_soak")
    migrations.upgrade(SCRIPT_LOCATION, url)
    yield url
    drop_database(pg_admin_url, url)


def mix(load: Load) -> Callable[[httpx.Client, random.Random], None]:
    def one(client: httpx.Client, rng: random.Random) -> None:
        roll = rng.random()
        live = sum(1 for c in load.contracts if c.status not in ("closed", "written_off"))
        if roll < 0.06:
            load.new_customer(client)
        elif roll < 0.12 or live < 8:
            load.new_contract(client, rng)
        elif roll < 0.20:
            load.rate(client, rng)
        elif roll < 0.40:
            load.read(client, rng)
        else:
            load.event(client, rng, full_cycle=True)

    return one


def test_a_mixed_soak_answers_no_5xx_and_leaves_every_ledger_consistent(
    customer_db: str, tmp_path: Path
) -> None:
    quiet = {"ENVIRONMENT": "test", "LOG_LEVEL": "WARNING"}
    with running(
        "rating_engine", port_env="RATING_ENGINE_PORT", env=quiet, tmp_path=tmp_path
    ) as engine:
        env = {**quiet, "DATABASE_URL": customer_db, "RATING_ENGINE_URL": engine.url}
        with running(
            "customer_api", port_env="CUSTOMER_API_PORT", env=env, tmp_path=tmp_path
        ) as api:
            load = Load(api.url, bearer("admin"), seed=11)
            with load.running(mix(load), threads=THREADS):
                time.sleep(SOAK_S)
            with load.client() as client:
                load.resolve_all(client)
            logs = api.logs()

    answered = invariants.answers(load)
    assert set(answered) <= {"200", "201", "409"}, f"{answered}\n{logs}"
    kinds = {op.kind for op in load.ops if op.created}
    assert kinds == {"customer", "statement", "contract", "event", "rate", "read"}, kinds
    stored_events = {
        op.answer["event"]["type"] for op in load.ops if op.kind == "event" and op.created
    }
    # The whole life of a contract was exercised, not only its start.
    assert {"activate", "repayment", "overdue", "cure", "compensation"} <= stored_events, (
        stored_events
    )
    problems = invariants.check(customer_db, load)
    assert not problems, "\n".join(problems[:30])
