"""scripts/run.py as an operator or a test harness uses it: one service, started and stopped."""

from __future__ import annotations

import asyncio
import importlib.util
import os
import re
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import jwt
import pytest

from customer_api.migrate import SCRIPT_LOCATION as CUSTOMER_MIGRATIONS
from guarantee_shared.db import migrations
from tests.support.auth import bearer
from tests.support.database import asyncpg_dsn, create_database, drop_database

ROOT = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.integration


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@pytest.fixture
def fresh_database(pg_admin_url: str) -> Iterator[str]:
    url = create_database(pg_admin_url, prefix="test_run_script")
    yield url
    drop_database(pg_admin_url, url)


def _wait_ready(base: str, process: subprocess.Popen[bytes], timeout: float = 60) -> httpx.Response:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert process.poll() is None, "run.py exited before the service was ready"
        try:
            response = httpx.get(f"{base}/readyz", timeout=2)
        except httpx.TransportError:
            time.sleep(0.2)
            continue
        if response.status_code == 200:
            return response
        time.sleep(0.2)
    raise AssertionError(f"{base}/readyz did not answer 200 within {timeout} s")


async def _register_partner(url: str, *, code: str, name: str) -> None:
    conn = await asyncpg.connect(asyncpg_dsn(url))
    try:
        await conn.execute(
            "INSERT INTO customer.partners (id, code, name, version) VALUES ($1, $2, $3, 1)",
            uuid.uuid4(),
            code,
            name,
        )
    finally:
        await conn.close()


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _read_until(process: subprocess.Popen[bytes], marker: bytes) -> bytes:
    """stdout up to the line holding ``marker`` (or all of it, if the process ends first)."""
    assert process.stdout is not None
    seen = b""
    for line in iter(process.stdout.readline, b""):
        seen += line
        if marker in line:
            break
    return seen


def test_run_one_service_migrates_serves_and_stops_cleanly_on_sigterm(
    fresh_database: str, tmp_path: Path
) -> None:
    # A registered partner bank, as the demo book has: the banner prints a token for it.
    migrations.upgrade(CUSTOMER_MIGRATIONS, fresh_database)
    asyncio.run(_register_partner(fresh_database, code="icbc", name="中国工商银行"))
    port = _free_port()
    env = {
        **os.environ,
        "DATABASE_URL": fresh_database,
        "CUSTOMER_API_PORT": str(port),
        "DEMO_DATA": "0",
        "ENVIRONMENT": "test",
        "LOG_LEVEL": "WARNING",
    }
    base = f"http://127.0.0.1:{port}"
    # cwd elsewhere: a developer's .env in the checkout must not leak into the test.
    process = subprocess.Popen(
        [sys.executable, str(ROOT / "scripts" / "run.py"), "customer-api"],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        ready = _wait_ready(base, process)
        assert ready.json()["status"] == "ready"  # migrations at head on the fresh database
        assert httpx.get(f"{base}/healthz").json() == {"status": "ok"}
        spec = httpx.get(f"{base}/openapi.json").json()
        assert "/v1/customers" in spec["paths"]
        echoed = httpx.get(f"{base}/healthz", headers={"X-Request-ID": "run-script-test-1"})
        assert echoed.headers["X-Request-ID"] == "run-script-test-1"
        # DEMO_DATA=0: the database stays empty.
        listed = httpx.get(f"{base}/v1/customers", headers=bearer("customers:read"))
        assert listed.json()["items"] == []
        # Once ready, the banner tells the operator where the docs are, with a token for each
        # partner bank (then stdout goes quiet).
        printed = _read_until(process, b"Ctrl-C stops everything").decode()
        assert f"{base}/docs" in printed
        [token] = re.findall(r"export ICBC_TOKEN=(\S+)", printed)
        claims = jwt.decode(token, options={"verify_signature": False})
        assert (claims["partner"], claims["scope"]) == ("icbc", "ratings:read")
        seen = httpx.get(f"{base}/v1/ratings/91320621MA1MRHG205", headers=_bearer(token))
        assert seen.status_code == 404  # a partner's token, accepted: no such customer

        process.send_signal(signal.SIGTERM)
        _, stderr = process.communicate(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
    assert process.returncode == 0, stderr.decode(errors="replace")
    assert b"Traceback" not in stderr
    with pytest.raises(httpx.TransportError):  # nothing listens any more
        httpx.get(f"{base}/healthz", timeout=2)


def _service_table() -> tuple[Any, ...]:
    spec = importlib.util.spec_from_file_location("run_script", ROOT / "scripts" / "run.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses resolve annotations through sys.modules
    try:
        spec.loader.exec_module(module)
    finally:
        del sys.modules[spec.name]
    services: tuple[Any, ...] = module.SERVICES
    return services


def test_deployment_files_cover_every_service_on_its_port() -> None:
    yaml = pytest.importorskip("yaml")
    compose = yaml.safe_load((ROOT / "deploy" / "compose" / "compose.yaml").read_text())
    k8s: dict[tuple[str, str], dict[str, Any]] = {}
    for path in (ROOT / "deploy" / "k8s").glob("*.yaml"):
        for doc in yaml.safe_load_all(path.read_text()):
            if doc and "metadata" in doc and "name" in doc["metadata"]:
                k8s[(doc["kind"], doc["metadata"]["name"])] = doc
    config = k8s[("ConfigMap", "guarantee-config")]["data"]
    for service in _service_table():
        port = service.default_port
        assert f"{port}:{port}" in compose["services"][service.name]["ports"]
        assert config[service.port_env] == str(port)
        deployment = k8s[("Deployment", service.name)]
        container = deployment["spec"]["template"]["spec"]["containers"][0]
        assert container["command"] == ["python", "-m", service.package]
        assert container["ports"][0]["containerPort"] == port
        assert container["readinessProbe"]["httpGet"]["path"] == "/readyz"
        assert container["livenessProbe"]["httpGet"]["path"] == "/healthz"
        for kind in ("Service", "HorizontalPodAutoscaler", "PodDisruptionBudget"):
            assert (kind, service.name) in k8s
        if service.migrate is not None:  # its schema is migrated before it serves
            job = k8s[("Job", f"{service.name}-migrate")]
            job_container = job["spec"]["template"]["spec"]["containers"][0]
            assert job_container["command"] == ["python", "-m", service.migrate, "upgrade"]
            compose_migrate = compose["services"][f"migrate-{service.name}"]
            assert compose_migrate["command"] == ["python", "-m", service.migrate, "upgrade"]


def test_run_stops_with_the_reason_when_migrations_fail(tmp_path: Path) -> None:
    env = {
        **os.environ,
        "DATABASE_URL": "postgresql://nobody@127.0.0.1:1/nowhere",  # nothing listens on port 1
        "CUSTOMER_API_PORT": str(_free_port()),
        "DEMO_DATA": "0",
    }
    result = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "run.py"), "customer-api"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        timeout=60,
        check=False,
    )
    assert result.returncode != 0
    assert b"migrations of customer-api failed" in result.stderr
    assert b"ready:" not in result.stdout  # the service was never started
