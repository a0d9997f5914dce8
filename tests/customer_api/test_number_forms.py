"""Money, ratios and counts accept exactly the forms the contract documents, through the API.

Bodies are sent as raw bytes, so a number is written exactly as the table says (``1e3``,
``-0.00``), which ``json=`` would re-serialise.
"""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from tests.customer_api.contract_steps import new_contract, new_customer
from tests.support.factories import contract_body, customer_body, statement_body

_RAW = "\x00raw\x00"

# Each is refused where money is expected: the pattern is ^[0-9]{1,16}(\.[0-9]{1,2})?$ for a
# string, and the same plain notation for a JSON number.
LOOSE_MONEY = [
    '"1e3"',
    "1e3",
    "1.5e1",
    '"+1000"',
    '"1_000"',
    '"1,000"',
    '" 1000"',
    '"1000 "',
    '"１０００"',
    '"-0.00"',
    "-0.00",
    "true",
    '"1000.001"',
]
LOOSE_COUNTS = ['"12"', "true", "12.0", "1.2e1", '"１２"', '" 12"']


def _raw(body: dict[str, Any], field: str, literal: str) -> bytes:
    """``body`` as JSON with ``field`` written exactly as ``literal``."""
    text = json.dumps({**body, field: _RAW}, ensure_ascii=False)
    return text.replace(json.dumps(_RAW), literal).encode()


async def _post(client: httpx.AsyncClient, path: str, content: bytes) -> httpx.Response:
    return await client.post(path, content=content, headers={"Content-Type": "application/json"})


def _assert_refused(response: httpx.Response, field: str) -> None:
    assert response.status_code == 422, response.text
    assert ["body", field] in [error["loc"] for error in response.json()["errors"]]


@pytest.mark.parametrize("literal", LOOSE_MONEY)
async def test_a_customer_refuses_loose_money(client: httpx.AsyncClient, literal: str) -> None:
    body = _raw(customer_body(), "registered_capital", literal)
    _assert_refused(await _post(client, "/v1/customers", body), "registered_capital")


@pytest.mark.parametrize("literal", LOOSE_COUNTS)
async def test_a_customer_refuses_a_count_that_is_not_a_json_integer(
    client: httpx.AsyncClient, literal: str
) -> None:
    body = _raw(customer_body(), "employees", literal)
    _assert_refused(await _post(client, "/v1/customers", body), "employees")


@pytest.mark.parametrize("literal", ['"３２０５０６"', '" 320506"', '"32050６"'])
async def test_a_region_code_is_six_ascii_digits(client: httpx.AsyncClient, literal: str) -> None:
    body = _raw(customer_body(), "region_code", literal)
    _assert_refused(await _post(client, "/v1/customers", body), "region_code")


@pytest.mark.parametrize(
    ("literal", "echoed"),
    [('"10000000.00"', "10000000.00"), ("10000000", "10000000.00"), ("1234.5", "1234.50")],
)
async def test_a_customer_takes_money_as_a_string_or_a_plain_number(
    client: httpx.AsyncClient, literal: str, echoed: str
) -> None:
    body = _raw(customer_body(employees=12), "registered_capital", literal)
    response = await _post(client, "/v1/customers", body)
    assert response.status_code == 201, response.text
    assert (response.json()["registered_capital"], response.json()["employees"]) == (echoed, 12)


@pytest.mark.parametrize("literal", LOOSE_MONEY)
async def test_a_contract_refuses_loose_money(client: httpx.AsyncClient, literal: str) -> None:
    customer_id = await new_customer(client)
    body = _raw(contract_body(customer_id), "principal", literal)
    _assert_refused(await _post(client, "/v1/contracts", body), "principal")


@pytest.mark.parametrize("literal", ['"+0.5"', '" 0.5"', '"0.5e0"', '"０.５"', "true", '"-0"'])
async def test_a_contract_refuses_loose_ratios(client: httpx.AsyncClient, literal: str) -> None:
    customer_id = await new_customer(client)
    body = _raw(contract_body(customer_id), "guarantee_ratio", literal)
    _assert_refused(await _post(client, "/v1/contracts", body), "guarantee_ratio")


