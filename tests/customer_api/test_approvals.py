"""Four-eyes approvals and the policy overrides they grant (DOMAIN §14).

The test settings give net assets of 100,000,000.00, so one customer's financing guarantees
stop at 10,000,000.00: an activation of 12,000,000.00 needs an override.
"""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

import asyncpg
import httpx

from guarantee_shared.clock import business_today
from tests.customer_api.books import Book
from tests.customer_api.contract_steps import ACTIVATED_ON, new_contract, new_customer
from tests.support.auth import ALL_SCOPES, bearer
from tests.support.factories import statement_body

MAKER = bearer(*ALL_SCOPES, sub="maker@example.com")
CHECKER = bearer(*ALL_SCOPES, sub="checker@example.com")
BIG = "12000000.00"


async def _request(
    client: httpx.AsyncClient, contract_id: str, amount: str = BIG, **extra: Any
) -> dict[str, Any]:
    body = {
        "kind": "policy_override",
        "subject_id": contract_id,
        "reason": "Backed by a state-owned parent's deposit",
        "payload": {"amount": amount},
        **extra,
    }
    response = await client.post("/v1/approvals", json=body, headers=MAKER)
    assert response.status_code == 201, response.text
    assert response.headers["location"] == f"/v1/approvals/{response.json()['id']}"
    approval: dict[str, Any] = response.json()
    return approval


async def _decide(
    client: httpx.AsyncClient, approval_id: str, decision: str, headers: dict[str, str] = CHECKER
) -> httpx.Response:
    return await client.post(
        f"/v1/approvals/{approval_id}/decision",
        json={"decision": decision, "comment": "seen"},
        headers=headers,
    )


async def _activate(
    client: httpx.AsyncClient, contract_id: str, approval_id: str | None, amount: str = BIG
) -> httpx.Response:
    body: dict[str, Any] = {"type": "activate", "amount": amount, "occurred_on": ACTIVATED_ON}
    if approval_id is not None:
        body["approval_id"] = approval_id
    return await client.post(f"/v1/contracts/{contract_id}/events", json=body)


async def _big_contract(client: httpx.AsyncClient, db: asyncpg.Connection) -> str:
    customer = await Book(db).customer("Big")
    contract = await new_contract(client, str(customer), principal=BIG)
    contract_id: str = contract["id"]
    return contract_id


async def _status(client: httpx.AsyncClient, approval_id: str) -> str:
    status: str = (await client.get(f"/v1/approvals/{approval_id}")).json()["status"]
    return status


async def test_the_requester_cannot_decide_and_a_decision_is_final(
    client: httpx.AsyncClient, db: asyncpg.Connection
) -> None:
    approval = await _request(client, await _big_contract(client, db))
    assert approval["status"] == "pending"
    assert approval["requested_by"] == "maker@example.com"
    own = await _decide(client, approval["id"], "approve", headers=MAKER)
    assert own.status_code == 403, own.text
    assert await _status(client, approval["id"]) == "pending"
    decided = await _decide(client, approval["id"], "approve")
    assert decided.status_code == 200, decided.text
    assert decided.json()["status"] == "approved"
    assert decided.json()["decided_by"] == "checker@example.com"
    again = await _decide(client, approval["id"], "reject", headers=bearer(*ALL_SCOPES))
    assert again.status_code == 409, again.text
    assert again.json()["approval_status"] == "approved"


async def test_deciding_needs_the_approvals_scope(
    client: httpx.AsyncClient, db: asyncpg.Connection
) -> None:
    approval = await _request(client, await _big_contract(client, db))
    scopes = [s for s in ALL_SCOPES if s != "approvals:decide"]
    response = await _decide(client, approval["id"], "approve", headers=bearer(*scopes))
    assert response.status_code == 403
    assert response.json()["missing_scopes"] == ["approvals:decide"]


async def test_an_approved_override_unlocks_one_activation(
    client: httpx.AsyncClient, db: asyncpg.Connection
) -> None:
    contract_id = await _big_contract(client, db)
    refused = await _activate(client, contract_id, None)
    assert refused.status_code == 409
    assert refused.json()["type"].endswith("/policy-violation")
    approval = await _request(client, contract_id)
    # Pending is not approved: nothing unlocked, nothing used.
    assert (await _activate(client, contract_id, approval["id"])).status_code == 409
    assert (await _decide(client, approval["id"], "approve")).status_code == 200
    contract = await client.get(f"/v1/contracts/{contract_id}")
    assert contract.json()["status"] == "pending"
    response = await _activate(client, contract_id, approval["id"])
    assert response.status_code == 201, response.text
    assert await _status(client, approval["id"]) == "consumed"
    actions = await db.fetch(
        "SELECT action, actor FROM customer.audit_log WHERE entity_id = $1 ORDER BY id",
        uuid.UUID(approval["id"]),
    )
    assert [(a["action"], a["actor"]) for a in actions] == [
        ("create", "maker@example.com"),
        ("decision.approve", "checker@example.com"),
        ("consume", "tester@example.com"),
    ]


