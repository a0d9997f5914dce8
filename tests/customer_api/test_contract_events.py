"""Contract events: the state machine (every status x every event), bounds, effects on the
balances, date order, idempotent replay, row locking under 50 parallel repayments, audit."""

from __future__ import annotations

import asyncio
import uuid
from decimal import Decimal
from typing import Any

import asyncpg
import httpx
import pytest

from tests.customer_api.contract_steps import (
    LATER,
    PRINCIPAL,
    contract_in,
    event,
    new_contract,
    post_event,
)
from tests.support.auth import bearer

STATUSES = ("pending", "active", "overdue", "compensated", "repaid", "closed", "written_off")
EVENT_TYPES = (
    "activate",
    "repayment",
    "overdue",
    "cure",
    "compensation",
    "recovery",
    "write_off",
    "close",
)
AMOUNT_TYPES = {"activate", "repayment", "overdue", "compensation", "recovery", "write_off"}

# docs/CONTRACT.md's event table: (from status, event) -> status after, for a 1.00 amount. A
# compensated contract reached by the standard path still has 500,000 of compensation
# outstanding, so close is refused there (tested separately once nothing is outstanding).
ALLOWED = {
    ("pending", "activate"): "active",
    ("active", "repayment"): "active",
    ("active", "overdue"): "overdue",
    ("active", "compensation"): "compensated",
    ("overdue", "repayment"): "overdue",
    ("overdue", "overdue"): "overdue",
    ("overdue", "cure"): "active",
    ("overdue", "compensation"): "compensated",
    ("compensated", "recovery"): "compensated",
    ("compensated", "write_off"): "compensated",
    ("repaid", "close"): "closed",
}


async def _stored(client: httpx.AsyncClient, db: asyncpg.Connection, contract_id: str) -> Any:
    """Everything an event could change: the contract as served, its ledger and audit trail."""
    contract = await client.get(f"/v1/contracts/{contract_id}")
    ledger = await db.fetch(
        "select seq, type, amount from customer.contract_events "
        "where contract_id = $1 order by seq",
        uuid.UUID(contract_id),
    )
    audit = await db.fetchval("select count(*) from customer.audit_log")
    return contract.json(), contract.headers["etag"], [tuple(r) for r in ledger], audit


@pytest.mark.parametrize("event_type", EVENT_TYPES)
@pytest.mark.parametrize("status", STATUSES)
async def test_state_machine(
    client: httpx.AsyncClient, db: asyncpg.Connection, status: str, event_type: str
) -> None:
    contract = await contract_in(client, status)
    before = await _stored(client, db, contract["id"])
    amount = "1.00" if event_type in AMOUNT_TYPES else None
    response = await post_event(client, contract["id"], event_type, amount)
    if (status, event_type) in ALLOWED:
        assert response.status_code == 201, response.text
        assert response.json()["contract"]["status"] == ALLOWED[(status, event_type)]
        assert response.json()["event"]["status_after"] == ALLOWED[(status, event_type)]
        return
    assert response.status_code == 409, response.text
    problem = response.json()
    assert problem["contract_status"] == status
    assert status in problem["detail"]
    assert await _stored(client, db, contract["id"]) == before


async def test_compensated_closes_only_when_nothing_is_outstanding(
    client: httpx.AsyncClient, db: asyncpg.Connection
) -> None:
    contract = await contract_in(client, "compensated")
    before = await _stored(client, db, contract["id"])
    refused = await post_event(client, contract["id"], "close")
    assert refused.status_code == 409
    assert refused.json()["compensation_balance"] == "500000.00"
    assert await _stored(client, db, contract["id"]) == before
    recovered = await event(client, contract["id"], "recovery", "500000.00")
    # Fully recovered without a write-off: still compensated until someone closes it.
    assert recovered["status"] == "compensated"
    assert recovered["compensation_balance"] == "0.00"
    assert recovered["recovered_amount"] == "500000.00"
    closed = await event(client, contract["id"], "close")
    assert closed["status"] == "closed"


