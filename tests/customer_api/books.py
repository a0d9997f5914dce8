"""Crafted books for the portfolio tests, written straight into the database.

The portfolio endpoints only read, so their tests need not go through the contract routes: a
:class:`Book` inserts customers, contracts with their ledger, collateral, statements and credit
events. A contract's events are replayed through the docs/CONTRACT.md state machine so its stored
status, balances and ``released_on`` agree with its ledger, as the contracts API would leave
them.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

import asyncpg

from tests.support.factories import credit_code

ZERO = Decimal(0)
Event = tuple[str, str | int | None, str]  # (type, amount, occurred_on)


@dataclass
class _State:
    principal: Decimal
    ratio: Decimal
    status: str = "pending"
    balance: Decimal = ZERO
    overdue_amount: Decimal = ZERO
    overdue_since: date | None = None
    compensated: Decimal = ZERO
    recovered: Decimal = ZERO
    lost: Decimal = ZERO
    activated_on: date | None = None
    released_on: date | None = None
    ledger: list[tuple[str, Decimal | None, date, str, Decimal]] = field(default_factory=list)

    def leave_force(self, status: str, on: date) -> None:
        self.status, self.balance, self.released_on = status, ZERO, on
        self.overdue_amount, self.overdue_since = ZERO, None

    def apply(self, kind: str, amount: Decimal | None, on: date) -> None:
        allowed = {
            "activate": {"pending"},
            "repayment": {"active", "overdue"},
            "overdue": {"active", "overdue"},
            "cure": {"overdue"},
            "compensation": {"active", "overdue"},
            "recovery": {"compensated"},
            "write_off": {"compensated"},
            "close": {"repaid", "compensated"},
        }[kind]
        assert self.status in allowed, f"{kind} is not allowed from {self.status}"
        value = amount or ZERO
        if kind == "activate":
            assert value <= self.principal
            self.status, self.balance, self.activated_on = "active", value, on
        elif kind == "repayment":
            assert value <= self.balance
            self.balance -= value
            self.overdue_amount = max(ZERO, self.overdue_amount - value)
            if self.balance == ZERO:
                self.leave_force("repaid", on)
        elif kind == "overdue":
            assert value <= self.balance
            if self.status != "overdue":
                self.overdue_since = on
            self.status, self.overdue_amount = "overdue", value
        elif kind == "cure":
            self.status, self.overdue_amount, self.overdue_since = "active", ZERO, None
        elif kind == "compensation":
            assert value <= self.balance * self.ratio
            self.compensated += value
            self.leave_force("compensated", on)
        elif kind in ("recovery", "write_off"):
            assert value <= self.compensated - self.recovered - self.lost
            if kind == "recovery":
                self.recovered += value
            else:
                self.lost += value
                if self.compensated == self.recovered + self.lost:
                    self.status = "written_off"
        else:
            self.status = "closed"
        self.ledger.append((kind, amount, on, self.status, self.balance))


class Book:
    """Inserts a book of business through a raw connection (the test's ``db`` fixture)."""

    def __init__(self, db: asyncpg.Connection) -> None:
        self.db = db
        self._contracts = 0

    async def customer(
        self,
        name: str,
        *,
        risk_tier: str | None = None,
        customer_class: str | None = None,
        size_class: str | None = None,
        industry_section: str | None = None,
        related_group: str | None = None,
        credit_grade: str | None = None,
        next_review_due: str | None = None,
        status: str = "active",
        region_code: str | None = None,
    ) -> uuid.UUID:
        customer_id = uuid.uuid4()
        await self.db.execute(
            """INSERT INTO customer.customers (id, name, credit_code, industry_code,
                   industry_section, related_group, status, size_class, customer_class,
                   risk_tier, credit_grade, next_review_due, region_code, version)
               VALUES ($1, $2, $3, $4, $4, $5, $6, $7, $8, $9, $10, $11, $12, 1)""",
            customer_id, name, credit_code(), industry_section, related_group, status,
            size_class, customer_class, risk_tier, credit_grade,
            date.fromisoformat(next_review_due) if next_review_due else None, region_code,
        )  # fmt: skip
        return customer_id

    async def contract(
        self,
        customer_id: uuid.UUID,
        *,
        principal: str | int,
        events: list[Event],
        product: str = "loan",
        lender: str = "Bank X",
        guarantee_ratio: str | int = 1,
        start_date: str = "2020-01-01",
        maturity_date: str = "2030-12-31",
        fee_rate: str | None = None,
    ) -> uuid.UUID:
        """A contract whose stored state is its ``events`` replayed from ``pending``."""
        state = _State(principal=Decimal(principal), ratio=Decimal(guarantee_ratio))
        for kind, amount, on in events:
            state.apply(kind, None if amount is None else Decimal(amount), date.fromisoformat(on))
        self._contracts += 1
        contract_id = uuid.uuid4()
        await self.db.execute(
            """INSERT INTO customer.contracts (id, customer_id, contract_no, lender, product,
                   principal, guarantee_ratio, start_date, maturity_date, status,
                   outstanding_balance, overdue_amount, overdue_since, compensated_amount,
                   recovered_amount, loss_amount, activated_on, released_on, fee_rate, version)
               VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16,
                   $17, $18, $19, 1)""",
            contract_id, customer_id, f"BK-{self._contracts:04d}-{contract_id.hex[:6]}", lender,
            product, state.principal, state.ratio, date.fromisoformat(start_date),
            date.fromisoformat(maturity_date), state.status, state.balance, state.overdue_amount,
            state.overdue_since, state.compensated, state.recovered, state.lost,
            state.activated_on, state.released_on, None if fee_rate is None else Decimal(fee_rate),
        )  # fmt: skip
        await self.db.executemany(
            """INSERT INTO customer.contract_events (contract_id, seq, type, amount, occurred_on,
                   status_after, balance_after, actor)
               VALUES ($1, $2, $3, $4, $5, $6, $7, 'book@example.com')""",
            [
                (contract_id, seq, kind, amount, on, status_after, balance_after)
                for seq, (kind, amount, on, status_after, balance_after) in enumerate(
                    state.ledger, start=1
                )
            ],
        )
        return contract_id

    async def collateral(
        self, contract_id: uuid.UUID, *, kind: str, appraised_value: str | int, haircut: str
    ) -> None:
        await self.db.execute(
            """INSERT INTO customer.collaterals (id, contract_id, kind, appraised_value, haircut,
                   version)
               VALUES ($1, $2, $3, $4, $5, 1)""",
            uuid.uuid4(), contract_id, kind, Decimal(appraised_value), Decimal(haircut),
        )  # fmt: skip

    async def rating(
        self, customer_id: uuid.UUID, *, pd: str, rated_at: str = "2026-06-01T00:00:00+00:00"
    ) -> None:
        """A rating in the history whose result carries ``pd`` (the figure EL reads)."""
        await self.db.execute(
            """INSERT INTO customer.ratings (id, customer_id, rated_at, as_of, request_hash,
                   model_version, score, credit_grade, risk_tier, customer_class, size_class,
                   result, actor)
               VALUES ($1, $2, $3, $4, 'book', 'v1', 600, 'BB', 'medium', 'general', 'small',
                   $5::jsonb, 'book@example.com')""",
            uuid.uuid4(), customer_id, datetime.fromisoformat(rated_at),
            datetime.fromisoformat(rated_at).date(), json.dumps({"pd": float(pd)}),
        )  # fmt: skip

    async def statement(
        self,
        customer_id: uuid.UUID,
        *,
        period_end: str,
        revenue: str | int,
        total_assets: str | int = 50_000_000,
        total_liabilities: str | int = 30_000_000,
        operating_cash_flow: str | int = 4_000_000,
        period_type: str = "annual",
    ) -> uuid.UUID:
        statement_id = uuid.uuid4()
        assets, liabilities = Decimal(total_assets), Decimal(total_liabilities)
        await self.db.execute(
            """INSERT INTO customer.financial_statements (id, customer_id, period_end,
                   period_type, audited, total_assets, total_liabilities, equity,
                   current_assets, current_liabilities, cash, revenue, net_profit,
                   operating_cash_flow, version)
               VALUES ($1, $2, $3, $4, TRUE, $5, $6, $7, $8, $9, 0, $10, 0, $11, 1)""",
            statement_id, customer_id, date.fromisoformat(period_end), period_type, assets,
            liabilities, assets - liabilities, assets / 2, liabilities / 2, Decimal(revenue),
            Decimal(operating_cash_flow),
        )  # fmt: skip
        return statement_id

    async def credit_event(
        self,
        customer_id: uuid.UUID,
        *,
        kind: str,
        occurred_on: str,
        grade: str | None = None,
        resolved_on: str | None = None,
        source: str = "other",
    ) -> uuid.UUID:
        event_id = uuid.uuid4()
        await self.db.execute(
            """INSERT INTO customer.credit_events (id, customer_id, source, kind, occurred_on,
                   grade, detail, resolved_on, version)
               VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 1)""",
            event_id, customer_id, source, kind, date.fromisoformat(occurred_on), grade,
            f"{kind} reported", date.fromisoformat(resolved_on) if resolved_on else None,
        )  # fmt: skip
        return event_id
