"""Dates are YYYY-MM-DD, in a query as in a body: pydantic alone reads a number, or a string of
digits, as a Unix timestamp, so `as_of=2024` was 1970-01-01 (found by the fuzzer)."""

from __future__ import annotations

import asyncpg
import httpx
import pytest

from tests.support.factories import customer_body


@pytest.mark.parametrize("value", ["0", "1750000000", "20250601", "2025-6-1", "2025-06-01T00:00"])
async def test_a_date_in_a_query_is_written_yyyy_mm_dd(
    client: httpx.AsyncClient, value: str
) -> None:
    response = await client.get("/v1/portfolio/indicators", params={"as_of": value})
    assert response.status_code == 422, response.text
    assert response.json()["errors"][0]["loc"] == ["query", "as_of"]
    assert (await client.get("/v1/portfolio/indicators", params={"as_of": "2025-06-01"})).is_success


@pytest.mark.parametrize("value", [86400, 86400.5, "86400"])
async def test_a_date_in_a_body_is_a_string_yyyy_mm_dd(
    client: httpx.AsyncClient, db: asyncpg.Connection, value: object
) -> None:
    customer = (await client.post("/v1/customers", json=customer_body())).json()
    event = {"source": "court", "kind": "litigation", "occurred_on": value}
    response = await client.post(f"/v1/customers/{customer['id']}/credit-events", json=event)
    assert response.status_code == 422, response.text
    assert response.json()["errors"][0]["loc"] == ["body", "occurred_on"]
    assert await db.fetchval("SELECT count(*) FROM customer.credit_events") == 0
