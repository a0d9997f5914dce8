"""Collateral (counter-guarantees): default haircuts by kind, net value, idempotency, audit,
the finished-contract guard, listing, and the configurable haircut table."""

from __future__ import annotations

import uuid
from decimal import Decimal

import asyncpg
import httpx
import pytest
from pydantic import ValidationError

from customer_api.settings import CustomerApiSettings
from tests.customer_api.contract_steps import contract_in, new_contract
from tests.support.auth import bearer

# docs/DOMAIN.md §8 default haircuts and the net value of a 1,000,000.00 appraisal under each.
DEFAULTS = {
    "deposit": (0.0, "1000000.00"),
    "real_estate": (0.3, "700000.00"),
    "equity_pledge": (0.5, "500000.00"),
    "receivables": (0.4, "600000.00"),
    "equipment": (0.5, "500000.00"),
    "corporate_guarantee": (0.7, "300000.00"),
    "personal_guarantee": (0.8, "200000.00"),
    "other": (0.8, "200000.00"),
}


def _collateral(**overrides: object) -> dict[str, object]:
    body: dict[str, object] = {
        "kind": "real_estate",
        "appraised_value": "1000000.00",
        "appraised_on": "2026-01-05",
        "description": "Factory building, 苏州工业园区",
    }
    body.update(overrides)
    return body


@pytest.mark.parametrize("kind", sorted(DEFAULTS))
async def test_haircut_defaults_by_kind(client: httpx.AsyncClient, kind: str) -> None:
    contract = await new_contract(client)
    response = await client.post(
        f"/v1/contracts/{contract['id']}/collaterals", json=_collateral(kind=kind)
    )
    assert response.status_code == 201, response.text
    body = response.json()
    assert (body["haircut"], body["net_value"]) == DEFAULTS[kind]
    assert body["kind"] == kind


async def test_add_collateral_with_own_haircut_location_etag_and_audit(
    client: httpx.AsyncClient, db: asyncpg.Connection
) -> None:
    contract = await new_contract(client)
    url = f"/v1/contracts/{contract['id']}/collaterals"
    response = await client.post(url, json=_collateral(appraised_value=1234567.89, haircut=0.25))
    assert response.status_code == 201, response.text
    body = response.json()
    assert response.headers["location"] == f"{url}/{body['id']}"
    assert response.headers["etag"] == '"1"'
    assert body["appraised_value"] == "1234567.89"
    assert body["haircut"] == 0.25
    assert body["net_value"] == "925925.92"  # 925,925.9175 to the cent, half-even
    assert (body["contract_id"], body["appraised_on"]) == (contract["id"], "2026-01-05")
    fetched = await client.get(response.headers["location"])
    assert fetched.status_code == 200
    assert fetched.json() == body
    audit = await db.fetchrow(
        "select action, actor, after->>'contract_id' contract from customer.audit_log "
        "where entity_type = 'collateral' and entity_id = $1",
        uuid.UUID(body["id"]),
    )
    assert tuple(audit) == ("create", "tester@example.com", contract["id"])
    # Collateral leaves the contract itself untouched.
    assert (await client.get(f"/v1/contracts/{contract['id']}")).headers["etag"] == '"1"'


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("kind", "gold"),
        ("appraised_value", "-1.00"),
        ("appraised_value", "10.001"),
        ("appraised_value", None),
        ("haircut", 1.5),
        ("haircut", -0.1),
        ("appraised_on", "yesterday"),
        ("owner", "someone"),
        ("description", "pledge\x00"),
    ],
)
async def test_invalid_collateral_is_422_naming_the_field(
    client: httpx.AsyncClient, db: asyncpg.Connection, field: str, value: object
) -> None:
    contract = await new_contract(client)
    response = await client.post(
        f"/v1/contracts/{contract['id']}/collaterals", json=_collateral(**{field: value})
    )
    assert response.status_code == 422, response.text
    assert response.json()["errors"][0]["loc"][:2] == ["body", field]
    assert await db.fetchval("select count(*) from customer.collaterals") == 0


