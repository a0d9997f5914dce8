"""Plans one guarantee contract of the demo book: its terms, collateral and an event ledger that
ends in a chosen status while obeying the state machine of docs/CONTRACT.md.

Every date lies on or before ``today`` (the day the book is loaded) except a pending contract's
start, and each ledger is in date order, so the service accepts it as it would live input.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_DOWN, Decimal
from typing import Any

Json = dict[str, Any]

# Share of the contracts in each status, by the customer's health (see book.py). The book as a
# whole lands near the warning levels of docs/DOMAIN.md §10, so a demo shows live alerts.
STATUS_WEIGHTS: dict[str, dict[str, float]] = {
    "strong": {"pending": 8, "active": 55, "repaid": 20, "closed": 17},
    "normal": {
        "pending": 8, "active": 52, "repaid": 18, "closed": 18, "overdue": 3,
        "compensated": 0.7, "written_off": 0.5,
    },
    "weak": {
        "pending": 6, "active": 40, "repaid": 12, "closed": 12, "overdue": 16,
        "compensated": 7, "written_off": 7,
    },
}  # fmt: skip

COLLATERAL_KINDS = {
    "real_estate": (30, "厂房及土地使用权抵押"),
    "equipment": (15, "生产设备抵押"),
    "receivables": (15, "应收账款质押"),
    "equity_pledge": (10, "股权质押"),
    "deposit": (10, "保证金"),
    "personal_guarantee": (10, "实际控制人个人连带责任保证"),
    "corporate_guarantee": (8, "关联企业连带责任保证"),
    "other": (2, "存货质押"),
}

NOTES = {
    "activate": "放款",
    "repayment": "按期还款",
    "overdue": "借款人逾期",
    "cure": "逾期款项已结清",
    "compensation": "代偿",
    "recovery": "追偿回款",
    "write_off": "代偿损失核销",
    "close": "解保",
}

CENT = Decimal("0.01")


def round_down(value: Decimal, step: Decimal) -> Decimal:
    return (value / step).to_integral_value(rounding=ROUND_DOWN) * step


def money(value: Decimal) -> str:
    return str(value.quantize(CENT))


def spread(rng: random.Random, after: date, until: date, count: int) -> list[date]:
    """Up to ``count`` distinct dates in ``(after, until]``, in order."""
    span = (until - after).days
    if span <= 0 or count <= 0:
        return []
    offsets = sorted(rng.sample(range(1, span + 1), min(count, span)))
    return [after + timedelta(days=offset) for offset in offsets]


@dataclass(frozen=True)
class ContractPlan:
    body: Json  # the POST /v1/contracts body without customer_id
    collaterals: tuple[Json, ...]
    events: tuple[Json, ...]
    status: str  # the status the ledger ends in


@dataclass
class _Ledger:
    """Tracks the balance as events are added, so every amount is within the service's bounds."""

    rng: random.Random
    ratio: Decimal
    events: list[Json] = field(default_factory=list)
    balance: Decimal = Decimal(0)
    compensated: Decimal = Decimal(0)
    settled: Decimal = Decimal(0)  # recovered + written off

    def add(self, kind: str, on: date, amount: Decimal | None = None) -> None:
        event: Json = {"type": kind, "occurred_on": on.isoformat(), "note": NOTES[kind]}
        if amount is not None:
            event["amount"] = money(amount)
        self.events.append(event)

    def activate(self, on: date, drawn: Decimal) -> None:
        self.balance = drawn
        self.add("activate", on, drawn)

    def repay(self, on: date, amount: Decimal) -> None:
        self.balance -= amount
        self.add("repayment", on, amount)

    def part(self, low: float, high: float, step: Decimal = Decimal(1000)) -> Decimal:
        """A slice of the balance, at least one step and leaving at least one step."""
        share = Decimal(str(round(self.rng.uniform(low, high), 3)))
        amount = max(step, round_down(self.balance * share, step))
        return min(amount, self.balance - step)

    def overdue(self, on: date, low: float = 0.1, high: float = 0.6) -> None:
        self.add("overdue", on, max(Decimal(1000), self.part(low, high)))

    def compensate(self, on: date) -> None:
        self.compensated = round_down(self.balance * self.ratio, CENT)
        self.balance = Decimal(0)
        self.add("compensation", on, self.compensated)

    def recover(self, on: date, amount: Decimal) -> None:
        self.settled += amount
        self.add("recovery", on, amount)

    def write_off(self, on: date, amount: Decimal) -> None:
        self.settled += amount
        self.add("write_off", on, amount)


