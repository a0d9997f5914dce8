"""`make bootstrap`, which .ci/run uses, installs uv on a machine whose Python refuses a plain
`pip install` (PEP 668, as Debian's does), and leaves a working uv that the Makefile then uses.

The index is a local folder holding a stand-in `uv` wheel, so the test needs no network and
installs nothing outside its own temporary home directory.
"""

from __future__ import annotations

import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest

from tests.support.database import ROOT, under_ci

STAND_IN = "uv 0.0.0 (stand-in for the bootstrap test)"
MANAGED_CHECK = (
    "import os, sysconfig, pip; "
    "print(os.path.exists(os.path.join(sysconfig.get_path('stdlib'), 'EXTERNALLY-MANAGED')))"
)


def _externally_managed_python() -> str:
    for candidate in ("/usr/bin/python3",):
        if not Path(candidate).is_file():
            continue
        check = subprocess.run(
            [candidate, "-c", MANAGED_CHECK], capture_output=True, text=True, check=False
        )
        if check.returncode == 0 and check.stdout.strip() == "True":
            return candidate
    reason = "no externally managed python3 with pip here (Debian's python3 and python3-pip)"
    if under_ci():
        pytest.fail(f"CI=true: {reason}")
    pytest.skip(reason)


def _stand_in_wheel(folder: Path) -> None:
    folder.mkdir()
    files = {
        "uv/__init__.py": "",
        "uv/__main__.py": f"print({STAND_IN!r})\n",
        "uv-0.0.0.dist-info/METADATA": "Metadata-Version: 2.1\nName: uv\nVersion: 0.0.0\n",
        "uv-0.0.0.dist-info/WHEEL": (
            "Wheel-Version: 1.0\nGenerator: tests\nRoot-Is-Purelib: true\nTag: py3-none-any\n"
        ),
    }
    record = "".join(f"{name},,\n" for name in files) + "uv-0.0.0.dist-info/RECORD,,\n"
    with zipfile.ZipFile(folder / "uv-0.0.0-py3-none-any.whl", "w") as wheel:
        for name, text in files.items():
            wheel.writestr(name, text)
        wheel.writestr("uv-0.0.0.dist-info/RECORD", record)


def test_make_bootstrap_installs_uv_where_pip_refuses_a_plain_install(tmp_path: Path) -> None:
    python = _externally_managed_python()
    make = shutil.which("make")
    assert make is not None
    bin_dir = tmp_path / "bin"  # python3 first on PATH is the managed one; no uv anywhere
    bin_dir.mkdir()
    (bin_dir / "python3").symlink_to(python)
    (bin_dir / "make").symlink_to(make)
    _stand_in_wheel(tmp_path / "index")
    env = {
        "HOME": str(tmp_path / "home"),  # pip --user installs under it, nowhere else
        "PATH": f"{bin_dir}:/usr/bin:/bin",
        "PIP_NO_INDEX": "1",
        "PIP_FIND_LINKS": str(tmp_path / "index"),
        "PIP_DISABLE_PIP_VERSION_CHECK": "1",
        "PIP_ROOT_USER_ACTION": "ignore",
    }
    if shutil.which("uv", path=env["PATH"]):
        pytest.skip("a uv on /usr/bin: nothing for the bootstrap to do")

    def run(*command: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            command, cwd=ROOT, env=env, capture_output=True, text=True, check=False, timeout=300
        )

    refused = run("python3", "-m", "pip", "install", "--user", "uv")
    assert refused.returncode != 0  # the case .ci/run's old plain `pip install` fell into
    assert "externally-managed-environment" in refused.stdout + refused.stderr

    bootstrap = run("make", "-s", "bootstrap")
    assert bootstrap.returncode == 0, bootstrap.stdout + bootstrap.stderr
    assert run("python3", "-m", "uv", "--version").stdout.strip() == STAND_IN
    again = run("make", "-s", "bootstrap")  # a second run finds uv and installs nothing
    assert again.returncode == 0, again.stderr
    assert again.stdout + again.stderr == ""


def test_ci_sets_up_uv_through_the_makefile() -> None:
    script = (ROOT / ".ci" / "run").read_text()
    assert "make bootstrap" in script
    assert "pip install" not in script