async def _refused(
    client: httpx.AsyncClient,
    db: asyncpg.Connection,
    contract_id: str,
    type_: str,
    amount: str,
    bound: str,
) -> None:
    before = await _stored(client, db, contract_id)
    response = await post_event(client, contract_id, type_, amount)
    assert response.status_code == 409, response.text
    assert response.json()["bound"] == bound
    assert bound in response.json()["detail"]
    assert await _stored(client, db, contract_id) == before


async def test_activate_and_repayment_and_overdue_are_bounded(
    client: httpx.AsyncClient, db: asyncpg.Connection
) -> None:
    pending = await contract_in(client, "pending")
    await _refused(client, db, pending["id"], "activate", "1000000.01", PRINCIPAL)
    active = await contract_in(client, "active")
    await _refused(client, db, active["id"], "repayment", "1000000.01", PRINCIPAL)
    await _refused(client, db, active["id"], "overdue", "1000000.01", PRINCIPAL)
    partly = await event(client, active["id"], "repayment", "400000.00")
    assert partly["outstanding_balance"] == "600000.00"
    await _refused(client, db, active["id"], "repayment", "600000.01", "600000.00")


async def test_compensation_is_bounded_by_balance_times_ratio(
    client: httpx.AsyncClient, db: asyncpg.Connection
) -> None:
    contract = await new_contract(client, principal=PRINCIPAL, guarantee_ratio=0.8)
    await event(client, contract["id"], "activate", PRINCIPAL, "2026-01-15")
    await event(client, contract["id"], "repayment", "1000.01", "2026-02-01")
    # 998,999.99 x 0.8 = 799,199.992: the largest amount that passes is 799,199.99.
    await _refused(client, db, contract["id"], "compensation", "799200.00", "799199.99")
    compensated = await event(client, contract["id"], "compensation", "799199.99")
    assert compensated["status"] == "compensated"
    assert compensated["compensated_amount"] == "799199.99"
    assert compensated["outstanding_balance"] == "0.00"
    assert compensated["released_on"] == LATER


async def test_recovery_and_write_off_are_bounded_by_outstanding_compensation(
    client: httpx.AsyncClient, db: asyncpg.Connection
) -> None:
    contract = await contract_in(client, "compensated")
    await _refused(client, db, contract["id"], "recovery", "500000.01", "500000.00")
    after_recovery = await event(client, contract["id"], "recovery", "300000.00")
    assert after_recovery["compensation_balance"] == "200000.00"
    await _refused(client, db, contract["id"], "recovery", "200000.01", "200000.00")
    await _refused(client, db, contract["id"], "write_off", "200000.01", "200000.00")
    partial = await event(client, contract["id"], "write_off", "50000.00")
    assert partial["status"] == "compensated"
    assert partial["loss_amount"] == "50000.00"
    final = await event(client, contract["id"], "write_off", "150000.00")
    assert final["status"] == "written_off"
    assert (final["recovered_amount"], final["loss_amount"]) == ("300000.00", "200000.00")
    assert final["compensation_balance"] == "0.00"