async def test_an_override_covers_only_its_amount_and_contract(
    client: httpx.AsyncClient, db: asyncpg.Connection
) -> None:
    contract_id = await _big_contract(client, db)
    other_id = await _big_contract(client, db)
    approval = await _request(client, contract_id, amount="11999999.99")
    assert (await _decide(client, approval["id"], "approve")).status_code == 200
    above = await _activate(client, contract_id, approval["id"])
    assert above.status_code == 409
    assert "at most 11999999.99" in above.json()["override"]
    elsewhere = await _activate(client, other_id, approval["id"])
    assert elsewhere.status_code == 409
    assert await _status(client, approval["id"]) == "approved"
    at = await _activate(client, contract_id, approval["id"], amount="11999999.99")
    assert at.status_code == 201, at.text


async def test_expired_consumed_or_rejected_unlock_nothing(
    client: httpx.AsyncClient, db: asyncpg.Connection
) -> None:
    contract_id = await _big_contract(client, db)
    expired = await _request(client, contract_id)
    consumed = await _request(client, contract_id)
    rejected = await _request(client, contract_id)
    for approval in (expired, consumed):
        assert (await _decide(client, approval["id"], "approve")).status_code == 200
    assert (await _decide(client, rejected["id"], "reject")).status_code == 200
    await db.execute(
        "UPDATE customer.approvals SET expires_at = now() - interval '1 second' WHERE id = $1",
        uuid.UUID(expired["id"]),
    )
    await db.execute(
        "UPDATE customer.approvals SET consumed_at = now() WHERE id = $1",
        uuid.UUID(consumed["id"]),
    )
    for approval, status in ((expired, "expired"), (consumed, "consumed"), (rejected, "rejected")):
        assert await _status(client, approval["id"]) == status
        response = await _activate(client, contract_id, approval["id"])
        assert response.status_code == 409, response.text
        assert status in response.json()["override"]
    assert (await client.get(f"/v1/contracts/{contract_id}")).json()["status"] == "pending"
    # An expired request can no longer be decided either.
    late = await _request(client, contract_id)
    await db.execute(
        "UPDATE customer.approvals SET expires_at = now() - interval '1 second' WHERE id = $1",
        uuid.UUID(late["id"]),
    )
    assert (await _decide(client, late["id"], "approve")).status_code == 409
    listed = await client.get("/v1/approvals", params={"status": "expired"})
    assert {a["id"] for a in listed.json()["items"]} == {expired["id"], late["id"]}
    listed = await client.get("/v1/approvals", params={"status": "rejected"})
    assert [a["id"] for a in listed.json()["items"]] == [rejected["id"]]


async def test_no_override_for_a_related_party(
    client: httpx.AsyncClient, db: asyncpg.Connection
) -> None:
    customer = await Book(db).customer("Shareholder")
    await db.execute("UPDATE customer.customers SET related_party = true WHERE id = $1", customer)
    contract = await new_contract(client, str(customer), principal="1000.00")
    approval = await _request(client, contract["id"], amount="1000.00")
    assert (await _decide(client, approval["id"], "approve")).status_code == 200
    response = await _activate(client, contract["id"], approval["id"], amount="1000.00")
    assert response.status_code == 409
    assert [v["rule"] for v in response.json()["violations"]] == ["related_party"]
    assert await _status(client, approval["id"]) == "approved"


