"""GET /v1/ratings/training-set: the stored rating requests with their outcomes, JSON Lines."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime
from typing import Any

import asyncpg
import httpx
from fastapi import FastAPI

from customer_api.ratings.service import request_hash
from guarantee_shared.clock import add_months, business_today
from guarantee_shared.db.engine import create_engine, create_sessionmaker
from guarantee_shared.schemas.rating import RatingRequest
from tests.customer_api.backtest_steps import compensated, rate
from tests.customer_api.books import Book
from tests.customer_api.contract_steps import new_customer
from tests.support.auth import bearer
from tests.support.processes import free_port

PATH = "/v1/ratings/training-set"


async def rated(
    client: httpx.AsyncClient, db: asyncpg.Connection, employees: int, on: str
) -> tuple[uuid.UUID, str]:
    """A customer rated through the API, the rating then dated ``on`` (noon in China); its
    id and its rating's request hash."""
    customer_id = await new_customer(client, employees=employees)
    response = await client.post(f"/v1/customers/{customer_id}/rate")
    assert response.status_code == 201, response.text
    rating = response.json()
    moment = datetime.fromisoformat(f"{on}T04:00:00").replace(tzinfo=UTC)
    await db.execute(
        "UPDATE customer.ratings SET rated_at = $1 WHERE id = $2", moment, uuid.UUID(rating["id"])
    )
    return uuid.UUID(customer_id), rating["request_hash"]


async def lines(client: httpx.AsyncClient, **params: Any) -> list[dict[str, Any]]:
    response = await client.get(PATH, params=params)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/jsonl"
    assert response.text == "" or response.text.endswith("\n")
    return [json.loads(line) for line in response.text.splitlines()]


async def test_streams_the_stored_requests_with_their_outcomes(
    client: httpx.AsyncClient, db: asyncpg.Connection
) -> None:
    book = Book(db)
    # Distinct employee counts make distinct requests, so a line's hash names its rating.
    quiet, quiet_hash = await rated(client, db, 101, "2025-03-01")
    late, late_hash = await rated(client, db, 102, "2025-03-01")
    same_day, same_day_hash = await rated(client, db, 103, "2025-03-01")
    last_day, last_day_hash = await rated(client, db, 104, "2025-03-31")
    _, outside_hash = await rated(client, db, 105, "2025-04-01")
    # Within the horizon: a default on the last day of the twelve months.
    await book.credit_event(last_day, kind="default", occurred_on="2026-03-31")
    # Outside it: the day after the twelve months, and the day of the rating itself.
    await book.credit_event(late, kind="default", occurred_on="2026-03-02")
    await book.credit_event(same_day, kind="default", occurred_on="2025-03-01")
    # A compensation within the horizon (despite its name, quiet defaults).
    await compensated(book, quiet, "2025-09-15")
    # A rating stored before requests were kept has only its hash: not in the set.
    await rate(db, quiet, rated_at="2025-03-10T04:00:00", grade="BB", pd=0.02, score=600)

    got = await lines(client, **{"from": "2025-03-01", "to": "2025-03-31"})

    outcomes = {request_hash(RatingRequest.model_validate(g["request"])): g["outcome"] for g in got}
    assert len(got) == 4
    assert outcomes == {quiet_hash: 1, late_hash: 0, same_day_hash: 0, last_day_hash: 1}
    assert outside_hash not in outcomes
    # Each line's request is the stored one, as it was stored.
    stored = [
        json.loads(row["request"])
        for row in await db.fetch("SELECT request FROM customer.ratings WHERE request IS NOT NULL")
    ]
    assert all(g["request"] in stored for g in got)
    # Oldest first: the rating of 31 March is the last line.
    assert request_hash(RatingRequest.model_validate(got[-1]["request"])) == last_day_hash
    # A six-month horizon ends before the compensation of 15 September: quiet is 0 then.
    short = await lines(client, **{"from": "2025-03-01", "to": "2025-03-01", "horizon_months": 6})
    assert [g["outcome"] for g in short] == [0, 0, 0]  # quiet, late, same_day


async def test_an_empty_range_is_an_empty_body(client: httpx.AsyncClient) -> None:
    assert await lines(client, **{"from": "2020-01-01", "to": "2020-12-31"}) == []


async def test_the_outcome_window_must_have_closed(client: httpx.AsyncClient) -> None:
    today = business_today()
    too_recent = add_months(today, -12).replace(day=1)
    ok = await client.get(PATH, params={"from": "2020-01-01", "to": str(add_months(today, -12))})
    assert ok.status_code == 200
    cases: list[dict[str, str | int]] = [
        {"from": "2020-01-02", "to": "2020-01-01"},
        {"from": "2020-01-01", "to": str(add_months(today, -11))},
        {"from": "2020-01-01", "to": "9999-12-31"},
        {"from": "2020-01-01", "to": str(too_recent), "horizon_months": 13},
        {"to": "2020-01-01"},
        {"from": "2020-01-01", "to": "2020-01-01", "horizon_months": 0},
    ]
    for params in cases:
        response = await client.get(PATH, params=params)
        assert response.status_code == 422, params
        assert response.headers["content-type"] == "application/problem+json"


async def test_needs_portfolio_read(anon: httpx.AsyncClient) -> None:
    params = {"from": "2020-01-01", "to": "2020-12-31"}
    response = await anon.get(PATH, params=params, headers=bearer("customers:read"))
    assert response.status_code == 403
    response = await anon.get(PATH, params=params, headers=bearer("portfolio:read"))
    assert response.status_code == 200


async def test_a_database_out_of_reach_is_a_503_before_any_line(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    working = app.state.sessionmaker
    unreachable = create_engine(
        f"postgresql://postgres@127.0.0.1:{free_port()}/nowhere", application_name="test"
    )
    app.state.sessionmaker = create_sessionmaker(unreachable)
    try:
        response = await client.get(
            "/v1/ratings/training-set", params={"from": "2024-01-01", "to": "2024-06-30"}
        )
    finally:
        app.state.sessionmaker = working
        await unreachable.dispose()
    assert response.status_code == 503, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert "retry-after" in response.headers
