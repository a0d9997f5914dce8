"""Mixed load on a real customer-api from a thread pool, every request and answer recorded.

Every write carries its own ``Idempotency-Key``, and a write answered 503 (or not answered) is
sent again with the same key until it gets another answer: the way a careful client settles a
write that may or may not have been committed. So every write ends *resolved* — created (2xx,
possibly a replay of the first attempt's committed answer) or refused (4xx) — and the database
must hold exactly the resolved 2xx writes, which tests/faults/invariants.py checks.

The load works on a shared pool of contracts, several threads on the same contract at once, so
ledger events race for its row lock; the next event for a contract is chosen from the status
the last answer showed (a guess: other threads move it too, and the state machine's 409s are
part of the load).
"""

from __future__ import annotations

import random
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import httpx

from tests.support.factories import contract_body, customer_body, statement_body

# How long a write keeps being retried with its key while the database is away, and the pause
# between tries; generous, since a wait that ends is no assertion.
RESOLVE_S = 120.0
RETRY_PAUSE_S = 0.1
# Within the policy an activation must pass (docs/DOMAIN.md §14) for a customer of
# statement_body's figures with one or a few contracts: the least limit (tier high) is 4,000,000.
PRINCIPAL = "1000000.00"
START_DATE = "2026-01-10"
ACTIVATED_ON = "2026-01-15"
LEDGER_DAY = "2026-02-01"  # every later event: the ledger only needs dates in order
IN_FLIGHT = "still in flight"  # the 409 detail of a key whose first request is not finished


@dataclass
class Attempt:
    status: int | None  # None: no answer (a transport error)
    content_type: str = ""
    retry_after: str | None = None
    error: str | None = None


@dataclass
class Op:
    kind: str  # customer, statement, contract, event, rate, read
    method: str
    path: str
    body: dict[str, Any] | None
    key: str | None
    attempts: list[Attempt] = field(default_factory=list)
    status: int | None = None  # the final answer's; None while unresolved
    answer: Any = None

    @property
    def created(self) -> bool:
        return self.status is not None and 200 <= self.status < 300


@dataclass
class ContractSlot:
    id: str
    status: str = "pending"


