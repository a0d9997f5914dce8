"""customer-api's answers with customer data are never stored by a browser, proxy or CDN."""

from __future__ import annotations

import httpx

from tests.support.factories import customer_body


async def test_answers_with_customer_data_are_no_store_and_nosniff(
    client: httpx.AsyncClient, anon: httpx.AsyncClient
) -> None:
    created = await client.post("/v1/customers", json=customer_body())
    assert created.status_code == 201
    customer_id = created.json()["id"]
    answers = [
        created,
        await client.get(f"/v1/customers/{customer_id}"),
        await client.get("/v1/customers"),
        await client.get("/v1/audit"),
        await client.get("/v1/portfolio/indicators"),
        await client.get("/v1/reports/review", params={"format": "xlsx"}),
        await anon.get(f"/v1/customers/{customer_id}"),  # 401
    ]
    for response in answers:
        assert response.status_code in (200, 201, 401), response.text
        assert response.headers["cache-control"] == "no-store", response.url
        assert response.headers["x-content-type-options"] == "nosniff", response.url
        assert response.headers["referrer-policy"] == "no-referrer", response.url
        assert "frame-ancestors 'none'" in response.headers["content-security-policy"]
