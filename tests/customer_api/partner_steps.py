"""Steps the partner tests share: register partners, finance customers through named lenders,
rate them, and tokens that carry a partner claim."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import httpx

from guarantee_shared.clock import add_months, business_today
from tests.support.auth import bearer
from tests.support.factories import contract_body, customer_body, statement_body

ADMIN = bearer("admin", sub="registrar@example.com")
ICBC = {
    "code": "icbc",
    "name": "中国工商银行",
    "lender_names": ["中国工商银行苏州分行", "工商银行"],
}
CCB = {"code": "ccb", "name": "中国建设银行", "lender_names": ["中国建设银行无锡分行"]}


def partner_token(code: str, *scopes: str) -> dict[str, str]:
    return bearer(*(scopes or ("ratings:read",)), sub=f"{code}-integration", partner=code)


async def register(client: httpx.AsyncClient, body: dict[str, Any]) -> dict[str, Any]:
    response = await client.post("/v1/partners", json=body, headers=ADMIN)
    assert response.status_code == 201, response.text
    partner: dict[str, Any] = response.json()
    return partner


async def rated_customer(client: httpx.AsyncClient, **overrides: Any) -> dict[str, Any]:
    """A customer with two healthy annual statements, rated once (not high risk)."""
    response = await client.post("/v1/customers", json=customer_body(**overrides))
    assert response.status_code == 201, response.text
    customer: dict[str, Any] = response.json()
    for year, revenue, profit in (
        (2024, "55000000.00", "2600000.00"),
        (2025, "60000000.00", "3000000.00"),
    ):
        statement = await client.post(
            f"/v1/customers/{customer['id']}/financial-statements",
            json=statement_body(period_end=f"{year}-12-31", revenue=revenue, net_profit=profit),
        )
        assert statement.status_code == 201, statement.text
    rated = await client.post(f"/v1/customers/{customer['id']}/rate")
    assert rated.status_code == 201, rated.text
    return customer


async def finance(
    client: httpx.AsyncClient,
    customer_id: str,
    lender: str,
    *,
    released_on: date | None = None,
    active: bool = False,
) -> dict[str, Any]:
    """A contract with ``lender``: pending; active; or repaid (left force) on ``released_on``."""
    today = business_today()
    start = add_months(released_on or today, -6)
    response = await client.post(
        "/v1/contracts",
        json=contract_body(
            customer_id,
            lender=lender,
            start_date=start.isoformat(),
            maturity_date=add_months(start, 12).isoformat(),
        ),
    )
    assert response.status_code == 201, response.text
    contract: dict[str, Any] = response.json()
    if not active and released_on is None:
        return contract
    steps: list[dict[str, Any]] = [
        {"type": "activate", "amount": "1000000.00", "occurred_on": start.isoformat()}
    ]
    if released_on is not None:
        steps.append(
            {"type": "repayment", "amount": "1000000.00", "occurred_on": released_on.isoformat()}
        )
    for step in steps:
        answer = await client.post(f"/v1/contracts/{contract['id']}/events", json=step)
        assert answer.status_code == 201, answer.text
        contract = answer.json()["contract"]
    assert contract["released_on"] == (released_on.isoformat() if released_on else None)
    return contract


def months_ago(months: int, *, days: int = 0) -> date:
    return add_months(business_today(), -months) - timedelta(days=days)
