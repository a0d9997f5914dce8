"""Probes, metrics, request ids and problem+json for what no route handles."""

from __future__ import annotations

import httpx


async def test_health_ready_and_metrics_need_no_token(anon: httpx.AsyncClient) -> None:
    assert (await anon.get("/healthz")).json() == {"status": "ok"}
    ready = await anon.get("/readyz")
    assert ready.status_code == 200
    assert ready.json() == {"status": "ready", "checks": {"database": "ok"}}
    await anon.get("/v1/customers")
    metrics = await anon.get("/metrics")
    assert metrics.status_code == 200
    assert (
        'http_requests_total{method="GET",route="/v1/customers",service="customer-api",status="401"}'
        in metrics.text
    )
    assert (await anon.get("/openapi.json")).json()["info"]["title"] == "customer-api"


async def test_request_id_is_echoed_or_generated(anon: httpx.AsyncClient) -> None:
    echoed = await anon.get("/healthz", headers={"X-Request-ID": "trace-123"})
    assert echoed.headers["x-request-id"] == "trace-123"
    generated = await anon.get("/healthz", headers={"X-Request-ID": "bad id with spaces"})
    assert len(generated.headers["x-request-id"]) == 32
    assert generated.headers["x-request-id"] != "bad id with spaces"


async def test_unknown_route_and_method_are_problems(client: httpx.AsyncClient) -> None:
    missing = await client.get("/v1/nothing-here")
    assert missing.status_code == 404
    assert missing.headers["content-type"] == "application/problem+json"
    assert missing.json()["status"] == 404
    wrong_method = await client.put("/v1/customers")
    assert wrong_method.status_code == 405
    assert wrong_method.json()["title"] == "Method not allowed"


async def test_audit_entry_carries_the_request_id(client: httpx.AsyncClient, db: object) -> None:
    from tests.support.factories import customer_body

    response = await client.post(
        "/v1/customers", json=customer_body(), headers={"X-Request-ID": "onboarding-7"}
    )
    assert response.status_code == 201
    audit = await client.get("/v1/audit", params={"entity_id": response.json()["id"]})
    assert [e["request_id"] for e in audit.json()["items"]] == ["onboarding-7"]


async def test_nul_characters_are_422_not_500(client: httpx.AsyncClient) -> None:
    from tests.support.factories import customer_body

    body = await client.post("/v1/customers", json=customer_body(name="坏\x00名字"))
    assert body.status_code == 422
    assert body.json()["errors"][0]["loc"] == ["body", "name"]
    query = await client.get("/v1/customers", params={"q": "a\x00b"})
    assert query.status_code == 422
    assert query.json()["errors"][0]["loc"] == ["query", "q"]
    path = await client.get("/v1/customers/by-credit-code/ab%00cd")
    assert path.status_code == 422
