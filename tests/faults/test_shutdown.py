"""SIGTERM on real processes: readiness turns false first, requests in flight finish, it exits.

Every service runs through ``guarantee_shared.web.server.serve``. The requests in flight are
real ones whose bodies are still arriving (tests/faults/gated.py): the server has begun them
and cannot finish them before the test sends the rest, so they are in flight when the server
shuts down, whatever the machine's speed.
"""

from __future__ import annotations

import asyncio
import json
import signal
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import asyncpg
import httpx
import pytest

from alerting.migrate import SCRIPT_LOCATION as ALERTING_MIGRATIONS
from customer_api.migrate import SCRIPT_LOCATION as CUSTOMER_MIGRATIONS
from guarantee_shared.db import migrations
from tests.faults.gated import WAIT_S, GatedRequest
from tests.rating_engine.factories import payload
from tests.support.auth import bearer
from tests.support.database import asyncpg_dsn, create_database, drop_database
from tests.support.factories import customer_body
from tests.support.processes import ServiceProcess, running

pytestmark = [pytest.mark.integration, pytest.mark.xdist_group("faults")]

ADMIN = bearer("admin")


def until(condition: Callable[[], bool], *, what: str, timeout_s: float = WAIT_S) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError(f"{what}: not within {timeout_s} s")
        time.sleep(0.05)


def status_of(url: str) -> int | None:
    """The status ``GET url`` answers with, or None when no connection is accepted."""
    try:
        return httpx.get(url, timeout=10).status_code
    except httpx.TransportError:
        return None


def readiness_after_signal(service: ServiceProcess) -> int | None:
    """The first answer of /readyz other than 200: 503 when draining, None when the server
    already refuses connections (it stopped without draining)."""
    seen: list[int | None] = []

    def changed() -> bool:
        seen.append(status_of(service.url + "/readyz"))
        return seen[-1] != 200

    until(changed, what="readiness to change")
    return seen[-1]


def refuses_connections(service: ServiceProcess) -> bool:
    return status_of(service.url + "/healthz") is None


def exit_code(service: ServiceProcess) -> int:
    try:
        return service.process.wait(timeout=WAIT_S)
    except Exception as exc:
        raise AssertionError(f"the process did not exit\n{service.logs()}") from exc


@pytest.fixture
def database(pg_admin_url: str) -> Iterator[Callable[[str], str]]:
    """A factory: a fresh database migrated with the given script location."""
    made: list[str] = []

    def make(script_location: str) -> str:
        url = create_database(pg_admin_url, prefix="faults_shutdown")
        made.append(url)
        migrations.upgrade(script_location, url)
        return url

    yield make
    for url in made:
        drop_database(pg_admin_url, url)


def test_sigterm_fails_readiness_serves_through_the_drain_then_finishes_requests_in_flight(
    tmp_path: Path,
) -> None:
    """rating-engine: a 10,000-item batch is still uploading when SIGTERM comes. /readyz turns
    503 while everything else is served for the drain; then the server stops accepting
    connections, and the batch, sent in full only after that, is scored and answered."""
    batch = json.dumps({"requests": [payload()] * 10_000}).encode()
    # The in-flight bound generous: a loaded machine may take longer than the default 20 s to
    # score 10,000 requests, and cutting the batch off is not what this test is about.
    env = {"SHUTDOWN_DRAIN_S": "4", "SHUTDOWN_TIMEOUT_S": "180", "LOG_LEVEL": "INFO"}
    with running(
        "rating_engine", port_env="RATING_ENGINE_PORT", env=env, tmp_path=tmp_path
    ) as engine:
        scoring = bearer("ratings:score")
        with GatedRequest(engine.url + "/v1/score/batch", batch, scoring) as in_flight:
            in_flight.wait_in_flight()
            assert status_of(engine.url + "/readyz") == 200

            engine.process.send_signal(signal.SIGTERM)
            assert readiness_after_signal(engine) == 503, engine.logs()
            ready = httpx.get(engine.url + "/readyz", timeout=10)
            assert ready.json() == {"status": "not_ready", "checks": {"shutdown": "draining"}}
            # Draining is not stopping: the process is alive and still does its work.
            assert status_of(engine.url + "/healthz") == 200
            one = httpx.post(engine.url + "/v1/score", json=payload(), headers=scoring, timeout=30)
            assert one.status_code == 200, one.text

            # The drain ends by itself; then no new connection is accepted...
            until(lambda: refuses_connections(engine), what="the drain to end")
            # ...but the request in flight completes.
            response = in_flight.release()
        assert response.status_code == 200, response.text
        assert len(response.json()["results"]) == 10_000
        # uvicorn exits by re-raising the signal it handled, after a clean shutdown.
        assert exit_code(engine) in (0, -signal.SIGTERM)
    logs = engine.logs()
    assert logs.index('"shutdown_draining"') < logs.index('"shutdown_drained"')
    assert "Application shutdown complete" in logs