def _active(led: _Ledger, rng: random.Random, start: date, today: date) -> None:
    # Some carry an overdue that was cured: history, but no live arrears.
    episode = 2 if rng.random() < 0.15 else 0
    dates = spread(
        rng, start + timedelta(days=20), today - timedelta(days=1), rng.randint(0, 3) + episode
    )
    first = rng.randrange(len(dates) - 1) if episode and len(dates) >= 2 else -2
    for i, on in enumerate(dates):
        if i == first:
            led.overdue(on, 0.1, 0.3)
        elif i == first + 1:
            led.add("cure", on)
        else:  # never between an overdue and its cure: the arrears would exceed the balance
            led.repay(on, led.part(0.05, 0.2))


def _overdue(led: _Ledger, rng: random.Random, start: date, today: date) -> None:
    days_overdue = rng.randint(3, min(270, (today - start).days - 40))
    since = today - timedelta(days=days_overdue)
    for on in spread(rng, start, since - timedelta(days=1), rng.randint(0, 2)):
        led.repay(on, led.part(0.05, 0.2))
    led.overdue(since, 0.2, 0.9)
    if days_overdue > 10 and rng.random() < 0.3:  # the arrears grew since they began
        led.overdue(since + timedelta(days=rng.randint(5, days_overdue - 1)), 0.9, 1.0)


def _repaid(led: _Ledger, rng: random.Random, start: date, end: date) -> date:
    dates = spread(rng, start + timedelta(days=10), end, rng.randint(1, 4))
    for on in dates[:-1]:
        led.repay(on, led.part(0.1, 0.35))
    led.repay(dates[-1], led.balance)
    return dates[-1]


def _defaulted(led: _Ledger, rng: random.Random, start: date, today: date) -> date:
    """Overdue, then compensated (代偿); returns the compensation date."""
    since = start + timedelta(days=rng.randint(40, (today - start).days - 120))
    led.overdue(since, 0.3, 1.0)
    paid_on = min(since + timedelta(days=rng.randint(30, 90)), today - timedelta(days=30))
    led.compensate(paid_on)
    return paid_on


def _recover(led: _Ledger, rng: random.Random, after: date, today: date, share: float) -> date:
    """One or two recoveries totalling ``share`` of the compensation; returns the last date."""
    target = round_down(led.compensated * Decimal(str(round(share, 3))), CENT)
    if target <= 0:
        return after
    dates = spread(rng, after, today - timedelta(days=1), rng.randint(1, 2))
    first = round_down(target * Decimal("0.6"), CENT) if len(dates) == 2 else target
    led.recover(dates[0], first)
    if len(dates) == 2:
        led.recover(dates[1], target - first)
    return dates[-1]


