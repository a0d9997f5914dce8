"""Property-based fuzzing of every customer-api operation from its own OpenAPI document.

Whatever a caller sends — valid or not — the answer is never a 5xx, and every error is
problem+json. Runs against a real server process on a fresh database.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings

from customer_api.migrate import SCRIPT_LOCATION
from guarantee_shared.db import migrations
from tests.support.auth import ALL_SCOPES, bearer
from tests.support.database import create_database, drop_database
from tests.support.processes import ServiceProcess, running

pytestmark = [pytest.mark.integration, pytest.mark.xdist_group("fuzz")]


@pytest.fixture(scope="module")
def server(pg_admin_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServiceProcess]:
    url = create_database(pg_admin_url, prefix="test_fuzz")
    migrations.upgrade(SCRIPT_LOCATION, url)
    try:
        with running(
            "customer_api",
            port_env="CUSTOMER_API_PORT",
            env={"DATABASE_URL": url, "LOG_LEVEL": "ERROR", "ENVIRONMENT": "test"},
            tmp_path=Path(tmp_path_factory.mktemp("fuzz")),
        ) as service:
            yield service
    finally:
        drop_database(pg_admin_url, url)


def test_no_request_yields_a_server_error(server: ServiceProcess) -> None:
    schema = schemathesis.openapi.from_url(server.url + "/openapi.json")
    headers = bearer(*ALL_SCOPES)
    failures: list[str] = []
    statuses: list[int] = []
    operations = 0
    for result in schema.get_all_operations():
        operation = result.ok()
        operations += 1

        @given(case=operation.as_strategy())
        @settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
        def exercise(case: schemathesis.Case) -> None:
            response = case.call(base_url=server.url, headers=headers, timeout=10)
            statuses.append(response.status_code)
            content_type = (response.headers.get("content-type") or [""])[0]
            is_problem = content_type.startswith("application/problem+json")
            if response.status_code >= 500 or (response.status_code >= 400 and not is_problem):
                failures.append(f"{response.status_code} {case.as_curl_command()}")

        exercise()
    assert operations >= 10
    assert any(200 <= status < 300 for status in statuses), "no request got past auth"
    assert failures == [], "\n".join(failures[:10]) + "\n" + server.logs()