@pytest.mark.parametrize(("literal", "echoed"), [("0.8", 0.8), ('"0.8"', 0.8), ("8e-1", 0.8)])
async def test_a_contract_takes_a_ratio_as_a_number_or_a_plain_string(
    client: httpx.AsyncClient, literal: str, echoed: float
) -> None:
    customer_id = await new_customer(client)
    body = _raw(contract_body(customer_id), "guarantee_ratio", literal)
    response = await _post(client, "/v1/contracts", body)
    assert response.status_code == 201, response.text
    assert response.json()["guarantee_ratio"] == echoed


@pytest.mark.parametrize("literal", LOOSE_MONEY)
async def test_a_contract_event_refuses_loose_money(
    client: httpx.AsyncClient, literal: str
) -> None:
    contract = await new_contract(client)
    body = _raw({"type": "activate", "occurred_on": "2026-01-15"}, "amount", literal)
    response = await _post(client, f"/v1/contracts/{contract['id']}/events", body)
    _assert_refused(response, "amount")


@pytest.mark.parametrize(("literal", "balance"), [("500000", "500000.00"), ("5e5", None)])
async def test_a_contract_event_takes_a_plain_number_only(
    client: httpx.AsyncClient, literal: str, balance: str | None
) -> None:
    contract = await new_contract(client)
    body = _raw({"type": "activate", "occurred_on": "2026-01-15"}, "amount", literal)
    response = await _post(client, f"/v1/contracts/{contract['id']}/events", body)
    if balance is None:
        _assert_refused(response, "amount")
    else:
        assert response.status_code == 201, response.text
        assert response.json()["contract"]["outstanding_balance"] == balance


@pytest.mark.parametrize("literal", LOOSE_MONEY)
async def test_a_statement_refuses_loose_money(client: httpx.AsyncClient, literal: str) -> None:
    customer_id = await new_customer(client)
    body = _raw(statement_body(), "cash", literal)
    response = await _post(client, f"/v1/customers/{customer_id}/financial-statements", body)
    _assert_refused(response, "cash")


@pytest.mark.parametrize("literal", ['"+3000000.00"', '"-1e3"', "-1e3", '"－3000000"', "false"])
async def test_a_statement_refuses_loose_signed_money(
    client: httpx.AsyncClient, literal: str
) -> None:
    customer_id = await new_customer(client)
    body = _raw(statement_body(), "net_profit", literal)
    response = await _post(client, f"/v1/customers/{customer_id}/financial-statements", body)
    _assert_refused(response, "net_profit")


@pytest.mark.parametrize("literal", ['"-0.00"', "-0.00", '"-0"'])
async def test_a_statement_reads_minus_zero_as_zero(
    client: httpx.AsyncClient, literal: str
) -> None:
    customer_id = await new_customer(client)
    body = _raw(statement_body(), "net_profit", literal)
    response = await _post(client, f"/v1/customers/{customer_id}/financial-statements", body)
    assert response.status_code == 201, response.text
    assert response.json()["net_profit"] == "0.00"


@pytest.mark.parametrize(
    ("literal", "echoed"), [('"-250000.50"', "-250000.50"), ("-250000.5", "-250000.50")]
)
async def test_a_statement_takes_negative_money_where_accounting_allows(
    client: httpx.AsyncClient, literal: str, echoed: str
) -> None:
    customer_id = await new_customer(client)
    body = _raw(statement_body(), "net_profit", literal)
    response = await _post(client, f"/v1/customers/{customer_id}/financial-statements", body)
    assert response.status_code == 201, response.text
    assert response.json()["net_profit"] == echoed


def test_the_openapi_document_states_the_accepted_forms(app: Any) -> None:
    schema = app.openapi()["components"]["schemas"]
    capital = schema["CustomerFields"]["properties"]["registered_capital"]["anyOf"][0]
    assert capital["anyOf"] == [
        {"type": "string", "pattern": r"^[0-9]{1,16}(\.[0-9]{1,2})?$"},
        {"type": "number", "minimum": 0},
    ]
    assert "no exponent" in capital["description"]
    assert schema["CustomerOut"]["properties"]["registered_capital"]["anyOf"][0]["type"] == (
        "string"
    )