async def test_unknown_contract_is_404(client: httpx.AsyncClient) -> None:
    url = f"/v1/contracts/{uuid.uuid4()}/collaterals"
    assert (await client.post(url, json=_collateral())).status_code == 404
    assert (await client.get(url)).status_code == 404
    contract = await new_contract(client)
    other = f"/v1/contracts/{contract['id']}/collaterals/{uuid.uuid4()}"
    assert (await client.get(other)).status_code == 404


@pytest.mark.parametrize("status", ["closed", "written_off"])
async def test_finished_contracts_take_no_collateral(
    client: httpx.AsyncClient, db: asyncpg.Connection, status: str
) -> None:
    contract = await contract_in(client, status)
    response = await client.post(f"/v1/contracts/{contract['id']}/collaterals", json=_collateral())
    assert response.status_code == 409
    assert response.json()["contract_status"] == status
    assert await db.fetchval("select count(*) from customer.collaterals") == 0


async def test_compensated_contract_still_takes_collateral(client: httpx.AsyncClient) -> None:
    contract = await contract_in(client, "compensated")
    response = await client.post(
        f"/v1/contracts/{contract['id']}/collaterals", json=_collateral(kind="deposit")
    )
    assert response.status_code == 201


async def test_idempotency_key_replays_the_first_collateral(
    client: httpx.AsyncClient, db: asyncpg.Connection
) -> None:
    contract = await new_contract(client)
    url = f"/v1/contracts/{contract['id']}/collaterals"
    headers = {"Idempotency-Key": "pledge-1"}
    first = await client.post(url, json=_collateral(), headers=headers)
    replay = await client.post(url, json=_collateral(), headers=headers)
    assert first.status_code == replay.status_code == 201
    assert replay.json() == first.json()
    assert replay.headers["location"] == first.headers["location"]
    other = await client.post(url, json=_collateral(haircut=0.1), headers=headers)
    assert other.status_code == 422
    assert await db.fetchval("select count(*) from customer.collaterals") == 1


async def test_list_is_per_contract_and_paginated(client: httpx.AsyncClient) -> None:
    contract = await new_contract(client)
    elsewhere = await new_contract(client)
    url = f"/v1/contracts/{contract['id']}/collaterals"
    created = set()
    for kind in ("deposit", "equipment", "receivables"):
        created.add((await client.post(url, json=_collateral(kind=kind))).json()["id"])
    await client.post(f"/v1/contracts/{elsewhere['id']}/collaterals", json=_collateral())
    first = (await client.get(url, params={"limit": "2"})).json()
    assert len(first["items"]) == 2
    assert first["next_cursor"]
    rest = (await client.get(url, params={"limit": "2", "cursor": first["next_cursor"]})).json()
    assert rest["next_cursor"] is None
    assert {c["id"] for c in first["items"] + rest["items"]} == created
    assert all("net_value" in c for c in rest["items"])


async def test_collateral_scopes(client: httpx.AsyncClient, anon: httpx.AsyncClient) -> None:
    contract = await new_contract(client)
    url = f"/v1/contracts/{contract['id']}/collaterals"
    assert (await anon.get(url)).status_code == 401
    assert (await anon.get(url, headers=bearer("contracts:read"))).status_code == 200
    denied = await anon.post(url, json=_collateral(), headers=bearer("contracts:read"))
    assert denied.status_code == 403
    allowed = await anon.post(url, json=_collateral(), headers=bearer("contracts:write"))
    assert allowed.status_code == 201


def test_haircut_table_is_configurable_per_kind() -> None:
    settings = CustomerApiSettings(collateral_haircuts={"real_estate": "0.35"})
    assert settings.collateral_haircuts["real_estate"] == Decimal("0.35")
    assert settings.collateral_haircuts["equipment"] == Decimal("0.5")
    assert set(settings.collateral_haircuts) == set(DEFAULTS)
    with pytest.raises(ValidationError, match="unknown collateral kinds: gold"):
        CustomerApiSettings(collateral_haircuts={"gold": "0.1"})
    with pytest.raises(ValidationError, match="between 0 and 1: deposit"):
        CustomerApiSettings(collateral_haircuts={"deposit": "1.5"})