class Load:
    """The shared pools, the record of every op, and how one op is sent and resolved."""

    def __init__(self, url: str, headers: dict[str, str], *, seed: int) -> None:
        self.url = url
        self.headers = headers
        self.seed = seed
        self.ops: list[Op] = []
        self.customers: list[str] = []
        self.contracts: list[ContractSlot] = []
        self._lock = threading.Lock()

    # -- sending -----------------------------------------------------------------------------

    def send(self, client: httpx.Client, kind: str, method: str, path: str, body: Any = None) -> Op:
        write = method != "GET"
        op = Op(kind, method, path, body, uuid.uuid4().hex if write else None)
        with self._lock:
            self.ops.append(op)
        self.resolve(client, op, deadline=time.monotonic() + RESOLVE_S)
        return op

    def resolve(self, client: httpx.Client, op: Op, *, deadline: float) -> None:
        """Send ``op`` until it gets an answer other than 503 (or the in-flight 409), or the
        deadline passes (then it stays unresolved)."""
        headers = {"Idempotency-Key": op.key} if op.key else {}
        while True:
            try:
                response = client.request(op.method, op.path, json=op.body, headers=headers)
            except httpx.TransportError as exc:
                op.attempts.append(Attempt(None, error=f"{type(exc).__name__}: {exc}"))
            else:
                op.attempts.append(
                    Attempt(
                        response.status_code,
                        response.headers.get("content-type", ""),
                        response.headers.get("retry-after"),
                    )
                )
                if not _retryable(response):
                    op.status = response.status_code
                    op.answer = response.json() if response.content else None
                    return
            if time.monotonic() > deadline:
                return
            time.sleep(RETRY_PAUSE_S)

    def resolve_all(self, client: httpx.Client) -> None:
        """Settle every write the load left unresolved (its thread was stopped mid-retry)."""
        deadline = time.monotonic() + RESOLVE_S
        for op in list(self.ops):
            if op.status is None:
                self.resolve(client, op, deadline=deadline)

    # -- what to send ------------------------------------------------------------------------

    def new_customer(self, client: httpx.Client) -> None:
        op = self.send(client, "customer", "POST", "/v1/customers", customer_body())
        if op.created:
            customer_id = op.answer["id"]
            # An audited statement, so that rating the customer has figures to score.
            self.send(
                client,
                "statement",
                "POST",
                f"/v1/customers/{customer_id}/financial-statements",
                statement_body(),
            )
            with self._lock:
                self.customers.append(customer_id)

    def new_contract(self, client: httpx.Client, rng: random.Random) -> None:
        with self._lock:
            customer_id = rng.choice(self.customers) if self.customers else None
        if customer_id is None:
            return self.new_customer(client)
        body = contract_body(
            customer_id,
            principal=PRINCIPAL,
            start_date=START_DATE,
            guarantee_ratio=rng.choice([1, 0.8, 0.5]),
        )
        op = self.send(client, "contract", "POST", "/v1/contracts", body)
        if op.created:
            with self._lock:
                self.contracts.append(ContractSlot(op.answer["id"]))

    def event(self, client: httpx.Client, rng: random.Random, *, full_cycle: bool) -> None:
        """One ledger event on a random contract of the pool. ``full_cycle`` adds compensation,
        recovery, write-off and close to activation, repayments, overdue and cure."""
        with self._lock:
            live = [c for c in self.contracts if c.status not in ("closed", "written_off")]
            slot = rng.choice(live) if live else None
        if slot is None:
            return self.new_contract(client, rng)
        kind, amount = _next_event(slot.status, rng, full_cycle=full_cycle)
        body: dict[str, Any] = {
            "type": kind,
            "occurred_on": ACTIVATED_ON if kind == "activate" else LEDGER_DAY,
        }
        if amount is not None:
            body["amount"] = amount
        op = self.send(client, "event", "POST", f"/v1/contracts/{slot.id}/events", body)
        if op.created:
            slot.status = op.answer["contract"]["status"]
        elif op.status == 409 and isinstance(op.answer, dict):
            slot.status = op.answer.get("contract_status", slot.status)

    def rate(self, client: httpx.Client, rng: random.Random) -> None:
        with self._lock:
            customer_id = rng.choice(self.customers) if self.customers else None
        if customer_id is not None:
            self.send(client, "rate", "POST", f"/v1/customers/{customer_id}/rate")

    def read(self, client: httpx.Client, rng: random.Random) -> None:
        with self._lock:
            slot = rng.choice(self.contracts) if self.contracts else None
            customer_id = rng.choice(self.customers) if self.customers else None
        paths = ["/v1/portfolio/indicators", "/v1/contracts?limit=50"]
        if slot is not None:
            paths += [f"/v1/contracts/{slot.id}", f"/v1/contracts/{slot.id}/events?limit=500"]
        if customer_id is not None:
            paths += [f"/v1/customers/{customer_id}", f"/v1/customers/{customer_id}/ratings"]
        self.send(client, "read", "GET", rng.choice(paths))

    # -- running -----------------------------------------------------------------------------

    @contextmanager
    def running(
        self, step: Callable[[httpx.Client, random.Random], None], *, threads: int
    ) -> Iterator[threading.Event]:
        """``step`` in a loop on ``threads`` threads until the block ends; yields the stop
        event. A thread's exception fails the block (after the others have stopped)."""
        stop = threading.Event()

        def loop(index: int) -> None:
            rng = random.Random(self.seed * 1000 + index)
            with self.client() as client:
                while not stop.is_set():
                    step(client, rng)

        with ThreadPoolExecutor(max_workers=threads) as pool:
            futures = [pool.submit(loop, i) for i in range(threads)]
            try:
                yield stop
            finally:
                stop.set()
            for future in futures:
                future.result()

    def client(self) -> httpx.Client:
        return httpx.Client(base_url=self.url, headers=self.headers, timeout=RESOLVE_S)

    # -- what happened -----------------------------------------------------------------------

    def attempts(self) -> list[Attempt]:
        return [a for op in list(self.ops) for a in list(op.attempts)]

    def count(self, predicate: Callable[[Attempt], bool]) -> int:
        return sum(1 for op in list(self.ops) for a in list(op.attempts) if predicate(a))

    def successes(self) -> int:
        return self.count(lambda a: a.status is not None and 200 <= a.status < 300)


def _retryable(response: httpx.Response) -> bool:
    if response.status_code == 503:
        return True
    return response.status_code == 409 and IN_FLIGHT in response.text


def _next_event(status: str, rng: random.Random, *, full_cycle: bool) -> tuple[str, str | None]:
    small = f"{rng.randrange(100, 100_000) / 100:.2f}"
    if status == "pending":
        return "activate", PRINCIPAL
    if status == "active":
        if full_cycle and rng.random() < 0.06:
            return "compensation", "5000.00"
        return ("overdue", "2000.00") if rng.random() < 0.15 else ("repayment", small)
    if status == "overdue":
        roll = rng.random()
        if full_cycle and roll < 0.1:
            return "compensation", "5000.00"
        if roll < 0.5:
            return "cure", None
        return ("overdue", "3000.00") if roll < 0.6 else ("repayment", small)
    if status == "compensated":
        # Whole thousands of a compensation of 5000: recoveries and write-offs settle it exactly,
        # ending written off (a write-off took the last of it) or closable.
        roll = rng.random()
        if roll < 0.4:
            return "recovery", "1000.00"
        return ("write_off", "1000.00") if roll < 0.8 else ("close", None)
    return "close", None  # repaid