async def test_effects_of_a_contract_life(client: httpx.AsyncClient) -> None:
    contract = await new_contract(client, principal=PRINCIPAL)
    cid = contract["id"]
    active = await event(client, cid, "activate", "800000.00", "2026-01-15")
    assert (active["outstanding_balance"], active["activated_on"]) == ("800000.00", "2026-01-15")
    late = await event(client, cid, "overdue", "50000.00", "2026-03-01")
    assert (late["status"], late["overdue_amount"], late["overdue_since"]) == (
        "overdue",
        "50000.00",
        "2026-03-01",
    )
    later = await event(client, cid, "overdue", "90000.00", "2026-04-01")
    assert (later["overdue_amount"], later["overdue_since"]) == ("90000.00", "2026-03-01")
    # Repayments pay the arrears first, never below zero; the status waits for a cure.
    paid = await event(client, cid, "repayment", "60000.00", "2026-04-10")
    assert (paid["outstanding_balance"], paid["overdue_amount"]) == ("740000.00", "30000.00")
    paid = await event(client, cid, "repayment", "40000.00", "2026-04-11")
    assert (paid["status"], paid["outstanding_balance"], paid["overdue_amount"]) == (
        "overdue",
        "700000.00",
        "0.00",
    )
    cured = await event(client, cid, "cure", None, "2026-04-12")
    assert (cured["status"], cured["overdue_amount"], cured["overdue_since"]) == (
        "active",
        "0.00",
        None,
    )
    again = await event(client, cid, "overdue", "10000.00", "2026-05-01")
    assert again["overdue_since"] == "2026-05-01"
    repaid = await event(client, cid, "repayment", "700000.00", "2026-05-20")
    assert (repaid["status"], repaid["outstanding_balance"], repaid["overdue_amount"]) == (
        "repaid",
        "0.00",
        "0.00",
    )
    assert (repaid["released_on"], repaid["overdue_since"]) == ("2026-05-20", None)
    assert repaid["version"] == 9
    closed = await event(client, cid, "close", None, "2026-05-20")
    assert (closed["status"], closed["released_on"]) == ("closed", "2026-05-20")


async def test_event_response_carries_event_contract_etag_and_location(
    client: httpx.AsyncClient,
) -> None:
    contract = await contract_in(client, "active")
    response = await client.post(
        f"/v1/contracts/{contract['id']}/events",
        json={"type": "repayment", "amount": 1234.5, "occurred_on": LATER, "note": "March"},
    )
    assert response.status_code == 201
    assert response.headers["location"] == f"/v1/contracts/{contract['id']}/events"
    assert response.headers["etag"] == '"3"'
    body = response.json()
    assert body["event"] == {
        "contract_id": contract["id"],
        "seq": 2,
        "type": "repayment",
        "amount": "1234.50",
        "occurred_on": LATER,
        "note": "March",
        "status_after": "active",
        "balance_after": "998765.50",
        "actor": "tester@example.com",
        "created_at": body["event"]["created_at"],
    }
    assert body["contract"]["version"] == 3
    assert body["contract"]["outstanding_balance"] == "998765.50"
    fetched = await client.get(f"/v1/contracts/{contract['id']}")
    assert fetched.json() == body["contract"]
    assert fetched.headers["etag"] == '"3"'


async def test_events_must_not_go_back_in_time(
    client: httpx.AsyncClient, db: asyncpg.Connection
) -> None:
    pending = await contract_in(client, "pending")
    before = await _stored(client, db, pending["id"])
    early = await post_event(client, pending["id"], "activate", "100.00", "2026-01-09")
    assert early.status_code == 409
    assert (early.json()["field"], early.json()["earliest"]) == ("occurred_on", "2026-01-10")
    assert await _stored(client, db, pending["id"]) == before
    active = await contract_in(client, "overdue")  # last event 2026-03-01
    before = await _stored(client, db, active["id"])
    back = await post_event(client, active["id"], "repayment", "100.00", "2026-02-28")
    assert back.status_code == 409
    assert (back.json()["field"], back.json()["earliest"]) == ("occurred_on", "2026-03-01")
    assert await _stored(client, db, active["id"]) == before
    same_day = await post_event(client, active["id"], "repayment", "100.00", "2026-03-01")
    assert same_day.status_code == 201


