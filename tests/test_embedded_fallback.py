"""`make test` on a machine with no PostgreSQL server, for real: a few of the suite's own tests
run in a subprocess inside a network namespace where 127.0.0.1:5432 answers nothing.

Without CI they must pass on the embedded server (pgserver), which must be gone afterwards,
with nothing printed as a traceback on the way out. With CI=true the same run must fail.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from guarantee_shared.db.embedded import stop_embedded
from tests.support.database import ROOT, under_ci

# Its own xdist group: the namespace run takes a worker for a while, and the two runs here
# share nothing with the rest of the suite.
pytestmark = [pytest.mark.integration, pytest.mark.xdist_group("no-postgres-namespace")]

# customer-api's audit tests: a migrated database per worker, the app in-process, a raw
# asyncpg connection; small, and every part of the database set-up.
SUBSET = ("tests/customer_api/test_audit.py",)
ONE_DATABASE_TEST = "tests/customer_api/test_audit.py::test_audit_needs_customers_read"
# What must not leak from this run into the inner one: the server it uses, CI, the runtime
# directory (unset, so that the embedded server's import meets the warning it once failed
# on); and, by prefix below, this worker's xdist identity and pytest options (PYTEST_*).
NOT_INHERITED = ("CI", "TEST_DATABASE_URL", "DATABASE_URL", "XDG_RUNTIME_DIR")


def _namespace() -> list[str]:
    """A command prefix that runs its command in a new network namespace with nothing in it."""
    unshare = shutil.which("unshare")
    if sys.platform != "linux" or os.geteuid() != 0 or unshare is None:
        reason = "needs root and unshare(1) for a network namespace with no PostgreSQL in it"
        if under_ci():
            pytest.fail(f"CI=true: {reason}")
        pytest.skip(reason)
    # Loopback up, as on a real machine without a server: 127.0.0.1:5432 then refuses. Where
    # `ip` is missing, a down loopback refuses the connection all the same.
    script = 'command -v ip >/dev/null && ip link set lo up; exec "$@"'
    return [unshare, "--net", "--", "sh", "-c", script, "sh"]


@pytest.fixture
def data_dir() -> Iterator[Path]:
    # Under .data like the default .data/test (not the pytest temp root): pgserver, run as
    # root, opens every parent of its data directory to its own system user.
    path = ROOT / ".data" / f"test-fallback-{uuid.uuid4().hex[:8]}"
    yield path
    # When a test here fails, it must still not leave a server of its own running.
    stop_embedded(path)
    shutil.rmtree(path, ignore_errors=True)


def _run_pytest(data_dir: Path, tmp_path: Path, *args: str, ci: bool) -> tuple[int, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in NOT_INHERITED and not key.startswith("PYTEST_")
    }
    env["TEST_DATA_DIR"] = str(data_dir)
    if ci:
        env["CI"] = "true"
    command = [
        *_namespace(), sys.executable, "-m", "pytest", *args,
        "-p", "no:cacheprovider", f"--basetemp={tmp_path / 'inner'}",
    ]  # fmt: skip
    result = subprocess.run(
        command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=600, check=False
    )
    return result.returncode, result.stdout + result.stderr


def _postgres_processes(data_dir: Path) -> list[str]:
    """Command lines of live processes that name ``data_dir`` (a postgres left running would)."""
    found = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            cmdline = (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:  # it ended meanwhile
            continue
        if str(data_dir) in cmdline and "postgres" in cmdline:
            found.append(f"{proc.name}: {cmdline}")
    return found


def test_without_a_server_the_suite_runs_on_the_embedded_one_and_stops_it(
    data_dir: Path, tmp_path: Path
) -> None:
    code, output = _run_pytest(data_dir, tmp_path, *SUBSET, "-n", "2", ci=False)
    assert code == 0, output
    # The controller found no server, started the embedded one here, and the workers used it.
    assert f"database: embedded PostgreSQL in {data_dir}" in output, output
    assert (data_dir / "pg" / "PG_VERSION").is_file()
    summary = output.strip().splitlines()[-1]
    passed = re.search(r"\b(\d+) passed\b", summary)
    assert passed is not None, output
    assert int(passed.group(1)) >= 6, summary
    assert not re.search(r"failed|error|skipped", summary), summary
    # Nothing printed on the way out (pgserver's exit hook once logged into closed streams).
    assert "Traceback" not in output, output
    assert "Logging error" not in output, output
    # And nothing left behind: no postmaster, no socket, no process on that data directory.
    assert not (data_dir / "pg" / "postmaster.pid").exists()
    assert list((data_dir / "pg").glob(".s.PGSQL.*")) == []
    assert _postgres_processes(data_dir) == []


def test_under_ci_no_server_fails_the_run_instead_of_skipping(
    data_dir: Path, tmp_path: Path
) -> None:
    code, output = _run_pytest(data_dir, tmp_path, ONE_DATABASE_TEST, "-p", "no:xdist", ci=True)
    assert code == 1, output
    assert "CI=true and no PostgreSQL answers on 127.0.0.1:5432" in output, output
    summary = output.strip().splitlines()[-1]
    assert re.search(r"\b1 error\b", summary), summary
    assert "skipped" not in summary, summary
    assert not (data_dir / "pg").exists()  # no embedded server was started under CI