async def test_a_rejection_is_audited_and_bad_requests_change_nothing(
    client: httpx.AsyncClient, db: asyncpg.Connection
) -> None:
    contract_id = await _big_contract(client, db)
    approval = await _request(client, contract_id)
    assert (await _decide(client, approval["id"], "reject")).json()["status"] == "rejected"
    action = await db.fetchval(
        "SELECT action FROM customer.audit_log WHERE entity_id = $1 AND actor = $2",
        uuid.UUID(approval["id"]),
        "checker@example.com",
    )
    assert action == "decision.reject"
    before = await db.fetchval("SELECT count(*) FROM customer.approvals")
    bad = [
        {"kind": "policy_override", "subject_id": contract_id, "reason": "r", "payload": {}},
        {"kind": "policy_override", "subject_id": contract_id, "reason": "r",
         "payload": {"amount": "-1"}},
        {"kind": "rating_override", "subject_id": contract_id, "reason": "r", "payload": {}},
    ]  # fmt: skip
    for body in bad:
        response = await client.post("/v1/approvals", json=body)
        assert response.status_code == 422, response.text
    unknown = {
        "kind": "policy_override",
        "subject_id": str(uuid.uuid4()),
        "reason": "r",
        "payload": {"amount": "1.00"},
    }
    assert (await client.post("/v1/approvals", json=unknown)).status_code == 404
    assert await db.fetchval("SELECT count(*) FROM customer.approvals") == before
    # approval_id belongs to activations only.
    body = {"type": "close", "occurred_on": ACTIVATED_ON, "approval_id": approval["id"]}
    response = await client.post(f"/v1/contracts/{contract_id}/events", json=body)
    assert response.status_code == 422


async def _rated_customer(client: httpx.AsyncClient) -> dict[str, Any]:
    customer_id = await new_customer(client)
    response = await client.post(
        f"/v1/customers/{customer_id}/financial-statements", json=statement_body()
    )
    assert response.status_code == 201, response.text
    rated = await client.post(f"/v1/customers/{customer_id}/rate")
    assert rated.status_code == 201, rated.text
    customer: dict[str, Any] = (await client.get(f"/v1/customers/{customer_id}")).json()
    return customer


async def test_an_approved_rating_override_is_in_effect_until_the_next_rating(
    client: httpx.AsyncClient, db: asyncpg.Connection
) -> None:
    customer = await _rated_customer(client)
    grade = "C" if customer["credit_grade"] != "C" else "B"
    body = {
        "kind": "rating_override",
        "subject_id": customer["id"],
        "reason": "Court ruling overturned; the record is clean",
        "payload": {"credit_grade": grade, "risk_tier": "high"},
    }
    response = await client.post("/v1/approvals", json=body, headers=MAKER)
    assert response.status_code == 201, response.text
    approval = response.json()
    # Requested is not applied.
    unchanged = (await client.get(f"/v1/customers/{customer['id']}")).json()
    assert unchanged["credit_grade"] == customer["credit_grade"]
    decided = await _decide(client, approval["id"], "approve")
    assert decided.status_code == 200, decided.text
    assert decided.json()["status"] == "consumed"

    after = (await client.get(f"/v1/customers/{customer['id']}")).json()
    assert (after["credit_grade"], after["risk_tier"]) == (grade, "high")
    assert after["customer_class"] == customer["customer_class"]
    history = (await client.get(f"/v1/customers/{customer['id']}/ratings")).json()["items"]
    newest = history[0]
    assert newest["source"] == "override"
    assert (newest["requested_by"], newest["approved_by"]) == (
        "maker@example.com",
        "checker@example.com",
    )
    assert newest["result"]["credit_grade"] == grade
    assert history[1]["source"] == "model"
    # Put in the high tier, the customer is reviewed on the high tier's timetable (30 days).
    assert newest["result"]["review_interval_days"] == 30
    due = business_today() + timedelta(days=30)  # never verified: from its creation, today
    assert after["next_review_due"] == due.isoformat()
    # What a partner bank's look-up shows is the grade in effect.
    shown = await client.get(f"/v1/ratings/{customer['credit_code']}")
    assert shown.json()["credit_grade"] == grade
    action = await db.fetchval(
        "SELECT action FROM customer.audit_log WHERE entity_id = $1 ORDER BY id DESC LIMIT 1",
        uuid.UUID(customer["id"]),
    )
    assert action == "rate.override"

    # The next rating replaces it.
    rerated = await client.post(f"/v1/customers/{customer['id']}/rate")
    assert rerated.json()["source"] == "model"
    final = (await client.get(f"/v1/customers/{customer['id']}")).json()
    assert final["credit_grade"] == customer["credit_grade"]


async def test_no_rating_override_for_an_unrated_customer(
    client: httpx.AsyncClient, db: asyncpg.Connection
) -> None:
    customer_id = await new_customer(client)
    body = {
        "kind": "rating_override",
        "subject_id": customer_id,
        "reason": "r",
        "payload": {"customer_class": "premium"},
    }
    response = await client.post("/v1/approvals", json=body)
    assert response.status_code == 409, response.text
    assert await db.fetchval("SELECT count(*) FROM customer.approvals") == 0