@pytest.mark.parametrize(
    ("body", "loc"),
    [
        ({"type": "repayment", "occurred_on": LATER}, ["body", "amount"]),
        ({"type": "repayment", "amount": "0", "occurred_on": LATER}, ["body", "amount"]),
        ({"type": "repayment", "amount": "-5.00", "occurred_on": LATER}, ["body", "amount"]),
        ({"type": "repayment", "amount": "5.001", "occurred_on": LATER}, ["body", "amount"]),
        ({"type": "repayment", "amount": "lots", "occurred_on": LATER}, ["body", "amount"]),
        ({"type": "cure", "amount": "5.00", "occurred_on": LATER}, ["body", "amount"]),
        ({"type": "close", "amount": "5.00", "occurred_on": LATER}, ["body", "amount"]),
        ({"type": "refund", "amount": "5.00", "occurred_on": LATER}, ["body", "type"]),
        ({"type": "repayment", "amount": "5.00"}, ["body", "occurred_on"]),
        (
            {"type": "repayment", "amount": "5", "occurred_on": "2026-13-01"},
            ["body", "occurred_on"],
        ),
        ({"type": "repayment", "amount": "5", "occurred_on": LATER, "by": "x"}, ["body", "by"]),
        ({"type": "cure", "occurred_on": LATER, "note": "\x00"}, ["body", "note"]),
    ],
)
async def test_malformed_events_are_422_and_change_nothing(
    client: httpx.AsyncClient, db: asyncpg.Connection, body: dict[str, Any], loc: list[str]
) -> None:
    contract = await contract_in(client, "overdue")
    before = await _stored(client, db, contract["id"])
    response = await client.post(f"/v1/contracts/{contract['id']}/events", json=body)
    assert response.status_code == 422, response.text
    assert response.json()["errors"][0]["loc"] == loc
    assert await _stored(client, db, contract["id"]) == before


async def test_events_on_unknown_contract_are_404(client: httpx.AsyncClient) -> None:
    url = f"/v1/contracts/{uuid.uuid4()}/events"
    posted = await client.post(url, json={"type": "cure", "occurred_on": LATER})
    assert posted.status_code == 404
    assert (await client.get(url)).status_code == 404


async def test_event_scopes(client: httpx.AsyncClient, anon: httpx.AsyncClient) -> None:
    contract = await contract_in(client, "active")
    url = f"/v1/contracts/{contract['id']}/events"
    body = {"type": "repayment", "amount": "1.00", "occurred_on": LATER}
    assert (await anon.post(url, json=body)).status_code == 401
    assert (await anon.post(url, json=body, headers=bearer("contracts:read"))).status_code == 403
    assert (await anon.get(url, headers=bearer("customers:read"))).status_code == 403
    assert (await anon.get(url, headers=bearer("contracts:read"))).status_code == 200
    assert (await anon.post(url, json=body, headers=bearer("contracts:write"))).status_code == 201


async def test_if_match_is_optional_and_checked_when_sent(
    client: httpx.AsyncClient, db: asyncpg.Connection
) -> None:
    contract = await contract_in(client, "active")  # version 2
    before = await _stored(client, db, contract["id"])
    for stale in ('"1"', "garbage"):
        response = await post_event(
            client, contract["id"], "repayment", "1.00", **{"If-Match": stale}
        )
        assert response.status_code == 412, stale
    assert await _stored(client, db, contract["id"]) == before
    fresh = await post_event(client, contract["id"], "repayment", "1.00", **{"If-Match": '"2"'})
    assert fresh.status_code == 201
    assert fresh.headers["etag"] == '"3"'


async def test_replayed_repayment_is_applied_once(
    client: httpx.AsyncClient, db: asyncpg.Connection
) -> None:
    contract = await contract_in(client, "active")
    key = {"Idempotency-Key": "repay-2026-06"}
    first = await post_event(client, contract["id"], "repayment", "250000.00", **key)
    retry = await post_event(client, contract["id"], "repayment", "250000.00", **key)
    assert first.status_code == retry.status_code == 201
    assert retry.json() == first.json()
    assert retry.headers["etag"] == first.headers["etag"] == '"3"'
    assert retry.headers["idempotent-replayed"] == "true"
    stored = await client.get(f"/v1/contracts/{contract['id']}")
    assert stored.json()["outstanding_balance"] == "750000.00"
    repayments = await db.fetchval(
        "select count(*) from customer.contract_events where type = 'repayment'"
    )
    assert repayments == 1
    changed = await post_event(client, contract["id"], "repayment", "1.00", **key)
    assert changed.status_code == 422
    # The same key and body for another contract is another request, not a replay.
    other = await contract_in(client, "active")
    elsewhere = await post_event(client, other["id"], "repayment", "250000.00", **key)
    assert elsewhere.status_code == 422


