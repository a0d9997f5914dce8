"""The served OpenAPI document against what the scoring routes accept and answer.

FastAPI writes the scoring routes' entries from their endpoints' signatures, but the routes
supply those arguments themselves (``router.ScoringRoute``): these tests hold the two together.
Bodies and answers are checked against the document with jsonschema_rs, the validator
schemathesis (a dev dependency) is built on.
"""

from __future__ import annotations

from typing import Any

import httpx
import jsonschema_rs
import pytest
from pydantic import BaseModel

from guarantee_shared.schemas.rating import MAX_BATCH, RatingRequest
from tests.rating_engine.factories import event, payload, previous_year, statement

REF = "#/components/schemas/{model}"
PROBLEM = "application/problem+json"

Spec = dict[str, Any]


@pytest.fixture
async def spec(anon: httpx.AsyncClient) -> Spec:
    response = await anon.get("/openapi.json")
    assert response.status_code == 200
    document: Spec = response.json()
    return document


def operation(spec: Spec, path: str) -> Spec:
    found: Spec = spec["paths"][path]["post"]
    return found


def ref(model: str) -> dict[str, str]:
    return {"$ref": REF.format(model=model)}


def validator(spec: Spec, schema: Spec) -> jsonschema_rs.Draft202012Validator:
    """``schema`` as the document states it, its references resolved in the document."""
    return jsonschema_rs.Draft202012Validator(
        {**schema, "components": spec["components"]}, validate_formats=True
    )


def body_schema(spec: Spec, path: str) -> Spec:
    body = operation(spec, path)["requestBody"]
    assert body["required"] is True
    assert list(body["content"]) == ["application/json"]
    schema: Spec = body["content"]["application/json"]["schema"]
    return schema


def answer_schema(spec: Spec, path: str, status: int, media_type: str = "application/json") -> Spec:
    schema: Spec = operation(spec, path)["responses"][str(status)]["content"][media_type]["schema"]
    return schema


def without_null_defaults(schema: Any) -> Any:
    """``schema`` as FastAPI writes it into the document: without ``"default": null``."""
    if isinstance(schema, dict):
        return {
            key: without_null_defaults(value)
            for key, value in schema.items()
            if not (key == "default" and value is None)
        }
    if isinstance(schema, list):
        return [without_null_defaults(item) for item in schema]
    return schema


def assert_documents(spec: Spec, model: type[BaseModel]) -> None:
    """The document holds ``model``'s own JSON schema, and that of every model it uses."""
    schema = without_null_defaults(model.model_json_schema(ref_template=REF))
    components = spec["components"]["schemas"]
    for name, part in schema.pop("$defs", {}).items():
        assert components[name] == part, name
    assert components[model.__name__] == schema


def test_the_score_body_is_the_rating_request_model(spec: Spec) -> None:
    assert body_schema(spec, "/v1/score") == ref("RatingRequest")
    assert_documents(spec, RatingRequest)


def test_the_batch_body_is_up_to_10000_rating_requests(spec: Spec) -> None:
    assert body_schema(spec, "/v1/score/batch") == ref("RatingBatch")
    batch = spec["components"]["schemas"]["RatingBatch"]
    assert batch["required"] == ["requests"]
    assert batch["additionalProperties"] is False
    requests = batch["properties"]["requests"]
    assert requests["maxItems"] == MAX_BATCH
    assert requests["items"] == spec["components"]["schemas"]["RatingRequest"]


@pytest.mark.parametrize(
    ("path", "result"), [("/v1/score", "RatingResult"), ("/v1/score/batch", "RatingBatchResponse")]
)
def test_parameters_security_and_answers_are_declared(spec: Spec, path: str, result: str) -> None:
    declared = operation(spec, path)
    [parameter] = declared["parameters"]
    assert (parameter["name"], parameter["in"], parameter["required"]) == (
        "model_version",
        "query",
        False,
    )
    assert {"type": "string", "minLength": 1, "maxLength": 64} in parameter["schema"]["anyOf"]
    assert declared["security"] == [{"HTTPBearer": ["ratings:score"]}]
    assert spec["components"]["securitySchemes"]["HTTPBearer"]["scheme"] == "bearer"
    assert answer_schema(spec, path, 200) == ref(result)
    assert answer_schema(spec, path, 422, PROBLEM) == ref("Problem")
    assert answer_schema(spec, path, 404, PROBLEM) == ref("Problem")


