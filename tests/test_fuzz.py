"""Schemathesis against the three services, each a real process, from their own documents.

`st run` per service, with a fixed seed and a bounded number of examples per operation, so a
run is the same every time and takes a minute or two: every check Schemathesis has (no 5xx,
every status and media type documented, responses matching their schemas, headers, schema-valid
requests accepted and invalid ones refused, Allow on 405, auth not ignored …), enabled with
the expectations in tests/schemathesis.toml. Records exist before the run (a customer with its
facts, a contract, a rating, a job, an import; rules, an alert, a silence, a channel and a
delivery), and the operations are pointed at them, so a request reaches its handler.

The alert stream is left out: it is endless by design (tests/alerting/test_stream.py covers it).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path

import httpx
import pytest

from alerting.migrate import SCRIPT_LOCATION as ALERTING_MIGRATIONS
from customer_api.migrate import SCRIPT_LOCATION as CUSTOMER_MIGRATIONS
from guarantee_shared.db import migrations
from tests.support.auth import ALL_SCOPES, bearer
from tests.support.database import create_database, drop_database
from tests.support.factories import contract_body, customer_body, statement_body
from tests.support.processes import ServiceProcess, free_port, running

pytestmark = [pytest.mark.integration, pytest.mark.xdist_group("fuzz")]

CONFIG = Path(__file__).with_name("schemathesis.toml")
SEED = 20261202
MAX_EXAMPLES = 10
SERVICES = {
    "customer-api": ("customer_api", "CUSTOMER_API_PORT", "CUSTOMER_API_URL"),
    "rating-engine": ("rating_engine", "RATING_ENGINE_PORT", "RATING_ENGINE_URL"),
    "alerting": ("alerting", "ALERTING_PORT", "ALERTING_URL"),
}
# Every operation but the stream: a run that tested fewer was cut short.
MIN_OPERATIONS = {"customer-api": 51, "rating-engine": 7, "alerting": 22}
PAST = "2025-06-01"  # a day before any business date the tests run on


def _distinct_ports(count: int) -> list[int]:
    ports: set[int] = set()
    while len(ports) < count:  # the OS may hand out a port it has just released again
        ports.add(free_port())
    return sorted(ports)


@pytest.fixture(scope="module")
def platform(
    pg_admin_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[dict[str, ServiceProcess]]:
    url = create_database(pg_admin_url, prefix="test_fuzz")
    try:
        migrations.upgrade(CUSTOMER_MIGRATIONS, url)
        migrations.upgrade(ALERTING_MIGRATIONS, url)
        ports = dict(zip(SERVICES, _distinct_ports(len(SERVICES)), strict=True))
        env = {
            "DATABASE_URL": url,
            "ENVIRONMENT": "test",
            "LOG_LEVEL": "WARNING",
            # Evaluations run when the fuzzer asks for one, deliveries stay in the outbox.
            "ALERT_EVALUATOR_ENABLED": "false",
            "DELIVERY_WORKER_ENABLED": "false",
            **{url: f"http://127.0.0.1:{ports[name]}" for name, (_, _, url) in SERVICES.items()},
        }
        logs = Path(tmp_path_factory.mktemp("fuzz"))
        with ExitStack() as stack:
            yield {
                name: stack.enter_context(
                    running(module, port_env=port_env, port=ports[name], env=env, tmp_path=logs)
                )
                for name, (module, port_env, _) in SERVICES.items()
            }
    finally:
        drop_database(pg_admin_url, url)


@pytest.fixture(scope="module")
def records(platform: dict[str, ServiceProcess]) -> dict[str, str]:
    """A record behind every path parameter, as FUZZ_* variables for tests/schemathesis.toml."""
    headers = bearer(*ALL_SCOPES)
    ids: dict[str, str] = {}
    with httpx.Client(base_url=platform["customer-api"].url, headers=headers, timeout=60) as api:

        def create(path: str, body: dict[str, object] | None = None, **kwargs: object) -> str:
            response = api.post(path, json=body, **kwargs)  # type: ignore[arg-type]
            assert response.status_code in (201, 202), response.text
            created: str = response.json()["id"]
            return created

        customer = customer_body()
        ids["CUSTOMER_ID"] = customer_id = create("/v1/customers", customer)
        ids["CREDIT_CODE"] = customer["credit_code"]
        base = f"/v1/customers/{customer_id}"
        ids["STATEMENT_ID"] = create(f"{base}/financial-statements", statement_body())
        event = {"source": "court", "kind": "litigation", "occurred_on": PAST}
        ids["EVENT_ID"] = create(f"{base}/credit-events", event)
        verification = {"verified_on": PAST, "verified_by": "fuzz", "outcome": "confirmed"}
        ids["VERIFICATION_ID"] = create(f"{base}/verifications", verification)
        survey = {"surveyed_on": PAST, "score": 4, "channel": "phone"}
        ids["SURVEY_ID"] = create(f"{base}/surveys", survey)
        ids["RATING_ID"] = create(f"{base}/rate")
        ids["CONTRACT_ID"] = contract_id = create("/v1/contracts", contract_body(customer_id))
        collateral = {"kind": "real_estate", "appraised_value": "800000.00"}
        ids["COLLATERAL_ID"] = create(f"/v1/contracts/{contract_id}/collaterals", collateral)
        complaint = {
            "customer_id": customer_id,
            "category": "fee",
            "severity": "low",
            "description": "fuzz",
        }
        ids["COMPLAINT_ID"] = create("/v1/complaints", complaint)
        campaign = {"name": "fuzz", "due_on": PAST, "filter": {}}
        ids["CAMPAIGN_ID"] = create("/v1/review-campaigns", campaign)
        tasks = api.get("/v1/review-tasks", params={"campaign_id": ids["CAMPAIGN_ID"]}).json()
        ids["TASK_ID"] = tasks["items"][0]["id"]
        finding = {"severity": "low", "description": "fuzz", "due_on": PAST}
        ids["FINDING_ID"] = create(f"{base}/findings", finding)
        ids["JOB_ID"] = create("/v1/ratings/rerun")
        template = api.get("/v1/imports/template", params={"format": "csv", "kind": "customers"})
        upload = {"file": ("customers.csv", template.content, "text/csv")}
        ids["IMPORT_ID"] = create("/v1/imports", None, files=upload, params={"dry_run": "true"})
    with httpx.Client(base_url=platform["alerting"].url, headers=headers, timeout=60) as alerting:
        ids["RULE_ID"] = alerting.get("/v1/rules", params={"limit": 1}).json()["items"][0]["id"]
        matchers = [{"name": "severity", "value": "none"}]
        silence = {"matchers": matchers, "ends_at": "2999-01-01T00:00:00Z"}
        ids["SILENCE_ID"] = alerting.post("/v1/silences", json=silence).json()["id"]
        channel = {"url": "https://hooks.example.com/fuzz", "secret": "s" * 24}
        ids["CHANNEL_ID"] = alerting.post("/v1/channels", json=channel).json()["id"]
        # The customer's lawsuit is an adverse event: the default rules fire on it, and the
        # channel is sent the firing alert (to the outbox; the worker is off).
        assert alerting.post("/v1/evaluate").status_code == 200
        ids["ALERT_ID"] = alerting.get("/v1/alerts").json()["items"][0]["id"]
        ids["DELIVERY_ID"] = alerting.get("/v1/deliveries").json()["items"][0]["id"]
    return {f"FUZZ_{name}": value for name, value in ids.items()}


@pytest.mark.parametrize("service", SERVICES)
def test_schemathesis_finds_nothing(
    service: str,
    platform: dict[str, ServiceProcess],
    records: dict[str, str],
    tmp_path: Path,
) -> None:
    target = platform[service]
    command = [
        str(Path(sys.executable).with_name("st")),
        "--config-file",
        str(CONFIG),
        "--no-color",
        "run",
        f"{target.url}/openapi.json",
        "--seed",
        str(SEED),
        "--max-examples",
        str(MAX_EXAMPLES),
        "--workers",
        "1",
        "--request-timeout",
        "60",  # a bound on a hung request, not a check: a loaded machine is slow
        "--header",
        # admin too: the partner registry and its subscriptions are staff-only (admin); every
        # scope rule is the auth matrix's business, the fuzzer's is what handlers do.
        f"Authorization: {bearer(*ALL_SCOPES, 'admin')['Authorization']}",
        "--exclude-path",
        "/v1/alerts/stream",
    ]
    # The working directory takes whatever Schemathesis keeps between runs, out of the tree.
    result = subprocess.run(
        command,
        cwd=tmp_path,
        env={**os.environ, **records},
        capture_output=True,
        text=True,
        check=False,
    )
    output = result.stdout + result.stderr
    logs = "\n".join(f"--- {p.name}\n{p.logs()}" for p in platform.values())
    assert result.returncode == 0, _findings(output) + "\n" + logs
    tested = re.search(r"Tested: (\d+)", output)
    assert tested is not None, output[-5000:]
    assert int(tested.group(1)) >= MIN_OPERATIONS[service], output[-5000:]


def _findings(output: str) -> str:
    """The FAILURES section of Schemathesis's report, else its whole output's end."""
    start = output.find("FAILURES")
    return output[start:][:20000] if start >= 0 else output[-20000:]
