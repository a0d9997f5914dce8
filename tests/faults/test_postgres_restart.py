"""PostgreSQL restarted under write load: customer-api recovers by itself, loses nothing.

The server is the test's own (tests/support/private_postgres.py), never the shared one. A real
customer-api process writes to it from several threads — customers, statements, contracts and
ledger events on shared contracts — while the server is restarted twice: ``-m fast`` (clients
are told, and disconnected) and ``-m immediate`` (killed, crash recovery on start), the second
time kept down until the load has seen it. Then:

* the same process answers again (2xx writes, /readyz 200), without a restart of its own;
* while the database was away the service answered 503 problem+json with Retry-After, never a
  500, never a dropped connection, and /readyz said 503;
* the database holds exactly the writes answered 2xx, and every ledger matches its contract
  (tests/faults/invariants.py).
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

from customer_api.migrate import SCRIPT_LOCATION
from guarantee_shared.db import migrations
from tests.faults import invariants
from tests.faults.gated import WAIT_S
from tests.faults.load import Attempt, Load
from tests.support.auth import bearer
from tests.support.database import create_database
from tests.support.private_postgres import PrivatePostgres, private_postgres
from tests.support.processes import running

pytestmark = [pytest.mark.integration, pytest.mark.xdist_group("faults")]

THREADS = 4
# Writes that must succeed between the faults: the load is flowing (again).
FLOWING = 40


@pytest.fixture
def postgres() -> Iterator[PrivatePostgres]:
    with private_postgres() as server:
        yield server


def until(condition: Callable[[], bool], *, what: str, log: Callable[[], str]) -> None:
    deadline = time.monotonic() + WAIT_S
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"{what}: not within {WAIT_S} s\n{log()}")
        time.sleep(0.05)


def step(load: Load) -> Callable[[httpx.Client, random.Random], None]:
    def one(client: httpx.Client, rng: random.Random) -> None:
        roll = rng.random()
        live = sum(1 for c in load.contracts if c.status not in ("closed", "written_off"))
        if roll < 0.08:
            load.new_customer(client)
        elif roll < 0.16 or live < 6:
            load.new_contract(client, rng)
        else:
            load.event(client, rng, full_cycle=False)

    return one


def proper_outage_answer(attempt: Attempt) -> bool:
    return (
        attempt.status == 503
        and attempt.content_type == "application/problem+json"
        and attempt.retry_after is not None
    )


def test_postgres_restarts_under_write_load_lose_nothing_and_need_no_service_restart(
    postgres: PrivatePostgres, tmp_path: Path
) -> None:
    url = create_database(postgres.admin_url, prefix="faults")
    migrations.upgrade(SCRIPT_LOCATION, url)
    env = {"DATABASE_URL": url, "ENVIRONMENT": "test", "LOG_LEVEL": "WARNING"}
    with running("customer_api", port_env="CUSTOMER_API_PORT", env=env, tmp_path=tmp_path) as api:
        pid = api.process.pid
        load = Load(api.url, bearer("admin"), seed=7)

        def logs() -> str:
            return f"answers: {invariants.answers(load)}\n{api.logs()}\n{postgres.log()}"

        def flowing() -> None:
            start = load.successes()
            until(lambda: load.successes() >= start + FLOWING, what="writes succeeding", log=logs)

        def readyz() -> int:
            return httpx.get(api.url + "/readyz", timeout=30).status_code

        with load.running(step(load), threads=THREADS):
            flowing()
            postgres.restart("fast")
            flowing()

            postgres.stop("immediate")
            # Answers given while the server is down (what they must be is checked below).
            seen = len(load.attempts())
            until(
                lambda: len(load.attempts()) >= seen + 3 * THREADS,
                what="the load to meet the stopped database",
                log=logs,
            )
            assert readyz() == 503
            postgres.start()
            until(lambda: readyz() == 200, what="readiness after the restart", log=logs)
            flowing()

        with load.client() as client:
            load.resolve_all(client)
        assert api.process.poll() is None  # never restarted: the same process throughout
        assert api.process.pid == pid

    answered = invariants.answers(load)
    unexpected = [
        a
        for a in load.attempts()
        if a.status is None or a.status >= 500
        if not proper_outage_answer(a)
    ]
    assert not unexpected, f"{answered}: {unexpected[:5]}\n{api.logs()}"
    assert answered["503"] >= 3 * THREADS, answered  # the load did meet the outage
    # Writes of this load are refused only by the state machine or its bounds (409).
    assert set(answered) <= {"200", "201", "409", "503"}, answered
    problems = invariants.check(url, load)
    assert not problems, "\n".join(problems[:30])