def _ledger(
    status: str,
    led: _Ledger,
    rng: random.Random,
    start: date,
    term: int,
    today: date,
    drawn: Decimal,
) -> None:
    if status == "pending":
        return
    led.activate(start, drawn)
    if status == "active":
        _active(led, rng, start, today)
    elif status == "overdue":
        _overdue(led, rng, start, today)
    elif status in ("repaid", "closed") and not (status == "closed" and rng.random() < 0.15):
        end = min(start + timedelta(days=term), today - timedelta(days=5))
        last = _repaid(led, rng, start, end)
        if status == "closed":
            led.add("close", min(last + timedelta(days=rng.randint(1, 30)), today))
    else:  # compensated, written_off, or closed after a fully recovered compensation
        paid_on = _defaulted(led, rng, start, today)
        share = {"compensated": rng.uniform(0, 0.6), "written_off": rng.uniform(0, 0.5)}
        last = _recover(led, rng, paid_on, today, share.get(status, 1.0))
        remaining = led.compensated - led.settled
        if status == "closed":
            led.add("close", min(last + timedelta(days=rng.randint(1, 20)), today))
        elif status == "written_off":
            dates = spread(rng, last, today, 2 if rng.random() < 0.4 else 1)
            if len(dates) == 2:
                first = round_down(remaining * Decimal("0.5"), CENT)
                led.write_off(dates[0], first)
                remaining -= first
            led.write_off(dates[-1], remaining)


# Each status needs room in the past for its ledger: (days ago the contract may start, terms).
_WINDOWS: dict[str, tuple[int, int, tuple[int, ...]]] = {
    "pending": (-25, 20, (365, 730, 180)),
    "active": (15, 700, (365, 730, 1095)),
    "overdue": (150, 800, (365, 730)),
    "repaid": (90, 1100, (180, 365, 730)),
    "closed": (230, 1100, (180, 365, 730)),
    "compensated": (220, 1100, (365, 730)),
    "written_off": (260, 1100, (365, 730)),
}


def plan_contract(
    rng: random.Random,
    *,
    today: date,
    status: str,
    contract_no: str,
    lender: str,
    product: str,
    purpose: str,
    principal: Decimal,
) -> ContractPlan:
    low, high, terms = _WINDOWS[status]
    term = rng.choice(terms)
    if status == "active":  # still in force: it matures after today
        high = min(high, term - 45)
    start = (
        today - timedelta(days=rng.randint(low, high))
        if low >= 0
        else today + timedelta(days=rng.randint(-high, -low))
    )
    ratio = Decimal(rng.choice(("1", "1", "1", "1", "0.9", "0.8", "0.8", "0.7", "0.5")))
    drawn = (
        principal
        if rng.random() < 0.8
        else round_down(principal * Decimal(str(round(rng.uniform(0.6, 0.95), 2))), Decimal(10_000))
    )
    led = _Ledger(rng=rng, ratio=ratio)
    _ledger(status, led, rng, start, term, today, drawn)
    body: Json = {
        "contract_no": contract_no,
        "lender": lender,
        "product": product,
        "principal": money(principal),
        "guarantee_ratio": float(ratio),
        "purpose": purpose,
        "start_date": start.isoformat(),
        "maturity_date": (start + timedelta(days=term)).isoformat(),
        "fee_rate": rng.randint(8, 30) / 1000,
    }
    return ContractPlan(
        body=body,
        collaterals=_collaterals(rng, principal, min(start, today)),
        events=tuple(led.events),
        status=status,
    )


def _collaterals(rng: random.Random, principal: Decimal, signed: date) -> tuple[Json, ...]:
    if rng.random() < 0.35:  # a credit guarantee without counter-guarantee
        return ()
    kinds = list(COLLATERAL_KINDS)
    weights = [COLLATERAL_KINDS[k][0] for k in kinds]
    items: list[Json] = []
    for kind in rng.choices(kinds, weights, k=rng.randint(1, 2)):
        share = rng.uniform(0.1, 0.3) if kind == "deposit" else rng.uniform(0.3, 1.4)
        item: Json = {
            "kind": kind,
            "appraised_value": money(
                max(
                    Decimal(10_000),
                    round_down(principal * Decimal(str(round(share, 3))), Decimal(10_000)),
                )
            ),
            "appraised_on": (signed - timedelta(days=rng.randint(5, 60))).isoformat(),
            "description": COLLATERAL_KINDS[kind][1],
        }
        if rng.random() < 0.2:  # an appraiser's own haircut instead of the kind's default
            item["haircut"] = rng.choice((0.2, 0.25, 0.35, 0.4, 0.6))
        items.append(item)
    return tuple(items)
