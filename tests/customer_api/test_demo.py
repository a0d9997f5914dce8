"""The demo book `make run` loads: written through the API, consistent, loaded only once."""

from __future__ import annotations

from collections import Counter
from datetime import date
from decimal import Decimal

import asyncpg
import httpx
import pytest
from fastapi import FastAPI

from customer_api.demo import ACTOR, DatabaseNotEmpty, build_book, load_demo
from guarantee_shared.clock import add_months, business_today
from guarantee_shared.identifiers import id_number_problem, industry_problem, uscc_problem
from tests.support.auth import bearer

STATUSES = {"pending", "active", "overdue", "compensated", "repaid", "closed", "written_off"}


def test_the_book_is_the_same_every_time_for_the_same_day() -> None:
    assert build_book(date(2026, 3, 15)) == build_book(date(2026, 3, 15))
    # Another day shifts the dates but keeps the shape: the same customers and statuses.
    other = build_book(date(2027, 3, 15))
    assert [c.body["credit_code"] for c in other.customers] == [
        c.body["credit_code"] for c in build_book(date(2026, 3, 15)).customers
    ]
    assert other.status_counts() == build_book(date(2026, 3, 15)).status_counts()


def test_the_book_has_valid_identifiers_and_spans_industries_and_groups() -> None:
    book = build_book(date(2026, 3, 15))
    bodies = [c.body for c in book.customers]
    assert all(uscc_problem(b["credit_code"]) is None for b in bodies)
    assert all(id_number_problem(b["legal_representative_id_number"]) is None for b in bodies)
    assert all(industry_problem(b["industry_code"]) is None for b in bodies)
    assert len({b["credit_code"] for b in bodies}) == len(bodies)
    assert len({b["industry_code"][0] for b in bodies}) >= 12
    # Every ownership and market position appears; larger firms lead more often.
    assert {b.get("ownership") for b in bodies} >= {
        "private", "state_owned", "foreign", "collective", "mixed", "other",
    }  # fmt: skip
    leaders = Counter(
        c.body.get("employees", 0) > 300 for c in book.customers
        if c.body.get("market_position") == "leader"
    )  # fmt: skip
    assert leaders[True] > leaders[False]
    groups = Counter(b.get("related_group") for b in bodies if b.get("related_group"))
    assert len(groups) >= 3
    assert all(3 <= n <= 5 for n in groups.values())
    employees = [b["employees"] for b in bodies]
    assert min(employees) < 10  # micro ...
    assert max(employees) > 1000  # ... through large


