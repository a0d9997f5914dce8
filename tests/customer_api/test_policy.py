"""Policy at the door (DOMAIN §14): each rule fails just above its limit and passes at it.

The test settings give net assets of 100,000,000.00: 10 % is 10,000,000.00 and 15 % is
15,000,000.00.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import AsyncIterator
from datetime import timedelta
from decimal import Decimal
from typing import Any

import asyncpg
import httpx
import pytest
from asgi_lifespan import LifespanManager

from customer_api.app import create_app
from customer_api.settings import CustomerApiSettings
from guarantee_shared.clock import business_today, utc_now
from tests.customer_api.books import Book
from tests.customer_api.contract_steps import ACTIVATED_ON, new_contract, post_event
from tests.support.auth import ALL_SCOPES, bearer


async def _in_force(book: Book, customer: uuid.UUID, amount: str, product: str = "loan") -> None:
    await book.contract(
        customer, principal=amount, product=product,
        events=[("activate", amount, "2026-01-05")],
    )  # fmt: skip


async def rate(
    db: asyncpg.Connection,
    customer: uuid.UUID,
    *,
    limit: str | None = "50000000.00",
    seen: str | None = "0",
    knockouts: tuple[str, ...] = (),
    age_days: int = 0,
    interval: int = 90,
) -> None:
    """A rating in the history as the engine would have stored it."""
    result = {
        "knockouts": list(knockouts),
        "recommended_limit": limit,
        "review_interval_days": interval,
    }
    await db.execute(
        """INSERT INTO customer.ratings (id, customer_id, rated_at, as_of, request_hash,
               model_version, score, credit_grade, risk_tier, customer_class, size_class,
               result, actor, seen_liability)
           VALUES ($1, $2, $3, $4, 'h', 'v1', 600, 'BBB', 'medium', 'general', 'small', $5,
               'test', $6)""",
        uuid.uuid4(), customer, utc_now() - timedelta(days=age_days),
        business_today() - timedelta(days=age_days), json.dumps(result),
        None if seen is None else Decimal(seen),
    )  # fmt: skip


async def check(
    client: httpx.AsyncClient, customer: uuid.UUID, principal: str, **fields: Any
) -> dict[str, Any]:
    body = {"customer_id": str(customer), "principal": principal, "product": "loan", **fields}
    response = await client.post("/v1/policy/check", json=body)
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()
    return result


def rules(result: dict[str, Any]) -> set[str]:
    return {v["rule"] for v in result["violations"]}


async def test_single_customer_at_ten_percent(
    client: httpx.AsyncClient, db: asyncpg.Connection
) -> None:
    book = Book(db)
    customer = await book.customer("C1")
    await _in_force(book, customer, "6000000.00")
    at = await check(client, customer, "4000000.00")
    assert at["allowed"] is True
    assert at["violations"] == []
    assert at["exposure"]["customer_share"] == 0.1
    above = await check(client, customer, "4000000.01")
    assert above["allowed"] is False
    assert rules(above) == {"single_customer"}
    assert above["violations"][0]["limit"] == 0.1
    # A performance guarantee is not a financing guarantee: no concentration limit (§9).
    bond = await check(client, customer, "40000000.00", product="performance_bond")
    assert bond["allowed"] is True


async def test_related_group_at_fifteen_percent(
    client: httpx.AsyncClient, db: asyncpg.Connection
) -> None:
    book = Book(db)
    sister = await book.customer("G1", related_group="Alpha")
    customer = await book.customer("G2", related_group="Alpha")
    await book.customer("Other", related_group="Beta")
    await _in_force(book, sister, "9000000.00")
    assert (await check(client, customer, "6000000.00"))["allowed"] is True
    above = await check(client, customer, "6000000.01")
    assert rules(above) == {"related_group"}
    assert above["exposure"]["group_financing_liability"] == "15000000.01"


async def test_limit_is_the_ratings_gross_limit(
    client: httpx.AsyncClient, db: asyncpg.Connection
) -> None:
    """Gross limit = recommended 3,000,000 + the 1,000,000 the rating saw = 4,000,000."""
    book = Book(db)
    customer = await book.customer("L1")
    await _in_force(book, customer, "1000000.00")
    await rate(db, customer, limit="3000000.00", seen="1000000.00")
    at = await check(client, customer, "3000000.00")
    assert at["allowed"] is True
    assert at["warnings"] == []
    assert at["exposure"]["limit"] == "4000000.00"
    above = await check(client, customer, "3000000.01")
    assert rules(above) == {"limit"}
    assert above["violations"][0]["value"] == "4000000.01"
    # The guarantee ratio scales the new liability: half of 6,000,000 fits.
    assert (await check(client, customer, "6000000.00", guarantee_ratio="0.5"))["allowed"]


async def test_knockout_blocks(client: httpx.AsyncClient, db: asyncpg.Connection) -> None:
    book = Book(db)
    clean = await book.customer("K0")
    await rate(db, clean)
    knocked = await book.customer("K1")
    await rate(db, knocked, knockouts=("dishonest_executee",))
    assert (await check(client, clean, "1000.00"))["allowed"] is True
    result = await check(client, knocked, "1000.00")
    assert rules(result) == {"knockout"}
    assert result["violations"][0]["value"] == ["dishonest_executee"]


async def test_related_party_blocks(client: httpx.AsyncClient, db: asyncpg.Connection) -> None:
    body = {"name": "控股股东", "credit_code": "91320621MA1MRHG205", "related_party": True}
    response = await client.post("/v1/customers", json=body)
    assert response.status_code == 201, response.text
    assert response.json()["related_party"] is True
    result = await check(client, uuid.UUID(response.json()["id"]), "1.00", product="bid_bond")
    assert rules(result) == {"related_party"}
    other = await Book(db).customer("Plain")
    assert (await check(client, other, "1.00"))["allowed"] is True


async def test_unrated_or_stale_is_a_warning(
    client: httpx.AsyncClient, db: asyncpg.Connection
) -> None:
    book = Book(db)
    unrated = await book.customer("U")
    result = await check(client, unrated, "1000.00")
    assert result["allowed"] is True
    assert [w["rule"] for w in result["warnings"]] == ["rating"]
    on_time = await book.customer("On time")
    await rate(db, on_time, age_days=90, interval=90)
    assert (await check(client, on_time, "1000.00"))["warnings"] == []
    stale = await book.customer("Stale")
    await rate(db, stale, age_days=91, interval=90)
    warned = await check(client, stale, "1000.00")
    assert warned["allowed"] is True
    assert [(w["rule"], w["limit"], w["value"]) for w in warned["warnings"]] == [("rating", 90, 91)]


async def test_check_writes_nothing_and_404s(
    client: httpx.AsyncClient, db: asyncpg.Connection
) -> None:
    customer = await Book(db).customer("N")
    await check(client, customer, "1000.00")
    assert await db.fetchval("SELECT count(*) FROM customer.audit_log") == 0
    body = {"customer_id": str(uuid.uuid4()), "principal": "1.00", "product": "loan"}
    assert (await client.post("/v1/policy/check", json=body)).status_code == 404
    body = {"customer_id": str(customer), "principal": "0", "product": "loan"}
    assert (await client.post("/v1/policy/check", json=body)).status_code == 422


@pytest.fixture
async def strict_client(
    settings: CustomerApiSettings, db: asyncpg.Connection
) -> AsyncIterator[httpx.AsyncClient]:
    """Ratings required, and 99,000,000 of the 100,000,000 net assets invested in other
    guarantors: leverage 10x is reached at 10,000,000 of weighted liability."""
    strict = settings.model_copy(
        update={
            "policy_require_rating": True,
            "guarantor_guarantee_investments": Decimal("99000000.00"),
        }
    )
    application = create_app(strict)
    async with (
        LifespanManager(application),
        httpx.AsyncClient(
            transport=httpx.ASGITransport(app=application),
            base_url="http://test",
            headers=bearer(*ALL_SCOPES),
        ) as client,
    ):
        yield client


async def test_leverage_cap_and_required_rating(
    strict_client: httpx.AsyncClient, db: asyncpg.Connection
) -> None:
    book = Book(db)
    first = await book.customer("Big 1", size_class="large")
    second = await book.customer("Big 2", size_class="large")
    await _in_force(book, first, "5000000.00")
    at = await check(strict_client, second, "5000000.00")
    assert rules(at) == {"rating"}  # unrated is a violation here
    await rate(db, second)
    at = await check(strict_client, second, "5000000.00")
    assert at["allowed"] is True
    assert at["exposure"]["leverage"] == 10.0
    above = await check(strict_client, second, "5000000.01")
    assert rules(above) == {"leverage"}
    assert above["violations"][0]["limit"] == 10


async def test_activate_runs_the_policy(client: httpx.AsyncClient, db: asyncpg.Connection) -> None:
    customer = await Book(db).customer("A")
    blocked = await new_contract(client, str(customer), principal="10000000.01")
    response = await post_event(client, blocked["id"], "activate", "10000000.01", ACTIVATED_ON)
    assert response.status_code == 409, response.text
    problem = response.json()
    assert problem["type"].endswith("/policy-violation")
    assert [v["rule"] for v in problem["violations"]] == ["single_customer"]
    stored = await client.get(f"/v1/contracts/{blocked['id']}")
    assert stored.json()["status"] == "pending"
    assert stored.json()["version"] == blocked["version"]
    # The amount drawn is what is judged: the same contract fits when 10,000,000.00 is drawn.
    response = await post_event(client, blocked["id"], "activate", "10000000.00", ACTIVATED_ON)
    assert response.status_code == 201, response.text


async def test_parallel_activations_never_exceed_the_limit(
    client: httpx.AsyncClient, db: asyncpg.Connection
) -> None:
    """20 activations of 1,000,000 for one customer at once: exactly 10 fit under 10 %."""
    customer = await Book(db).customer("Race")
    contracts = [
        await new_contract(client, str(customer), principal="1000000.00") for _ in range(20)
    ]
    responses = await asyncio.gather(
        *(post_event(client, c["id"], "activate", "1000000.00", ACTIVATED_ON) for c in contracts)
    )
    statuses = sorted(r.status_code for r in responses)
    assert statuses == [201] * 10 + [409] * 10, [r.text for r in responses if r.status_code >= 500]
    total = await db.fetchval(
        "SELECT sum(outstanding_balance) FROM customer.contracts WHERE customer_id = $1", customer
    )
    assert total == Decimal("10000000.00")