def test_a_second_sigterm_ends_the_drain_and_a_write_in_flight_is_committed(
    database: Callable[[str], str], tmp_path: Path
) -> None:
    """customer-api, with a drain far longer than the test: the second signal ends it. A customer
    whose body is still arriving when the server stops accepting is created, and stored."""
    url = database(CUSTOMER_MIGRATIONS)
    env = {"DATABASE_URL": url, "ENVIRONMENT": "test", "SHUTDOWN_DRAIN_S": "3600"}
    body = json.dumps(customer_body()).encode()
    with running("customer_api", port_env="CUSTOMER_API_PORT", env=env, tmp_path=tmp_path) as api:
        with GatedRequest(api.url + "/v1/customers", body, ADMIN) as in_flight:
            in_flight.wait_in_flight()
            api.process.send_signal(signal.SIGTERM)
            assert readiness_after_signal(api) == 503, api.logs()
            assert status_of(api.url + "/healthz") == 200
            api.process.send_signal(signal.SIGTERM)
            until(lambda: refuses_connections(api), what="the second signal to end the drain")
            response = in_flight.release()
        assert response.status_code == 201, response.text
        assert exit_code(api) in (0, -signal.SIGTERM), api.logs()

    async def stored() -> int:
        conn = await asyncpg.connect(asyncpg_dsn(url))
        try:
            count: int = await conn.fetchval(
                "SELECT count(*) FROM customer.customers WHERE id = $1::uuid",
                response.json()["id"],
            )
            return count
        finally:
            await conn.close()

    assert asyncio.run(stored()) == 1


def test_open_streams_stay_open_through_the_drain_and_end_at_shutdown(
    database: Callable[[str], str], tmp_path: Path
) -> None:
    """alerting: an event stream open when SIGTERM comes is still served while /readyz says
    503, and sse-starlette ends it when the drain is over; the process then exits."""
    env = {
        "DATABASE_URL": database(ALERTING_MIGRATIONS),
        "ENVIRONMENT": "test",
        "ALERT_EVALUATOR_ENABLED": "false",
        "DELIVERY_WORKER_ENABLED": "false",
        "SHUTDOWN_DRAIN_S": "3",
        "LOG_LEVEL": "INFO",
    }
    with running("alerting", port_env="ALERTING_PORT", env=env, tmp_path=tmp_path) as alerting:
        stream_url = f"{alerting.url}/v1/alerts/stream"
        with httpx.stream("GET", stream_url, headers=bearer("alerts:read"), timeout=WAIT_S) as s:
            lines = s.iter_lines()
            assert next(lines) == "retry: 2000"
            alerting.process.send_signal(signal.SIGTERM)
            assert readiness_after_signal(alerting) == 503, alerting.logs()
            # Still draining: the stream is open, and new requests are answered.
            assert status_of(alerting.url + "/healthz") == 200
            assert not s.is_closed
            rest = list(lines)  # ends when the server ends the stream, after the drain
        assert exit_code(alerting) in (0, -signal.SIGTERM), alerting.logs()
    assert all(line == "" or line.startswith(("data:", "id:", "event:", ":")) for line in rest)
    logs = alerting.logs()
    assert logs.index('"shutdown_drained"') < logs.index("Application shutdown complete")
