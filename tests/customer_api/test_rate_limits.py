"""customer-api's budgets on its real routes and database: the partner banks' rating look-up
counts apart from the general reads, writes apart from reads."""

from __future__ import annotations

import asyncpg
import httpx
from asgi_lifespan import LifespanManager

from customer_api.app import create_app
from customer_api.settings import CustomerApiSettings
from rating_engine.app import create_app as create_engine_app
from rating_engine.settings import RatingEngineSettings
from tests.support.auth import bearer
from tests.support.factories import customer_body


async def test_the_partner_look_up_and_writes_have_budgets_apart_from_reads(
    customer_db_url: str, db: asyncpg.Connection
) -> None:
    settings = CustomerApiSettings(
        database_url=customer_db_url,
        environment="test",
        log_level="WARNING",
        rate_limit_enabled=True,
        rate_limit_read="3/minute",
        rate_limit_write="2/minute",
        rate_limit_partner="2/minute",
    )
    engine = create_engine_app(RatingEngineSettings(environment="test", log_level="WARNING"))
    app = create_app(settings, rating_transport=httpx.ASGITransport(app=engine))
    officer = bearer("customers:read", "customers:write", sub="officer@example.com")
    bank = bearer("ratings:read", "customers:read", sub="partner-bank-a")
    body = customer_body()
    async with (
        LifespanManager(app),
        httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://customer-api.test"
        ) as client,
    ):
        created = await client.post("/v1/customers", json=body, headers=officer)
        rated = await client.post(f"/v1/customers/{created.json()['id']}/rate", headers=officer)
        third_write = await client.post("/v1/customers", json=customer_body(), headers=officer)
        path = f"/v1/ratings/{body['credit_code']}"
        look_ups = [await client.get(path, headers=bank) for _ in range(3)]
        head = await client.head(path, headers=bank)
        # The bulk look-up spends the same partner budget (one hit per list), not the writes'.
        bulk = await client.post(
            "/v1/ratings/lookup", json={"credit_codes": [body["credit_code"]]}, headers=bank
        )
        bank_reads = [await client.get("/v1/customers", headers=bank) for _ in range(4)]
        officer_read = await client.get("/v1/customers", headers=officer)
    assert [created.status_code, rated.status_code, third_write.status_code] == [201, 201, 429]
    assert third_write.json()["route_class"] == "write"
    assert [r.status_code for r in look_ups] == [200, 200, 429]
    assert look_ups[0].json()["credit_grade"] == rated.json()["result"]["credit_grade"]
    assert look_ups[0].headers["ratelimit-policy"] == "2;w=60"
    assert look_ups[2].json()["route_class"] == "partner"
    assert head.status_code == 429  # HEAD is the look-up too
    assert bulk.status_code == 429
    assert bulk.json()["route_class"] == "partner"
    # The bank's general reads were untouched by its look-ups, then run out on their own.
    assert [r.status_code for r in bank_reads] == [200, 200, 200, 429]
    assert bank_reads[0].headers["ratelimit-policy"] == "3;w=60"
    # The officer's writes spent nothing of its reads.
    assert officer_read.status_code == 200
    assert officer_read.headers["ratelimit-remaining"] == "2"
    assert await db.fetchval("SELECT count(*) FROM customer.customers") == 1
