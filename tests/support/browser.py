"""Debian's headless Chromium, for the tests that look at a page the way a person would.

Skipped where no Chromium is installed, except under CI=true, where .ci/run installs it and a
missing browser is a failure.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.support.database import under_ci


def chromium() -> str:
    for candidate in (
        "/usr/bin/chromium",
        shutil.which("chromium"),
        shutil.which("chromium-browser"),
    ):
        if candidate and os.access(candidate, os.X_OK):
            return candidate
    if under_ci():
        pytest.fail("CI=true but no chromium is installed (.ci/run installs Debian's chromium)")
    pytest.skip("no chromium on this machine (apt-get install chromium to run this test)")


def run_chromium(
    binary: str, profile: Path, *args: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """One headless run with a fresh profile; ``args`` say what to do (--dump-dom, ...)."""
    command = [
        binary, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
        "--no-first-run", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--disable-dev-shm-usage", "--hide-scrollbars",
        # Offline, as in a bank's network: any host but this machine fails to resolve, so a
        # page that needs the internet shows it here too.
        "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
        f"--user-data-dir={profile}", *args,
    ]  # fmt: skip
    return subprocess.run(
        command,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env=None if env is None else {**os.environ, **env},
    )
