"""The alert state machine, pure: (rules, observations, previous states, now) -> outcomes.

Modelled on Prometheus alerting rules. Per rule and subject (its fingerprint)::

    inactive --breach--> pending --(for_cycles consecutive breaches)--> firing
    pending  --ok--> inactive          (never fired: nothing to announce)
    firing   --ok--> resolved          (announced)
    resolved --breach--> pending or firing (a new episode: started_at moves)

``for_cycles`` = 1 fires on the first breaching evaluation (Prometheus ``for: 0``).
Missing data is never recovery: a subject whose value is null, or whose whole source could not
be fetched, keeps its state. A subject absent from a source fetched completely (a customer no
longer overdue, a risk tier with nothing in force) is recovered. No I/O, clock or randomness.
"""

from __future__ import annotations

import enum
import hashlib
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Literal


class State(StrEnum):
    INACTIVE = "inactive"
    PENDING = "pending"
    FIRING = "firing"
    RESOLVED = "resolved"


class Op(StrEnum):
    LT = "lt"
    LE = "le"
    GT = "gt"
    GE = "ge"


class Missing(enum.Enum):
    NO_DATA = "no_data"  # null value, or the source could not be fetched: keep the state
    ABSENT = "absent"  # not in a complete answer: the condition no longer holds


Observed = Decimal | Missing
Notify = Literal["firing", "resolved"]


def breaches(op: Op, value: Decimal, threshold: Decimal) -> bool:
    if op is Op.LT:
        return value < threshold
    if op is Op.LE:
        return value <= threshold
    if op is Op.GT:
        return value > threshold
    return value >= threshold


def fingerprint(rule_id: uuid.UUID, subject: str) -> str:
    """Stable identity of one alert: the same rule and subject always give the same value."""
    return hashlib.sha256(f"{rule_id}\x00{subject}".encode()).hexdigest()[:16]


@dataclass(frozen=True)
class RuleView:
    id: uuid.UUID
    op: Op
    threshold: Decimal
    for_cycles: int = 1


@dataclass(frozen=True)
class AlertState:
    state: State = State.INACTIVE
    breaches: int = 0
    value: Decimal | None = None
    started_at: datetime | None = None
    fired_at: datetime | None = None
    resolved_at: datetime | None = None


INACTIVE = AlertState()


def step(rule: RuleView, previous: AlertState, observed: Observed, now: datetime) -> AlertState:
    """One evaluation of one alert."""
    if observed is Missing.NO_DATA:
        return previous
    value = None if observed is Missing.ABSENT else observed
    if value is not None and breaches(rule.op, value, rule.threshold):
        if previous.state is State.FIRING:
            return replace(previous, breaches=previous.breaches + 1, value=value)
        continuing = previous.state is State.PENDING
        count = previous.breaches + 1 if continuing else 1
        started = previous.started_at if continuing else now
        if count >= rule.for_cycles:
            return AlertState(State.FIRING, count, value, started, now, None)
        return AlertState(State.PENDING, count, value, started, None, None)
    if previous.state is State.FIRING:
        return replace(previous, state=State.RESOLVED, breaches=0, value=value, resolved_at=now)
    if previous.state is State.PENDING:
        return AlertState(State.INACTIVE, 0, value, None, None, None)
    return replace(previous, value=value if value is not None else previous.value)


@dataclass(frozen=True)
class Outcome:
    rule_id: uuid.UUID
    subject: str
    previous: AlertState
    current: AlertState

    @property
    def fingerprint(self) -> str:
        return fingerprint(self.rule_id, self.subject)

    @property
    def changed(self) -> bool:
        return self.previous.state is not self.current.state

    @property
    def notify(self) -> Notify | None:
        if self.current.state is State.FIRING and self.previous.state is not State.FIRING:
            return "firing"
        if self.current.state is State.RESOLVED and self.previous.state is State.FIRING:
            return "resolved"
        return None


def evaluate(
    rules: Iterable[RuleView],
    observations: Mapping[uuid.UUID, Mapping[str, Decimal | None] | None],
    previous: Mapping[uuid.UUID, Mapping[str, AlertState]],
    now: datetime,
) -> list[Outcome]:
    """Step every alert of every rule once.

    ``observations[rule.id]`` maps each subject to its value (None: no data for it), or is
    None when the rule's source could not be fetched. Outcomes are returned for every alert that
    exists or comes into being; subjects that were and stay inactive produce none.
    """
    outcomes: list[Outcome] = []
    for rule in rules:
        known = previous.get(rule.id, {})
        observed = observations.get(rule.id)
        if observed is None:
            continue  # the source is unavailable: nothing moves, nothing is resolved
        for subject, value in observed.items():
            before = known.get(subject, INACTIVE)
            after = step(rule, before, Missing.NO_DATA if value is None else value, now)
            if subject in known or after.state is not State.INACTIVE:
                outcomes.append(Outcome(rule.id, subject, before, after))
        for subject in known.keys() - observed.keys():
            before = known[subject]
            outcomes.append(
                Outcome(rule.id, subject, before, step(rule, before, Missing.ABSENT, now))
            )
    return outcomes
