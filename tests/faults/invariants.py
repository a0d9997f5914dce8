"""What must hold in customer-api's database after any load, faults or not.

Each check returns the problems it found (empty when all is well), so one failing test shows
every broken invariant at once:

* the ledger: every contract's balances are what its events imply (in SQL, and by replaying
  the ledger through the state machine itself), nothing negative, compensation within bounds,
  versions and sequence numbers counting the events, one audit entry per change;
* the accounting against the load: the database holds exactly the writes that were answered
  2xx — none lost, none extra, none applied twice — and an idempotency key exactly for each.
"""

from __future__ import annotations

import asyncio
import json
from collections import Counter
from dataclasses import fields
from decimal import Decimal
from typing import Any

import asyncpg

from customer_api.contracts import statemachine
from customer_api.contracts.schemas import ContractStatus, EventType
from guarantee_shared.errors import Conflict
from tests.faults.load import Load
from tests.support.database import asyncpg_dsn

# Every contract whose stored figures differ from what its ledger implies, or that breaks a
# bound. A contract leaves force (balance 0) by repayment to zero or by compensation; the
# compensation figures are the sums of their events; versions and seqs count the events.
LEDGER_MISMATCHES = """
WITH ledger AS (
    SELECT contract_id,
           coalesce(sum(amount) FILTER (WHERE type = 'activate'), 0) AS drawn,
           coalesce(sum(amount) FILTER (WHERE type = 'repayment'), 0) AS repaid,
           coalesce(sum(amount) FILTER (WHERE type = 'compensation'), 0) AS compensated,
           coalesce(sum(amount) FILTER (WHERE type = 'recovery'), 0) AS recovered,
           coalesce(sum(amount) FILTER (WHERE type = 'write_off'), 0) AS written_off,
           bool_or(type = 'compensation') AS compensated_once,
           count(*) AS events,
           max(seq) AS last_seq
    FROM customer.contract_events
    GROUP BY contract_id
)
SELECT c.id, c.status, c.outstanding_balance, c.overdue_amount, c.compensated_amount,
       c.recovered_amount, c.loss_amount, c.version, l.drawn, l.repaid, l.compensated,
       l.recovered, l.written_off, l.events, l.last_seq
FROM customer.contracts c
LEFT JOIN ledger l ON l.contract_id = c.id
WHERE c.outstanding_balance <> CASE WHEN coalesce(l.compensated_once, false) THEN 0
                                    ELSE coalesce(l.drawn, 0) - coalesce(l.repaid, 0) END
   OR c.compensated_amount <> coalesce(l.compensated, 0)
   OR c.recovered_amount <> coalesce(l.recovered, 0)
   OR c.loss_amount <> coalesce(l.written_off, 0)
   OR c.version <> 1 + coalesce(l.events, 0)
   OR coalesce(l.last_seq, 0) <> coalesce(l.events, 0)
   OR c.outstanding_balance < 0
   OR c.outstanding_balance > c.principal
   OR c.overdue_amount < 0
   OR c.overdue_amount > c.outstanding_balance
   OR c.recovered_amount < 0 OR c.loss_amount < 0
   OR c.recovered_amount + c.loss_amount > c.compensated_amount
   OR (l.events IS NULL AND c.status <> 'pending')
"""

# The last ledger entry records the state the contract is in.
LAST_EVENT_MISMATCHES = """
SELECT c.id, c.status, c.outstanding_balance, last.status_after, last.balance_after
FROM customer.contracts c
JOIN LATERAL (
    SELECT status_after, balance_after FROM customer.contract_events e
    WHERE e.contract_id = c.id ORDER BY seq DESC LIMIT 1
) last ON true
WHERE last.status_after <> c.status OR last.balance_after <> c.outstanding_balance
"""

NEGATIVE_AMOUNTS = """
SELECT id, contract_id, seq, type, amount FROM customer.contract_events
WHERE amount < 0 OR balance_after < 0
"""

# One audit entry per change, written in the change's transaction.
AUDIT_COUNTS = """
SELECT
    (SELECT count(*) FROM customer.contract_events) AS events,
    (SELECT count(*) FROM customer.audit_log
        WHERE entity_type = 'contract' AND action LIKE 'event.%') AS event_audits,
    (SELECT count(*) FROM customer.contracts) AS contracts,
    (SELECT count(*) FROM customer.audit_log
        WHERE entity_type = 'contract' AND action = 'create') AS contract_audits,
    (SELECT count(*) FROM customer.ratings) AS ratings,
    (SELECT count(*) FROM customer.audit_log WHERE action = 'rate') AS rating_audits
"""

# A rating is the only change to a customer this load makes: its version counts them.
CUSTOMER_VERSIONS = """
SELECT c.id, c.version, count(r.id) AS ratings
FROM customer.customers c LEFT JOIN customer.ratings r ON r.customer_id = c.id
GROUP BY c.id, c.version
HAVING c.version <> 1 + count(r.id)
"""

TABLE_OF_KIND = {
    "customer": "customers",
    "statement": "financial_statements",
    "contract": "contracts",
    "rate": "ratings",
}


def _money(amount: Decimal | None) -> str | None:
    return None if amount is None else f"{amount:.2f}"


