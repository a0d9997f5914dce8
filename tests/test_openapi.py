"""The three OpenAPI documents: valid OpenAPI 3.1, every status each operation can answer
declared, errors as one Problem schema.

The apps are built in-process; generating a document touches no database.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi import FastAPI
from openapi_spec_validator import OpenAPIV31SpecValidator

from alerting.app import create_app as create_alerting
from alerting.settings import AlertingSettings
from customer_api.app import create_app as create_customer_api
from customer_api.settings import CustomerApiSettings
from guarantee_shared.web.openapi import PROBLEM_REF
from guarantee_shared.web.problems import PROBLEM_MEDIA_TYPE
from rating_engine.app import create_app as create_engine
from rating_engine.settings import RatingEngineSettings

# Never connected to: building an app and its document opens no connection.
UNUSED_DATABASE = "postgresql://nobody@127.0.0.1:9/never"
SERVICES = ("customer-api", "rating-engine", "alerting")
METHODS = ("get", "put", "post", "delete", "patch")


def build(service: str) -> FastAPI:
    if service == "customer-api":
        return create_customer_api(
            CustomerApiSettings(database_url=UNUSED_DATABASE, environment="test")
        )
    if service == "rating-engine":
        return create_engine(RatingEngineSettings(environment="test"))
    return create_alerting(AlertingSettings(database_url=UNUSED_DATABASE, environment="test"))


@pytest.fixture(scope="module")
def apps() -> dict[str, FastAPI]:
    return {service: build(service) for service in SERVICES}


def operations(spec: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    for path, item in spec["paths"].items():
        for method in METHODS:
            if method in item:
                yield method, path, item[method]


def statuses(operation: dict[str, Any]) -> set[int]:
    return {int(status) for status in operation["responses"]}


@pytest.mark.parametrize("service", SERVICES)
def test_the_document_is_valid_openapi_3_1(apps: dict[str, FastAPI], service: str) -> None:
    spec = apps[service].openapi()
    assert spec["openapi"].startswith("3.1")
    errors = [error.message for error in OpenAPIV31SpecValidator(spec).iter_errors()]
    assert errors == []


@pytest.mark.parametrize("service", SERVICES)
def test_every_error_answer_is_a_problem(apps: dict[str, FastAPI], service: str) -> None:
    spec = apps[service].openapi()
    wrong = []
    for method, path, operation in operations(spec):
        for status, response in operation["responses"].items():
            if int(status) < 400 or (path == "/readyz" and status == "503"):
                continue  # /readyz answers 503 with its checks, like its 200
            content = response.get("content", {})
            if list(content) != [PROBLEM_MEDIA_TYPE] or content[PROBLEM_MEDIA_TYPE] != {
                "schema": {"$ref": PROBLEM_REF}
            }:
                wrong.append(f"{method.upper()} {path} {status}: {content}")
    assert wrong == []
    text = str(spec)
    assert "HTTPValidationError" not in text
    assert set(spec["components"]["schemas"]["Problem"]["required"]) == {
        "type",
        "title",
        "status",
        "detail",
    }


@pytest.mark.parametrize("service", SERVICES)
def test_every_operation_declares_what_the_kit_answers(
    apps: dict[str, FastAPI], service: str
) -> None:
    """The rules of guarantee_shared.web.openapi hold on every operation, whichever router
    defines it."""
    missing = []
    for method, path, operation in operations(apps[service].openapi()):
        expected = {500}
        if "probes" not in operation.get("tags", []):
            expected |= {422, 429, 401, 403}
            assert operation["security"][0]["HTTPBearer"], f"{method} {path} names no scope"
            www = operation["responses"]["401"]["headers"]["WWW-Authenticate"]
            assert www["required"] is True
        if "{" in path:
            expected.add(404)
        if "requestBody" in operation:
            expected.add(413)
        headers = {
            p["name"].lower() for p in operation.get("parameters", []) if p["in"] == "header"
        }
        if "idempotency-key" in headers:
            expected.add(409)
        if "if-match" in headers:
            expected.add(412)
        if lacking := expected - statuses(operation):
            missing.append(f"{method.upper()} {path}: {sorted(lacking)}")
    assert missing == []


def test_what_each_kind_of_route_answers(apps: dict[str, FastAPI]) -> None:
    customers = apps["customer-api"].openapi()["paths"]
    patch = customers["/v1/customers/{customer_id}"]["patch"]
    assert statuses(patch) == {200, 401, 403, 404, 412, 413, 422, 428, 429, 500}
    (if_match,) = [p for p in patch["parameters"] if p["name"] == "if-match"]
    assert if_match["required"] is True  # 428 without it
    create = customers["/v1/customers"]["post"]
    assert statuses(create) == {201, 401, 403, 409, 413, 422, 429, 500}
    # The router's own 409 keeps its words; the in-flight Idempotency-Key is added to them.
    assert "existing_id" in create["responses"]["409"]["description"]
    assert "Idempotency-Key" in create["responses"]["409"]["description"]
    assert statuses(customers["/v1/customers"]["get"]) == {200, 401, 403, 422, 429, 500}
    events = customers["/v1/contracts/{contract_id}/events"]["post"]
    assert 412 in statuses(events)
    assert 428 not in statuses(events)  # If-Match is optional on ledger appends
    rate = customers["/v1/customers/{customer_id}/rate"]["post"]
    assert {502, 503} <= statuses(rate)
    assert statuses(customers["/readyz"]["get"]) == {200, 500, 503}
    assert statuses(customers["/healthz"]["get"]) == {200, 500}
    assert list(customers["/metrics"]["get"]["responses"]["200"]["content"]) == ["text/plain"]
    engine = apps["rating-engine"].openapi()["paths"]
    score = engine["/v1/score"]["post"]
    assert statuses(score) == {200, 401, 403, 404, 413, 422, 429, 500}
    assert score["security"] == [{"HTTPBearer": ["ratings:score"]}]
    imports = customers["/v1/imports"]["post"]
    assert imports["security"] == [{"HTTPBearer": ["customers:write", "contracts:write"]}]


def test_a_merge_patch_body_is_documented_as_one(apps: dict[str, FastAPI]) -> None:
    spec = apps["customer-api"].openapi()
    body = spec["paths"]["/v1/customers/{customer_id}"]["patch"]["requestBody"]["content"]
    refs = {media: content["schema"] for media, content in body.items()}
    assert refs == {
        "application/merge-patch+json": {"$ref": "#/components/schemas/CustomerFieldsPatch"},
        "application/json": {"$ref": "#/components/schemas/CustomerFieldsPatch"},
    }
    patch = spec["components"]["schemas"]["CustomerFieldsPatch"]
    assert "required" not in patch
    assert patch["additionalProperties"] is False
    # An optional field may be removed with null; a required one may not.
    assert {"type": "null"} in patch["properties"]["legal_representative"]["anyOf"]
    assert patch["properties"]["name"]["type"] == "string"
