"""Personal identifiers are shown only to callers with pii:read: in reads, lists, the audit log,
and in replays of an idempotent create, whoever sent the first request."""

from __future__ import annotations

import asyncpg
import httpx
import pytest

from customer_api.customers.pii import PII_FIELDS
from tests.support.auth import bearer
from tests.support.factories import customer_body

ID_NUMBER = "11010519491231002X"
MASKED = "110***********002X"
WRITE = ("customers:write", "customers:read")


def _shown(body: dict[str, object]) -> dict[str, object]:
    return {field: body[field] for field in PII_FIELDS}


@pytest.mark.parametrize(
    ("first", "then"),
    [((*WRITE, "pii:read"), WRITE), (WRITE, (*WRITE, "pii:read"))],
    ids=["first sees, replay does not", "first does not, replay does"],
)
async def test_a_replay_shows_what_the_replaying_caller_may_see(
    anon: httpx.AsyncClient,
    db: asyncpg.Connection,
    first: tuple[str, ...],
    then: tuple[str, ...],
) -> None:
    body = customer_body(legal_representative_id_number=ID_NUMBER)
    key = {"Idempotency-Key": "pii-replay-1"}
    created = await anon.post("/v1/customers", json=body, headers={**bearer(*first), **key})
    replayed = await anon.post("/v1/customers", json=body, headers={**bearer(*then), **key})
    assert created.status_code == replayed.status_code == 201
    assert replayed.headers["Idempotent-Replayed"] == "true"
    assert replayed.json()["id"] == created.json()["id"]
    for response, scopes in ((created, first), (replayed, then)):
        expected = ID_NUMBER if "pii:read" in scopes else MASKED
        assert _shown(response.json()) == {"legal_representative_id_number": expected}
    assert await db.fetchval("SELECT count(*) FROM customer.customers") == 1


async def test_reads_lists_and_the_audit_log_mask_without_pii_read(
    client: httpx.AsyncClient, anon: httpx.AsyncClient
) -> None:
    created = await client.post(
        "/v1/customers", json=customer_body(legal_representative_id_number=ID_NUMBER)
    )
    customer_id = created.json()["id"]
    reader, full = bearer("customers:read"), bearer("customers:read", "pii:read")
    one = await anon.get(f"/v1/customers/{customer_id}", headers=reader)
    listed = (await anon.get("/v1/customers", headers=reader)).json()["items"][0]
    audit = (await anon.get("/v1/audit", headers=reader)).json()["items"][0]["after"]
    assert (
        _shown(one.json())
        == _shown(listed)
        == _shown(audit)
        == {"legal_representative_id_number": MASKED}
    )
    unmasked = await anon.get(f"/v1/customers/{customer_id}", headers=full)
    assert _shown(unmasked.json()) == {"legal_representative_id_number": ID_NUMBER}