ACCEPTED = [
    pytest.param(payload(), id="a full request"),
    pytest.param({"as_of": "2025-06-30", "customer": {}}, id="nothing known"),
    pytest.param(
        payload(
            financials=[statement("2025-03-31", "quarterly"), statement(), previous_year()],
            credit_events=[event("default", "2025-01-01"), event("tax_credit_grade", grade="D")],
            limits_context={"guarantor_net_assets": "100000000.00"},
        ),
        id="knocked out, with limits context",
    ),
]

REFUSED = [
    pytest.param(payload(surprise=1), id="an unknown field"),
    pytest.param(payload(as_of="2025-02-30"), id="no such date"),
    pytest.param(payload(financials=[statement()] * 4), id="four statements"),
    pytest.param(payload(financials=[statement(revenue="1.234")]), id="a third decimal place"),
    pytest.param(payload(customer={"employees": -1}), id="negative employees"),
    pytest.param(payload(credit_events=[event("bankruptcy")]), id="an unknown event kind"),
    pytest.param({"customer": {}}, id="no as_of"),
]


@pytest.mark.parametrize("body", ACCEPTED)
async def test_what_the_document_accepts_is_rated_as_documented(
    engine: httpx.AsyncClient, spec: Spec, body: dict[str, Any]
) -> None:
    assert validator(spec, body_schema(spec, "/v1/score")).is_valid(body)
    response = await engine.post("/v1/score", json=body)
    assert response.status_code == 200
    validator(spec, answer_schema(spec, "/v1/score", 200)).validate(response.json())


@pytest.mark.parametrize("body", REFUSED)
async def test_what_the_document_refuses_is_a_documented_422(
    engine: httpx.AsyncClient, spec: Spec, body: dict[str, Any]
) -> None:
    assert not validator(spec, body_schema(spec, "/v1/score")).is_valid(body)
    response = await engine.post("/v1/score", json=body)
    assert response.status_code == 422
    assert response.headers["content-type"] == PROBLEM
    validator(spec, answer_schema(spec, "/v1/score", 422, PROBLEM)).validate(response.json())


@pytest.mark.parametrize(("version", "status"), [("v" * 64, 404), ("v" * 65, 422), ("", 422)])
async def test_model_version_length_is_checked_as_documented(
    engine: httpx.AsyncClient, spec: Spec, version: str, status: int
) -> None:
    [parameter] = operation(spec, "/v1/score")["parameters"]
    documented_ok = validator(spec, parameter["schema"]).is_valid(version)
    assert documented_ok is (status != 422)
    for path, body in (("/v1/score", payload()), ("/v1/score/batch", {"requests": []})):
        response = await engine.post(path, params={"model_version": version}, json=body)
        assert response.status_code == status


async def test_a_batch_answer_is_as_documented(engine: httpx.AsyncClient, spec: Spec) -> None:
    good, bad, other = payload(), payload(as_of="not-a-date"), payload(customer={"employees": 5})
    documented = validator(spec, body_schema(spec, "/v1/score/batch"))
    assert documented.is_valid({"requests": [good, other]})
    # A bad item is outside the document, yet the route rates the others and answers 200.
    body = {"requests": [good, bad, other]}
    assert not documented.is_valid(body)
    response = await engine.post("/v1/score/batch", json=body)
    assert response.status_code == 200
    validator(spec, answer_schema(spec, "/v1/score/batch", 200)).validate(response.json())
    assert "error" in response.json()["results"][1]


@pytest.mark.parametrize(
    "body",
    [
        pytest.param({"requests": [], "more": 1}, id="an unknown field"),
        pytest.param({"requests": {}}, id="requests not a list"),
        pytest.param({"requests": [{}] * (MAX_BATCH + 1)}, id="too many requests"),
        pytest.param([], id="not an object"),
    ],
)
async def test_a_batch_the_document_refuses_is_a_documented_422(
    engine: httpx.AsyncClient, spec: Spec, body: Any
) -> None:
    assert not validator(spec, body_schema(spec, "/v1/score/batch")).is_valid(body)
    response = await engine.post("/v1/score/batch", json=body)
    assert response.status_code == 422
    validator(spec, answer_schema(spec, "/v1/score/batch", 422, PROBLEM)).validate(response.json())


async def test_the_bearer_security_is_enforced(anon: httpx.AsyncClient, spec: Spec) -> None:
    for path, body in (("/v1/score", payload()), ("/v1/score/batch", {"requests": []})):
        assert operation(spec, path)["security"] == [{"HTTPBearer": ["ratings:score"]}]
        response = await anon.post(path, json=body)
        assert response.status_code == 401
