"""Writes the demo book through the real HTTP API of an in-process app.

Going through the routes rather than the tables means the demo data passes every validation
and state-machine rule a client's data would, and the audit log shows it came from ``ACTOR``.
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import httpx
from fastapi import FastAPI

from customer_api.demo.book import CustomerPlan, build_book
from customer_api.demo.catalog import PARTNERS, WATCH_LIST
from guarantee_shared.clock import business_today
from guarantee_shared.web.auth import ADMIN_SCOPE, issue_token

ACTOR = "demo-loader"
CHECKER = "demo-risk-officer"


class DatabaseNotEmpty(RuntimeError):
    """The demo is only ever loaded into a database without customers."""


class DemoLoadError(RuntimeError):
    """The API refused part of the demo book (a bug in the book or in the API)."""


@dataclass
class LoadSummary:
    as_of: date
    customers: int = 0
    statements: int = 0
    credit_events: int = 0
    contracts: Counter[str] = field(default_factory=Counter)
    collaterals: int = 0
    events: int = 0
    partners: int = 0
    watched_industries: int = 0
    interactions: int = 0
    seconds: float = 0.0

    def describe(self) -> str:
        statuses = ", ".join(f"{status} {n}" for status, n in sorted(self.contracts.items()))
        return (
            f"demo book as of {self.as_of.isoformat()} loaded in {self.seconds:.1f} s: "
            f"{self.customers} customers, {self.statements} financial statements, "
            f"{self.credit_events} credit events, {sum(self.contracts.values())} contracts "
            f"({statuses}), {self.events} contract events, {self.collaterals} collaterals, "
            f"{self.partners} partner banks, {self.watched_industries} watched industries, "
            f"{self.interactions} interactions"
        )


async def _post(client: httpx.AsyncClient, path: str, body: dict[str, Any]) -> dict[str, Any]:
    response = await client.post(path, json=body)
    if not response.is_success:
        raise DemoLoadError(f"POST {path} answered {response.status_code}: {response.text[:1000]}")
    result: dict[str, Any] = response.json()
    return result


async def _record_event(
    client: httpx.AsyncClient, checker: httpx.AsyncClient, path: str, event: dict[str, Any]
) -> dict[str, Any]:
    """Post a ledger event; an activation the policy refuses goes through four eyes first.

    The book holds concentrated business on purpose (the regulatory figures and alerts have
    something to show), so such contracts carry the override a second person approved.
    """
    response = await client.post(f"{path}/events", json=event)
    if response.status_code == 409 and response.json()["type"].endswith("/policy-violation"):
        approval = await _post(
            client,
            "/v1/approvals",
            {
                "kind": "policy_override",
                "subject_id": path.rsplit("/", 1)[1],
                "reason": "Demo book: concentrated business approved by the risk committee",
                "payload": {"amount": event["amount"]},
            },
        )
        await _post(checker, f"/v1/approvals/{approval['id']}/decision", {"decision": "approve"})
        return await _post(client, f"{path}/events", {**event, "approval_id": approval["id"]})
    if not response.is_success:
        raise DemoLoadError(
            f"POST {path}/events answered {response.status_code}: {response.text[:1000]}"
        )
    result: dict[str, Any] = response.json()
    return result


async def _load_customer(
    client: httpx.AsyncClient,
    checker: httpx.AsyncClient,
    plan: CustomerPlan,
    summary: LoadSummary,
) -> None:
    customer_id = (await _post(client, "/v1/customers", plan.body))["id"]
    summary.customers += 1
    for statement in plan.statements:
        await _post(client, f"/v1/customers/{customer_id}/financial-statements", statement)
        summary.statements += 1
    for event in plan.credit_events:
        await _post(client, f"/v1/customers/{customer_id}/credit-events", event)
        summary.credit_events += 1
    for interaction in plan.interactions:
        await _post(client, f"/v1/customers/{customer_id}/interactions", interaction)
        summary.interactions += 1
    for contract_plan in plan.contracts:
        contract = await _post(
            client, "/v1/contracts", {**contract_plan.body, "customer_id": customer_id}
        )
        path = f"/v1/contracts/{contract['id']}"
        for collateral in contract_plan.collaterals:
            await _post(client, f"{path}/collaterals", collateral)
            summary.collaterals += 1
        for event in contract_plan.events:
            contract = (await _record_event(client, checker, path, event))["contract"]
            summary.events += 1
        if contract["status"] != contract_plan.status:
            raise DemoLoadError(
                f"contract {contract_plan.body['contract_no']} ended {contract['status']}, "
                f"the book planned {contract_plan.status}"
            )
        summary.contracts[contract["status"]] += 1


async def load_demo(
    app: FastAPI, *, today: date | None = None, concurrency: int = 8
) -> LoadSummary:
    """Load the demo book into ``app``'s database (its lifespan must be running).

    Raises DatabaseNotEmpty when a customer exists already, DemoLoadError when the API
    refuses a request. Customers load concurrently, each one's records in order.
    """
    started = time.monotonic()
    secret = app.state.settings.auth_jwt_secret.get_secret_value()
    token = issue_token(secret, sub=ACTOR, scopes=[ADMIN_SCOPE], ttl_s=3600)
    # A second person for the approvals the book's concentrated contracts need.
    checker_token = issue_token(secret, sub=CHECKER, scopes=["approvals:decide"], ttl_s=3600)
    transport = httpx.ASGITransport(app=app)
    async with (
        httpx.AsyncClient(
            transport=transport,
            base_url="http://customer-api",
            headers={"Authorization": f"Bearer {token}"},
            timeout=60,
        ) as client,
        httpx.AsyncClient(
            transport=transport,
            base_url="http://customer-api",
            headers={"Authorization": f"Bearer {checker_token}"},
            timeout=60,
        ) as checker,
    ):
        response = await client.get("/v1/customers", params={"limit": 1})
        if not response.is_success:
            raise DemoLoadError(
                f"GET /v1/customers answered {response.status_code}: {response.text}"
            )
        if response.json()["items"]:
            raise DatabaseNotEmpty(
                "the database already has customers; the demo book was not loaded"
            )
        book = build_book(today or business_today())
        summary = LoadSummary(as_of=book.as_of)
        gate = asyncio.Semaphore(concurrency)

        async def one(plan: CustomerPlan) -> None:
            async with gate:
                await _load_customer(client, checker, plan, summary)

        try:
            async with asyncio.TaskGroup() as group:
                for plan in book.customers:
                    group.create_task(one(plan))
        except* DemoLoadError as failures:  # the first refusal says what is wrong
            raise failures.exceptions[0] from None
        for partner in PARTNERS:
            await _post(client, "/v1/partners", partner)
            summary.partners += 1
        for entry in WATCH_LIST:
            await _post(client, "/v1/industry-watch", entry)
            summary.watched_industries += 1
    summary.seconds = time.monotonic() - started
    return summary
