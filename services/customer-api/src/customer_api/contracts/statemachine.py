"""The contract state machine of docs/CONTRACT.md's event table: pure, no I/O, no clock.

Every rule that decides whether an event may be recorded lives here, so the service only loads
the locked row, calls :func:`apply` and stores what it returns. A refused event raises
:class:`Conflict` (409) naming the contract's status or the bound the amount broke.

Choices the contract leaves open (ours):
- A repayment while overdue pays the arrears first: ``overdue_amount`` drops by the repayment,
  floored at 0, so it never exceeds the balance. The status stays ``overdue`` until a ``cure``
  event says the arrears are settled, so the ledger records who declared it.
- A second ``overdue`` event replaces ``overdue_amount`` (it reports the arrears as of that day)
  and keeps the first ``overdue_since``.
- Leaving force by repayment to zero or by compensation also clears the arrears.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_DOWN, Decimal

from customer_api.contracts.schemas import ContractStatus, EventType
from guarantee_shared.errors import Conflict
from guarantee_shared.types import CENT, money_str

ZERO = Decimal(0)

S = ContractStatus
ALLOWED_FROM: Mapping[EventType, frozenset[ContractStatus]] = {
    EventType.activate: frozenset({S.pending}),
    EventType.repayment: frozenset({S.active, S.overdue}),
    EventType.overdue: frozenset({S.active, S.overdue}),
    EventType.cure: frozenset({S.overdue}),
    EventType.compensation: frozenset({S.active, S.overdue}),
    EventType.recovery: frozenset({S.compensated}),
    EventType.write_off: frozenset({S.compensated}),
    # From compensated only once nothing of the compensation is outstanding (checked below).
    EventType.close: frozenset({S.repaid, S.compensated}),
}


@dataclass(frozen=True)
class ContractState:
    """The fields of a contract that events read or change."""

    status: ContractStatus
    principal: Decimal
    guarantee_ratio: Decimal
    start_date: date
    outstanding_balance: Decimal
    overdue_amount: Decimal
    overdue_since: date | None
    compensated_amount: Decimal
    recovered_amount: Decimal
    loss_amount: Decimal
    activated_on: date | None
    released_on: date | None

    @property
    def compensation_balance(self) -> Decimal:
        return self.compensated_amount - self.recovered_amount - self.loss_amount


def apply(
    state: ContractState,
    *,
    kind: EventType,
    amount: Decimal | None,
    occurred_on: date,
    last_occurred_on: date | None,
) -> ContractState:
    """The state after the event, or :class:`Conflict` when the event may not be recorded.

    ``amount`` has been checked against the event type already (present and > 0 exactly for
    the events that move money); ``last_occurred_on`` is the date of the ledger's last event.
    """
    _check_move(state, kind)
    _check_date(state, kind, occurred_on, last_occurred_on)
    return _EFFECTS[kind](state, amount if amount is not None else ZERO, occurred_on)


def _check_move(state: ContractState, kind: EventType) -> None:
    allowed = ALLOWED_FROM[kind]
    if state.status not in allowed:
        raise Conflict(
            f"A {kind} event is not allowed while the contract is {state.status}; "
            f"it is allowed from: {', '.join(sorted(allowed))}",
            title="Event not allowed in this status",
            contract_status=str(state.status),
            event_type=str(kind),
            allowed_from=sorted(allowed),
        )
    if kind is EventType.close and state.status is S.compensated and state.compensation_balance:
        raise Conflict(
            f"A compensated contract closes only when nothing of the compensation is "
            f"outstanding; {money_str(state.compensation_balance)} is (record a recovery or "
            f"a write_off first)",
            title="Event not allowed in this status",
            contract_status=str(state.status),
            event_type=str(kind),
            compensation_balance=money_str(state.compensation_balance),
        )


def _check_date(
    state: ContractState, kind: EventType, occurred_on: date, last_occurred_on: date | None
) -> None:
    # 409 rather than 422: the date is valid on its own and conflicts only with stored state.
    if last_occurred_on is not None and occurred_on < last_occurred_on:
        raise Conflict(
            f"occurred_on {occurred_on.isoformat()} is before the contract's last event on "
            f"{last_occurred_on.isoformat()}; the ledger is kept in date order",
            title="Event out of date order",
            field="occurred_on",
            earliest=last_occurred_on.isoformat(),
        )
    if kind is EventType.activate and occurred_on < state.start_date:
        raise Conflict(
            f"occurred_on {occurred_on.isoformat()} is before the contract's start_date "
            f"{state.start_date.isoformat()}",
            title="Event out of date order",
            field="occurred_on",
            earliest=state.start_date.isoformat(),
        )


def _within(
    state: ContractState, kind: EventType, amount: Decimal, bound: Decimal, of: str
) -> None:
    if amount > bound:
        # A bound with more than two decimals (balance x ratio) is shown as the largest amount
        # that would pass.
        shown = money_str(bound.quantize(CENT, rounding=ROUND_DOWN))
        raise Conflict(
            f"The {kind} amount {money_str(amount)} exceeds {of} {shown}",
            title="Amount beyond the bound",
            contract_status=str(state.status),
            event_type=str(kind),
            bound=shown,
            bound_of=of,
        )


def _activate(state: ContractState, amount: Decimal, on: date) -> ContractState:
    _within(state, EventType.activate, amount, state.principal, "principal")
    return dataclasses.replace(state, status=S.active, outstanding_balance=amount, activated_on=on)


def _left_force(state: ContractState, status: ContractStatus, on: date) -> ContractState:
    return dataclasses.replace(
        state,
        status=status,
        outstanding_balance=ZERO,
        overdue_amount=ZERO,
        overdue_since=None,
        released_on=on,
    )


def _repayment(state: ContractState, amount: Decimal, on: date) -> ContractState:
    _within(state, EventType.repayment, amount, state.outstanding_balance, "outstanding_balance")
    balance = state.outstanding_balance - amount
    if balance == ZERO:
        return _left_force(state, S.repaid, on)
    return dataclasses.replace(
        state, outstanding_balance=balance, overdue_amount=max(ZERO, state.overdue_amount - amount)
    )


def _overdue(state: ContractState, amount: Decimal, on: date) -> ContractState:
    _within(state, EventType.overdue, amount, state.outstanding_balance, "outstanding_balance")
    return dataclasses.replace(
        state,
        status=S.overdue,
        overdue_amount=amount,
        overdue_since=state.overdue_since if state.status is S.overdue else on,
    )


def _cure(state: ContractState, amount: Decimal, on: date) -> ContractState:
    return dataclasses.replace(state, status=S.active, overdue_amount=ZERO, overdue_since=None)


def _compensation(state: ContractState, amount: Decimal, on: date) -> ContractState:
    bound = state.outstanding_balance * state.guarantee_ratio
    _within(state, EventType.compensation, amount, bound, "outstanding_balance x guarantee_ratio")
    compensated = _left_force(state, S.compensated, on)
    return dataclasses.replace(compensated, compensated_amount=state.compensated_amount + amount)


def _recovery(state: ContractState, amount: Decimal, on: date) -> ContractState:
    _within(state, EventType.recovery, amount, state.compensation_balance, "compensation_balance")
    return dataclasses.replace(state, recovered_amount=state.recovered_amount + amount)


def _write_off(state: ContractState, amount: Decimal, on: date) -> ContractState:
    _within(state, EventType.write_off, amount, state.compensation_balance, "compensation_balance")
    after = dataclasses.replace(state, loss_amount=state.loss_amount + amount)
    if after.compensation_balance == ZERO:
        after = dataclasses.replace(after, status=S.written_off)
    return after


def _close(state: ContractState, amount: Decimal, on: date) -> ContractState:
    return dataclasses.replace(state, status=S.closed)


_EFFECTS: Mapping[EventType, Callable[[ContractState, Decimal, date], ContractState]] = {
    EventType.activate: _activate,
    EventType.repayment: _repayment,
    EventType.overdue: _overdue,
    EventType.cure: _cure,
    EventType.compensation: _compensation,
    EventType.recovery: _recovery,
    EventType.write_off: _write_off,
    EventType.close: _close,
}
