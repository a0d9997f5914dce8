"""What a production install of each service carries, read from the committed uv.lock the way
the Dockerfile installs it (``--package SERVICE --no-dev``): the stateless rating engine has no
database code at all, the services with a schema have the database stack, and none has the
embedded PostgreSQL, which is for development only. And the engine's production install,
made for real, starts and serves.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import httpx
import pytest

from tests.support.database import ROOT, under_ci
from tests.support.processes import running

pytestmark = pytest.mark.xdist_group("production-install")

DATABASE_CODE = frozenset(
    {"sqlalchemy", "asyncpg", "alembic", "pgserver", "psycopg", "psycopg-binary", "psycopg2",
     "psycopg2-binary"}
)  # fmt: skip
# What every service's closure has: if these go missing, the export was not read right.
WEB_STACK = frozenset({"fastapi", "uvicorn", "pydantic", "fastapi-offline"})
REQUIREMENT = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)")


def _uv() -> list[str]:
    # `uv run` (make test) names itself in UV; else uv on PATH; else the Makefile's fallback.
    for found in (os.environ.get("UV"), shutil.which("uv")):
        if found:
            return [found]
    module = ["python3", "-m", "uv"]
    if subprocess.run([*module, "--version"], capture_output=True, check=False).returncode == 0:
        return module
    if under_ci():
        pytest.fail("CI=true but uv is not installed (make sync installs it)")
    pytest.skip("uv is not installed (make sync installs it)")


def _uv_env() -> dict[str, str]:
    # Not the test run's own environment: uv would warn that VIRTUAL_ENV is not the target.
    unwanted = ("VIRTUAL_ENV", "UV_PROJECT_ENVIRONMENT")
    return {key: value for key, value in os.environ.items() if key not in unwanted}


def production_requirements(service: str) -> frozenset[str]:
    """Normalised names of the third-party packages a production install of ``service`` gets."""
    result = subprocess.run(
        [*_uv(), "export", "--package", service, "--no-dev", "--frozen", "--no-hashes",
         "--no-header", "--no-annotate", "--no-emit-workspace"],
        cwd=ROOT, env=_uv_env(), capture_output=True, text=True, check=False, timeout=120,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    names = set()
    for line in result.stdout.splitlines():
        match = REQUIREMENT.match(line)
        if match:
            names.add(re.sub(r"[-_.]+", "-", match.group(1)).lower())
    return frozenset(names)


def test_the_rating_engine_installs_no_database_code() -> None:
    requirements = production_requirements("rating-engine")
    assert requirements >= WEB_STACK
    assert requirements & DATABASE_CODE == set()


@pytest.mark.parametrize("service", ["customer-api", "alerting"])
def test_services_with_a_schema_get_the_database_stack_but_not_the_embedded_server(
    service: str,
) -> None:
    requirements = production_requirements(service)
    assert requirements >= WEB_STACK | {"sqlalchemy", "asyncpg", "alembic"}
    assert "pgserver" not in requirements


def test_the_rating_engine_production_install_starts_and_serves(tmp_path: Path) -> None:
    venv = tmp_path / "venv"
    # What the Dockerfile's build stage runs, into a scratch environment.
    installed = subprocess.run(
        [*_uv(), "sync", "--package", "rating-engine", "--no-dev", "--frozen", "--no-editable",
         "--quiet"],
        cwd=ROOT, env={**_uv_env(), "UV_PROJECT_ENVIRONMENT": str(venv)},
        capture_output=True, text=True, check=False, timeout=600,
    )  # fmt: skip
    assert installed.returncode == 0, installed.stderr
    python = str(venv / "bin" / "python")
    # From outside the checkout, so that nothing is imported from the source tree.
    probe = subprocess.run(
        [python, "-c", PROBE, *sorted(DATABASE_CODE)],
        cwd=tmp_path, capture_output=True, text=True, check=False, timeout=120,
    )  # fmt: skip
    assert probe.returncode == 0, probe.stdout + probe.stderr
    assert probe.stdout.split() == ["ok"], probe.stdout
    env = {"ENVIRONMENT": "test", "LOG_LEVEL": "WARNING"}
    with running(
        "rating_engine",
        port_env="RATING_ENGINE_PORT",
        env=env,
        tmp_path=tmp_path,
        python=python,
        cwd=tmp_path,
    ) as engine:
        assert httpx.get(f"{engine.url}/healthz").json() == {"status": "ok"}
        assert httpx.get(f"{engine.url}/readyz").status_code == 200
        assert httpx.get(f"{engine.url}/docs").status_code == 200
        bundle = httpx.get(f"{engine.url}/docs/assets/swagger-ui-bundle.js")
        assert bundle.status_code == 200
        assert "/v1/score" in httpx.get(f"{engine.url}/openapi.json").json()["paths"]


# Run by the production install's Python: none of the database packages is installed, the app
# builds, and nothing it imported came from the source tree.
PROBE = """
import importlib.util, sys
absent = sys.argv[1:]
present = [name for name in absent if importlib.util.find_spec(name.replace("-", "_")) is not None]
assert not present, f"installed: {present}"
from rating_engine.app import create_app
import guarantee_shared, rating_engine
create_app()
for module in (guarantee_shared, rating_engine):
    assert "site-packages" in (module.__file__ or ""), module.__file__
print("ok")
"""


def test_the_image_installs_the_closure_read_here() -> None:
    dockerfile = (ROOT / "deploy" / "docker" / "Dockerfile").read_text()
    installs = re.findall(r"\buv sync ([^\n]+)", dockerfile)
    assert len(installs) == 2  # third-party layer, then the workspace packages
    for options in installs:
        assert '--package "${SERVICE}"' in options, options
        assert "--no-dev" in options, options
        assert "--frozen" in options, options
    # customer-api's image carries the CJK font its Chinese report needs.
    assert re.search(r'SERVICE}" = "customer-api".*?fonts-noto-cjk', dockerfile, re.S)