async def test_loading_the_demo_writes_a_consistent_book_once(
    app: FastAPI, db: asyncpg.Connection
) -> None:
    summary = await load_demo(app)

    assert await db.fetchval("SELECT count(*) FROM customer.customers") == 200
    assert summary.customers == 200
    rows = await db.fetch("SELECT DISTINCT status FROM customer.contracts")
    statuses = {r["status"] for r in rows}
    assert statuses == STATUSES
    assert sum(summary.contracts.values()) == await db.fetchval(
        "SELECT count(*) FROM customer.contracts"
    )

    # Each contract's figures are what its ledger says.
    events = await db.fetch(
        "SELECT contract_id, type, amount, status_after FROM customer.contract_events "
        "ORDER BY contract_id, seq"
    )
    ledgers: dict[object, list[asyncpg.Record]] = {}
    for event in events:
        ledgers.setdefault(event["contract_id"], []).append(event)
    contracts = await db.fetch("SELECT * FROM customer.contracts")
    for contract in contracts:
        ledger = ledgers.get(contract["id"], [])
        totals: Counter[str] = Counter()
        for event in ledger:
            totals[event["type"]] += event["amount"] or Decimal(0)
        drawn_less_repaid = totals["activate"] - totals["repayment"]
        if totals["compensation"]:
            assert contract["outstanding_balance"] == 0
        else:
            assert contract["outstanding_balance"] == drawn_less_repaid, contract["contract_no"]
        assert contract["compensated_amount"] == totals["compensation"]
        assert contract["recovered_amount"] == totals["recovery"]
        assert contract["loss_amount"] == totals["write_off"]
        assert contract["status"] == (ledger[-1]["status_after"] if ledger else "pending")
        if contract["status"] == "overdue":
            assert contract["overdue_since"] is not None
            assert contract["overdue_since"] <= business_today()
        if contract["status"] == "written_off":
            assert (
                contract["recovered_amount"] + contract["loss_amount"]
                == (contract["compensated_amount"])
            )

    # The book's weak spots are there for the warnings to find.
    weak = await db.fetchrow(
        "SELECT count(*) FILTER (WHERE net_profit < 0) AS losses,"
        " count(*) FILTER (WHERE operating_cash_flow < 0) AS negative_cash,"
        " count(*) FILTER (WHERE total_liabilities > 0.9 * total_assets) AS high_debt"
        " FROM customer.financial_statements"
    )
    assert weak["losses"] > 0
    assert weak["negative_cash"] > 0
    assert weak["high_debt"] > 0
    kinds = {r["kind"] for r in await db.fetch("SELECT kind FROM customer.credit_events")}
    assert {"litigation", "tax_credit_grade", "loan_overdue", "dishonest_executee"} <= kinds
    assert (
        await db.fetchval(
            "SELECT count(*) FROM customer.credit_events"
            " WHERE kind = 'dishonest_executee' AND resolved_on IS NULL"
        )
        > 0
    )
    assert await db.fetchval("SELECT count(DISTINCT kind) FROM customer.collaterals") >= 6

    # Written through the API: every customer and contract has its audit entry by the loader.
    audited = await db.fetchval(
        "SELECT count(*) FROM customer.audit_log"
        " WHERE actor = $1 AND entity_type IN ('customer', 'contract') AND action = 'create'",
        ACTOR,
    )
    assert audited == 200 + len(contracts)
    # Its concentrated contracts were activated on overrides a second person approved.
    overrides = await db.fetch(
        "SELECT requested_by, decision, decided_by, consumed_at FROM customer.approvals"
    )
    assert overrides
    assert {(o["requested_by"], o["decision"], o["decided_by"]) for o in overrides} == {
        (ACTOR, "approve", "demo-risk-officer")
    }
    # Customers load concurrently: as other contracts close, an activation refused at first
    # may pass on its retry, and an override is used up only when it was needed.
    assert any(o["consumed_at"] is not None for o in overrides)

    await _each_partner_sees_the_customers_its_names_finance(app, db)
    assert summary.partners == 2

    # The watch-list is there, and the book has customers it applies to.
    assert summary.watched_industries == 3
    watched = await db.fetch(
        "SELECT DISTINCT w.level FROM customer.industry_watch w"
        " JOIN customer.customers cu ON starts_with(cu.industry_code, w.industry_prefix)"
    )
    assert {r["level"] for r in watched} == {"watch", "restricted", "prohibited"}

    # Interactions were recorded, and some promised follow-ups were missed.
    assert summary.interactions == await db.fetchval("SELECT count(*) FROM customer.interactions")
    assert summary.interactions > 100
    client = httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://t", headers=bearer("admin")
    )
    async with client:
        signals = await client.get(
            "/v1/portfolio/signals", params={"kind": ["follow_up_overdue", "industry_watch"]}
        )
    assert {s["kind"] for s in signals.json()["items"]} == {"follow_up_overdue", "industry_watch"}

    with pytest.raises(DatabaseNotEmpty):
        await load_demo(app)
    assert await db.fetchval("SELECT count(*) FROM customer.customers") == 200


async def _each_partner_sees_the_customers_its_names_finance(
    app: FastAPI, db: asyncpg.Connection
) -> None:
    """The demo's two partners own names its contracts use: each sees a customer its branch
    finances (once rated), and not one only the other bank finances."""
    query = (
        "SELECT p.code, array_agg(DISTINCT c.customer_id) AS customers"
        " FROM customer.partners p"
        " JOIN customer.partner_lenders l ON l.partner_id = p.id"
        " JOIN customer.contracts c ON c.lender = l.lender"
        " WHERE c.released_on IS NULL OR c.released_on >= $1 GROUP BY p.code"
    )
    recent = await db.fetch(query, add_months(business_today(), -24))
    ever = await db.fetch(query, date.min)
    by_code = {row["code"]: set(row["customers"]) for row in recent}
    assert set(by_code) == {"icbc", "ccb"}
    ccb_ever = next(set(row["customers"]) for row in ever if row["code"] == "ccb")
    only_icbc = sorted(by_code["icbc"] - ccb_ever)
    assert only_icbc, "no customer of the demo is financed by ICBC alone"
    customer_id = only_icbc[0]
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://test", headers=bearer("admin")
    ) as client:
        rated = await client.post(f"/v1/customers/{customer_id}/rate")
        assert rated.status_code == 201, rated.text
        code = (await client.get(f"/v1/customers/{customer_id}")).json()["credit_code"]
        icbc = await client.get(
            f"/v1/ratings/{code}", headers=bearer("ratings:read", partner="icbc")
        )
        ccb = await client.get(f"/v1/ratings/{code}", headers=bearer("ratings:read", partner="ccb"))
    assert (icbc.status_code, ccb.status_code) == (200, 404)
