"""Steps the contract tests share: open a contract through the API and drive it to a status."""

from __future__ import annotations

from typing import Any

import httpx

from tests.support.factories import contract_body, customer_body

# Dates of the standard path (the factory's contract starts 2026-01-10); later events in tests
# use LATER so they never fall before the ledger's last event.
ACTIVATED_ON = "2026-01-15"
LATER = "2026-06-01"
PRINCIPAL = "1000000.00"


async def new_customer(client: httpx.AsyncClient, **overrides: Any) -> str:
    response = await client.post("/v1/customers", json=customer_body(**overrides))
    assert response.status_code == 201, response.text
    customer_id: str = response.json()["id"]
    return customer_id


async def new_contract(
    client: httpx.AsyncClient, customer_id: str | None = None, **overrides: Any
) -> dict[str, Any]:
    if customer_id is None:
        customer_id = await new_customer(client)
    response = await client.post("/v1/contracts", json=contract_body(customer_id, **overrides))
    assert response.status_code == 201, response.text
    contract: dict[str, Any] = response.json()
    return contract


async def post_event(
    client: httpx.AsyncClient,
    contract_id: str,
    type_: str,
    amount: str | None = None,
    occurred_on: str = LATER,
    **headers: str,
) -> httpx.Response:
    body: dict[str, Any] = {"type": type_, "occurred_on": occurred_on}
    if amount is not None:
        body["amount"] = amount
    return await client.post(f"/v1/contracts/{contract_id}/events", json=body, headers=headers)


async def event(
    client: httpx.AsyncClient,
    contract_id: str,
    type_: str,
    amount: str | None = None,
    occurred_on: str = LATER,
) -> dict[str, Any]:
    """Post an event that must be accepted; returns the updated contract."""
    response = await post_event(client, contract_id, type_, amount, occurred_on)
    assert response.status_code == 201, response.text
    contract: dict[str, Any] = response.json()["contract"]
    return contract


# How to reach each status from a fresh pending contract (principal 1,000,000, ratio 1).
PATHS: dict[str, list[tuple[str, str | None, str]]] = {
    "pending": [],
    "active": [("activate", PRINCIPAL, ACTIVATED_ON)],
    "overdue": [("activate", PRINCIPAL, ACTIVATED_ON), ("overdue", "100000.00", "2026-03-01")],
    "compensated": [
        ("activate", PRINCIPAL, ACTIVATED_ON),
        ("overdue", "100000.00", "2026-03-01"),
        ("compensation", "500000.00", "2026-04-01"),
    ],
    "repaid": [("activate", PRINCIPAL, ACTIVATED_ON), ("repayment", PRINCIPAL, "2026-03-01")],
    "closed": [
        ("activate", PRINCIPAL, ACTIVATED_ON),
        ("repayment", PRINCIPAL, "2026-03-01"),
        ("close", None, "2026-03-02"),
    ],
    "written_off": [
        ("activate", PRINCIPAL, ACTIVATED_ON),
        ("overdue", "100000.00", "2026-03-01"),
        ("compensation", "500000.00", "2026-04-01"),
        ("write_off", "500000.00", "2026-05-01"),
    ],
}


async def contract_in(client: httpx.AsyncClient, status: str, **overrides: Any) -> dict[str, Any]:
    contract = await new_contract(client, principal=PRINCIPAL, guarantee_ratio=1, **overrides)
    for type_, amount, occurred_on in PATHS[status]:
        contract = await event(client, contract["id"], type_, amount, occurred_on)
    assert contract["status"] == status
    return contract
