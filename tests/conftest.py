"""Fixtures every test package shares: a real PostgreSQL server for this run.

With no server to reach (and CI unset), the controlling pytest process starts the embedded one
before any xdist worker exists, hands it to the workers through TEST_DATABASE_URL, and stops it
in pytest_unconfigure, after the last worker has finished: a run leaves no server behind, and
no worker stops it while another still uses it.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.support.database import (
    DatabaseUnavailable,
    embedded_data_dir,
    no_server_reason,
    reachable_admin_url,
    start_embedded,
    under_ci,
)

# One tester subject makes thousands of requests a minute here: the suite runs without the rate
# limiter, in this process, its xdist workers and the services they start. The limiter's own
# tests (tests/shared/test_ratelimit*.py, tests/customer_api/test_rate_limits.py) switch it on
# in their settings or the environment they give a process.
os.environ["RATE_LIMIT_ENABLED"] = "false"

# The embedded server this process started: its data directory and the TEST_DATABASE_URL that
# was set before (restored at the end, for pytest runs inside one Python process).
_EMBEDDED = pytest.StashKey[tuple[Path, str | None]]()


def _needs_no_database(config: pytest.Config) -> bool:
    return bool(getattr(config.option, "help", False) or config.option.collectonly)


def pytest_configure(config: pytest.Config) -> None:
    if hasattr(config, "workerinput") or _needs_no_database(config):
        return  # an xdist worker uses the server its controller chose
    try:
        if reachable_admin_url() is not None or under_ci():
            return
    except DatabaseUnavailable:
        return  # TEST_DATABASE_URL is set but silent: each test that needs it fails saying so
    data_dir = embedded_data_dir()
    try:
        url = start_embedded(data_dir)
    except Exception as exc:  # whatever pgserver raised, the run cannot go on without it
        raise pytest.UsageError(
            f"no PostgreSQL answers and the embedded one in {data_dir} did not start: {exc}"
        ) from exc
    config.stash[_EMBEDDED] = (data_dir, os.environ.get("TEST_DATABASE_URL"))
    os.environ["TEST_DATABASE_URL"] = url


def pytest_unconfigure(config: pytest.Config) -> None:
    started = config.stash.get(_EMBEDDED, None)
    if started is None:
        return
    from guarantee_shared.db.embedded import stop_embedded

    data_dir, previous = started
    del config.stash[_EMBEDDED]
    stop_embedded(data_dir)
    if previous is None:
        os.environ.pop("TEST_DATABASE_URL", None)
    else:
        os.environ["TEST_DATABASE_URL"] = previous


def pytest_report_header(config: pytest.Config) -> str | None:
    started = config.stash.get(_EMBEDDED, None)
    if started is None:
        return None
    return f"database: embedded PostgreSQL in {started[0]}, stopped when the run ends"


@pytest.fixture(scope="session")
def pg_admin_url() -> str:
    try:
        url = reachable_admin_url()
    except DatabaseUnavailable as exc:
        pytest.fail(str(exc), pytrace=False)
    if url is None:
        pytest.fail(no_server_reason(), pytrace=False)
    return url