async def test_parallel_retries_with_one_key_apply_once(
    client: httpx.AsyncClient, db: asyncpg.Connection
) -> None:
    contract = await contract_in(client, "active")
    responses = await asyncio.gather(
        *(
            post_event(client, contract["id"], "repayment", "1000.00", **{"Idempotency-Key": "k"})
            for _ in range(10)
        )
    )
    assert {r.status_code for r in responses} <= {201, 409}
    assert any(r.status_code == 201 for r in responses)
    balance = await db.fetchval("select outstanding_balance from customer.contracts")
    assert balance == Decimal("999000.00")


async def test_fifty_parallel_repayments_never_overdraw(
    client: httpx.AsyncClient, db: asyncpg.Connection
) -> None:
    """Without the row lock, concurrent events read the same balance and overwrite each other."""
    contract = await contract_in(client, "active")  # balance 1,000,000
    responses = await asyncio.gather(
        *(post_event(client, contract["id"], "repayment", "30000.00") for _ in range(50))
    )
    statuses = [r.status_code for r in responses]
    assert sorted(set(statuses)) == [201, 409], statuses
    accepted = statuses.count(201)
    assert accepted == 33  # 33 x 30,000 = 990,000 fits; a 34th would overdraw
    row = await db.fetchrow("select outstanding_balance, version from customer.contracts")
    assert row["outstanding_balance"] == Decimal("10000.00")
    assert row["version"] == 2 + accepted
    ledger = await db.fetch(
        "select seq, amount, balance_after from customer.contract_events "
        "where type = 'repayment' order by seq"
    )
    assert sum(r["amount"] for r in ledger) == Decimal(PRINCIPAL) - row["outstanding_balance"]
    assert [r["seq"] for r in ledger] == list(range(2, 2 + accepted))
    assert [r["balance_after"] for r in ledger] == [
        Decimal(PRINCIPAL) - 30000 * (i + 1) for i in range(accepted)
    ]


async def test_every_event_is_audited_with_before_and_after(
    client: httpx.AsyncClient, db: asyncpg.Connection
) -> None:
    contract = await contract_in(client, "active")
    await event(client, contract["id"], "repayment", "100.00")
    rows = await db.fetch(
        "select action, actor, before->>'outstanding_balance' b, after->>'outstanding_balance' a, "
        "after->>'version' v from customer.audit_log "
        "where entity_type = 'contract' and entity_id = $1 order by id",
        uuid.UUID(contract["id"]),
    )
    assert [tuple(r) for r in rows] == [
        ("create", "tester@example.com", None, "0.00", "1"),
        ("event.activate", "tester@example.com", "0.00", "1000000.00", "2"),
        ("event.repayment", "tester@example.com", "1000000.00", "999900.00", "3"),
    ]
    served = await client.get("/v1/audit", params={"entity_id": contract["id"]})
    assert next(e["action"] for e in served.json()["items"]) == "event.repayment"


async def test_ledger_is_oldest_first_and_paginated(client: httpx.AsyncClient) -> None:
    contract = await contract_in(client, "closed")  # activate, repayment, close
    url = f"/v1/contracts/{contract['id']}/events"
    first = (await client.get(url, params={"limit": "2"})).json()
    assert [(e["seq"], e["type"]) for e in first["items"]] == [(1, "activate"), (2, "repayment")]
    assert [e["balance_after"] for e in first["items"]] == [PRINCIPAL, "0.00"]
    rest = (await client.get(url, params={"limit": "2", "cursor": first["next_cursor"]})).json()
    assert [(e["seq"], e["type"], e["amount"]) for e in rest["items"]] == [(3, "close", None)]
    assert rest["next_cursor"] is None
    assert rest["items"][0]["status_after"] == "closed"
    bad = await client.get(url, params={"cursor": "eyJ4IjoxfQ"})
    assert bad.status_code == 422
