"""The engine's HTTP contract: auth, problems, score, batch, models, probes."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import httpx
import pytest

from guarantee_shared.schemas.rating import RatingRequest
from rating_engine.service import parse_body
from rating_engine.settings import RatingEngineSettings
from tests.rating_engine.conftest import token_for
from tests.rating_engine.factories import payload, statement

PROBLEM = "application/problem+json"


async def test_score_needs_a_token(anon: httpx.AsyncClient) -> None:
    response = await anon.post("/v1/score", json=payload())
    assert response.status_code == 401
    assert response.headers["content-type"] == PROBLEM
    assert response.headers["www-authenticate"] == "Bearer"


async def test_score_refuses_a_forged_token(anon: httpx.AsyncClient) -> None:
    bad = token_for(RatingEngineSettings(auth_jwt_secret="another-secret-" * 3), "ratings:score")
    response = await anon.post(
        "/v1/score", json=payload(), headers={"Authorization": f"Bearer {bad}"}
    )
    assert response.status_code == 401


@pytest.mark.parametrize("path", ["/v1/score", "/v1/score/batch", "/v1/models"])
async def test_routes_need_the_score_scope(
    anon: httpx.AsyncClient, engine_settings: RatingEngineSettings, path: str
) -> None:
    token = token_for(engine_settings, "ratings:read", "customers:read")
    headers = {"Authorization": f"Bearer {token}"}
    if path == "/v1/models":
        response = await anon.get(path, headers=headers)
    else:
        response = await anon.post(path, json={"requests": []}, headers=headers)
    assert response.status_code == 403
    assert response.json()["missing_scopes"] == ["ratings:score"]


async def test_admin_implies_the_score_scope(
    anon: httpx.AsyncClient, engine_settings: RatingEngineSettings
) -> None:
    token = token_for(engine_settings, "admin")
    response = await anon.post(
        "/v1/score", json=payload(), headers={"Authorization": f"Bearer {token}"}
    )
    assert response.status_code == 200


async def test_score_answers_the_contract_fields(engine: httpx.AsyncClient) -> None:
    response = await engine.post("/v1/score", json=payload())
    assert response.status_code == 200
    body = response.json()
    assert set(body) >= {
        "score", "credit_grade", "pd", "risk_tier", "customer_class", "size_class",
        "matched_conditions", "reasons", "knockouts", "recommended_limit", "strategy",
        "review_interval_days", "model_version", "as_of",
    }  # fmt: skip
    assert 0 <= body["score"] <= 1000
    assert body["model_version"] == "v1"
    assert body["as_of"] == "2025-06-30"
    assert isinstance(body["recommended_limit"], str)
    assert body["recommended_limit"].endswith(".00") or "." in body["recommended_limit"]
    effects = [abs(r["points"]) for r in body["reasons"]]
    assert effects == sorted(effects, reverse=True)
    assert all(set(r) == {"code", "factor", "points", "message"} for r in body["reasons"])


async def test_request_id_is_echoed(engine: httpx.AsyncClient) -> None:
    response = await engine.post("/v1/score", json=payload(), headers={"X-Request-ID": "abc-1"})
    assert response.headers["x-request-id"] == "abc-1"


@pytest.mark.parametrize(
    ("body", "loc"),
    [
        (payload(surprise=1), ["body", "surprise"]),
        (payload(as_of="2025-02-30"), ["body", "as_of"]),
        # A number is not a date, though pydantic alone would read it as a Unix timestamp.
        (payload(as_of=1750000000), ["body", "as_of"]),
        (payload(financials=[statement(revenue="-5")]), ["body", "financials", 0, "revenue"]),
        (payload(financials=[statement(revenue="1.234")]), ["body", "financials", 0, "revenue"]),
        (payload(customer={"industry_code": "C99"}), ["body", "customer", "industry_code"]),
        (payload(financials=[statement()] * 4), ["body", "financials"]),
        (
            payload(
                credit_events=[
                    {
                        "source": "tax",
                        "kind": "tax_credit_grade",
                        "occurred_on": "2025-01-01",
                        "grade": "E",
                    }
                ]
            ),
            ["body", "credit_events", 0],
        ),
    ],
)
async def test_bad_input_is_a_422_problem(
    engine: httpx.AsyncClient, body: dict[str, Any], loc: list[Any]
) -> None:
    response = await engine.post("/v1/score", json=body)
    assert response.status_code == 422
    assert response.headers["content-type"] == PROBLEM
    problem = response.json()
    assert problem["status"] == 422
    assert problem["type"].endswith("validation-error")
    assert loc in [e["loc"] for e in problem["errors"]]


async def test_money_given_as_a_number_keeps_every_digit(engine: httpx.AsyncClient) -> None:
    body = payload(guarantee_history={"outstanding_balance": 1234567.89})
    as_string = payload(guarantee_history={"outstanding_balance": "1234567.89"})
    first = (await engine.post("/v1/score", json=body)).json()
    second = (await engine.post("/v1/score", json=as_string)).json()
    assert first["recommended_limit"] == second["recommended_limit"]


async def test_unknown_model_version_is_404(engine: httpx.AsyncClient) -> None:
    scored = await engine.post("/v1/score", params={"model_version": "v9"}, json=payload())
    assert scored.status_code == 404
    assert (await engine.get("/v1/models/v9")).status_code == 404


async def test_models_lists_the_active_ruleset(engine: httpx.AsyncClient) -> None:
    body = (await engine.get("/v1/models")).json()
    assert body["active"] == "v1"
    assert [m["version"] for m in body["available"]] == ["v1"]


async def test_model_document_is_the_whole_ruleset(engine: httpx.AsyncClient) -> None:
    doc = (await engine.get("/v1/models/v1")).json()
    assert doc["version"] == "v1"
    factor_ids = {f["id"] for f in doc["scorecard"]["factors"]}
    assert {"debt_ratio", "current_ratio", "roa", "ocf_to_liabilities"} <= factor_ids
    assert [g["grade"] for g in doc["grades"]] == [
        "AAA", "AA", "A", "BBB", "BB", "B", "CCC", "CC", "C",
    ]  # fmt: skip
    assert {c["id"] for c in doc["classes"]["premium"]} == {
        "premium.a", "premium.b", "premium.c", "premium.d",
    }  # fmt: skip
    assert len(doc["size_table"]["rows"]) == 15


async def test_probes_and_docs_need_no_token(anon: httpx.AsyncClient) -> None:
    assert (await anon.get("/healthz")).json() == {"status": "ok"}
    assert (await anon.get("/readyz")).status_code == 200
    assert "http_requests_total" in (await anon.get("/metrics")).text
    spec = (await anon.get("/openapi.json")).json()
    assert {"/v1/score", "/v1/score/batch", "/v1/models"} <= set(spec["paths"])


async def test_batch_keeps_order_and_isolates_bad_items(engine: httpx.AsyncClient) -> None:
    good_a = payload()
    good_b = payload(customer={"employees": 5})
    bad = payload(as_of="not-a-date")
    response = await engine.post("/v1/score/batch", json={"requests": [good_a, bad, good_b]})
    assert response.status_code == 200
    results = response.json()["results"]
    assert len(results) == 3
    singles = [(await engine.post("/v1/score", json=b)).json() for b in (good_a, good_b)]
    assert results[0] == singles[0]
    assert results[2] == singles[1]
    error = results[1]["error"]
    assert error["status"] == 422
    assert ["body", "requests", 1, "as_of"] in [e["loc"] for e in error["errors"]]
    assert "score" not in results[1]


async def test_batch_item_that_is_not_an_object_gets_an_error_entry(
    engine: httpx.AsyncClient,
) -> None:
    response = await engine.post("/v1/score/batch", json={"requests": [42, payload()]})
    results = response.json()["results"]
    assert results[0]["error"]["status"] == 422
    assert results[1]["model_version"] == "v1"


async def test_empty_batch_is_empty_results(engine: httpx.AsyncClient) -> None:
    response = await engine.post("/v1/score/batch", json={"requests": []})
    assert response.json() == {"results": []}


@pytest.mark.parametrize(
    ("content", "loc"),
    [
        (b"{not json", ["body"]),
        (b"[]", ["body"]),
        (b'{"items": []}', ["body", "items"]),
        (b"{}", ["body", "requests"]),
        (b'{"requests": {}}', ["body", "requests"]),
        (json.dumps({"requests": [{}] * 10_001}).encode(), ["body", "requests"]),
    ],
)
async def test_malformed_batch_is_a_422_problem(
    engine: httpx.AsyncClient, content: bytes, loc: list[Any]
) -> None:
    response = await engine.post(
        "/v1/score/batch", content=content, headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 422
    assert response.headers["content-type"] == PROBLEM
    assert loc in [e["loc"] for e in response.json()["errors"]]


async def test_a_full_batch_is_accepted(engine: httpx.AsyncClient) -> None:
    body = {"requests": [payload()] * 10_000}
    response = await engine.post("/v1/score/batch", json=body, timeout=120)
    assert response.status_code == 200
    results = response.json()["results"]
    assert len(results) == 10_000
    assert results[0] == results[-1]


async def test_single_score_body_limit_still_applies(engine: httpx.AsyncClient) -> None:
    huge = payload(credit_events=[{"detail": "x" * 2000}] * 600)
    response = await engine.post("/v1/score", json=huge)
    assert response.status_code == 413


# 9007199254740993e-2 is 90071992547409.93; through a binary float it reads ...9.94.
@pytest.mark.parametrize(
    "number", ["1234567890123456.78", "99999999999.99", "0.1", "9007199254740993e-2"]
)
def test_json_numbers_become_exact_decimals(number: str) -> None:
    body = json.dumps(payload(guarantee_history={"outstanding_balance": "0"})).replace(
        '"outstanding_balance": "0"', f'"outstanding_balance": {number}'
    )
    parsed = parse_body(RatingRequest, body.encode())
    assert parsed.guarantee_history.outstanding_balance == Decimal(number)


async def test_invalid_json_is_a_422_problem(engine: httpx.AsyncClient) -> None:
    response = await engine.post(
        "/v1/score", content=b'{"as_of": ', headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["type"] == "json_invalid"


@pytest.mark.parametrize("path", ["/v1/score", "/v1/score/batch"])
async def test_json_nested_too_deep_to_parse_is_a_422(engine: httpx.AsyncClient, path: str) -> None:
    response = await engine.post(
        path, content=b"[" * 100_000, headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["type"] == "json_invalid"


async def test_an_overlong_model_version_is_a_422(engine: httpx.AsyncClient) -> None:
    response = await engine.post("/v1/score", params={"model_version": "v" * 65}, json=payload())
    assert response.status_code == 422
    assert response.json()["errors"][0]["loc"] == ["query", "model_version"]
