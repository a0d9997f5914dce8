"""Rating a customer that has guarantee contracts with us: the request's guarantee history."""

from __future__ import annotations

import httpx

from tests.support.factories import contract_body, customer_body, statement_body


async def test_a_customer_with_a_collateralised_contract_is_rated(
    client: httpx.AsyncClient,
) -> None:
    # The request's guarantee history sums the contract's collateral and the group's
    # liability: those queries run only for a customer with contracts.
    customer = (await client.post("/v1/customers", json=customer_body())).json()
    statement = await client.post(
        f"/v1/customers/{customer['id']}/financial-statements", json=statement_body()
    )
    assert statement.status_code == 201, statement.text
    contract = await client.post("/v1/contracts", json=contract_body(customer["id"]))
    assert contract.status_code == 201, contract.text
    collateral = await client.post(
        f"/v1/contracts/{contract.json()['id']}/collaterals",
        json={"kind": "deposit", "appraised_value": "500000.00"},
    )
    assert collateral.status_code == 201, collateral.text
    activated = await client.post(
        f"/v1/contracts/{contract.json()['id']}/events",
        json={"type": "activate", "amount": "1000000.00", "occurred_on": "2026-01-10"},
    )
    assert activated.status_code == 201, activated.text
    rated = await client.post(f"/v1/customers/{customer['id']}/rate")
    assert rated.status_code == 201, rated.text