def _replay(contract: asyncpg.Record, events: list[asyncpg.Record]) -> list[str]:
    """The contract's ledger, event by event, through the state machine: it must accept every
    stored event and end in the stored state."""
    state = statemachine.ContractState(
        status=ContractStatus.pending,
        principal=contract["principal"],
        guarantee_ratio=contract["guarantee_ratio"],
        start_date=contract["start_date"],
        outstanding_balance=Decimal(0),
        overdue_amount=Decimal(0),
        overdue_since=None,
        compensated_amount=Decimal(0),
        recovered_amount=Decimal(0),
        loss_amount=Decimal(0),
        activated_on=None,
        released_on=None,
    )
    last_on = None
    for event in events:
        try:
            state = statemachine.apply(
                state,
                kind=EventType(event["type"]),
                amount=event["amount"],
                occurred_on=event["occurred_on"],
                last_occurred_on=last_on,
            )
        except Conflict as exc:
            return [
                f"contract {contract['id']} seq {event['seq']}: the ledger breaks a rule: {exc}"
            ]
        last_on = event["occurred_on"]
        if (
            state.status != event["status_after"]
            or state.outstanding_balance != event["balance_after"]
        ):
            return [f"contract {contract['id']} seq {event['seq']}: recorded {dict(event)}"]
    problems = []
    for name in (f.name for f in fields(statemachine.ContractState)):
        expected = getattr(state, name)
        if expected != contract[name]:  # a StrEnum equals its string, a Decimal its value
            problems.append(
                f"contract {contract['id']}: {name} is {contract[name]}, its ledger says {expected}"
            )
    return problems


async def _ledger(conn: asyncpg.Connection) -> list[str]:
    problems = [f"ledger mismatch: {dict(r)}" for r in await conn.fetch(LEDGER_MISMATCHES)]
    problems += [f"last event mismatch: {dict(r)}" for r in await conn.fetch(LAST_EVENT_MISMATCHES)]
    problems += [f"negative amount: {dict(r)}" for r in await conn.fetch(NEGATIVE_AMOUNTS)]
    problems += [f"customer version: {dict(r)}" for r in await conn.fetch(CUSTOMER_VERSIONS)]
    audit = await conn.fetchrow(AUDIT_COUNTS)
    for changes, audits in (
        ("events", "event_audits"),
        ("contracts", "contract_audits"),
        ("ratings", "rating_audits"),
    ):
        if audit[changes] != audit[audits]:
            problems.append(f"{audit[changes]} {changes} but {audit[audits]} audit entries")
    events: dict[Any, list[asyncpg.Record]] = {}
    for event in await conn.fetch("SELECT * FROM customer.contract_events ORDER BY seq"):
        events.setdefault(event["contract_id"], []).append(event)
    for contract in await conn.fetch("SELECT * FROM customer.contracts"):
        problems += _replay(contract, events.get(contract["id"], []))
    return problems


async def _accounting(conn: asyncpg.Connection, load: Load) -> list[str]:
    writes = [op for op in load.ops if op.key is not None]
    problems = [
        f"unresolved write: {op.method} {op.path}, attempts {[a.status for a in op.attempts]}"
        for op in writes
        if op.status is None
    ]
    created = [op for op in writes if op.created]
    for kind, table in TABLE_OF_KIND.items():
        answered = {op.answer["id"] for op in created if op.kind == kind}
        stored = {str(r["id"]) for r in await conn.fetch(f"SELECT id FROM customer.{table}")}
        if answered != stored:
            problems.append(
                f"{table}: {len(answered - stored)} answered 2xx but not stored, "
                f"{len(stored - answered)} stored but never answered 2xx"
            )
    # An event is known by its place in its contract's ledger; what the answer said is there.
    answered_events = {
        (e["contract_id"], e["seq"], e["type"], e["amount"], e["balance_after"])
        for e in (op.answer["event"] for op in created if op.kind == "event")
    }
    stored_events = {
        (
            str(r["contract_id"]),
            r["seq"],
            r["type"],
            _money(r["amount"]),
            _money(r["balance_after"]),
        )
        for r in await conn.fetch("SELECT * FROM customer.contract_events")
    }
    if answered_events != stored_events:
        problems.append(
            f"contract events: {len(answered_events - stored_events)} answered 2xx but not "
            f"stored, {len(stored_events - answered_events)} stored but never answered 2xx"
        )
    # An idempotency key exactly for each write that was answered 2xx, naming what it made.
    keys = {r["key"]: r for r in await conn.fetch("SELECT * FROM customer.idempotency_keys")}
    answered_keys = Counter(op.key for op in created)
    if set(keys) != set(answered_keys):
        problems.append(
            f"idempotency keys: {len(set(answered_keys) - set(keys))} answered 2xx without a "
            f"key row, {len(set(keys) - set(answered_keys))} key rows for no 2xx answer"
        )
    for op in created:
        row = keys.get(op.key or "")
        if row is not None and json.loads(row["response_body"]) != op.answer:
            problems.append(f"key {op.key}: stored answer differs from the one given")
    return problems


def check(database_url: str, load: Load) -> list[str]:
    """Every invariant of the module docstring, on the database after ``load``."""

    async def run() -> list[str]:
        conn = await asyncpg.connect(asyncpg_dsn(database_url))
        try:
            return await _ledger(conn) + await _accounting(conn, load)
        finally:
            await conn.close()

    return asyncio.run(run())


def answers(load: Load) -> Counter[str]:
    """How the service answered, for messages: status (or the transport error) -> count."""
    return Counter(
        str(a.status) if a.status is not None else (a.error or "?").split(":")[0]
        for a in load.attempts()
    )
