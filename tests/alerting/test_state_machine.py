"""Properties of the pure state machine (alerting.evaluation), checked with hypothesis."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from alerting.evaluation import (
    INACTIVE,
    AlertState,
    Missing,
    Observed,
    Op,
    Outcome,
    RuleView,
    State,
    evaluate,
    fingerprint,
    step,
)

T0 = datetime(2026, 6, 30, tzinfo=UTC)
RULE_ID = uuid.UUID("00000000-0000-0000-0000-000000000001")

values = st.decimals(min_value=-10, max_value=10, places=2, allow_nan=False, allow_infinity=False)
observed = st.one_of(values, st.just(Missing.NO_DATA), st.just(Missing.ABSENT))
rules = st.builds(
    RuleView,
    id=st.just(RULE_ID),
    op=st.sampled_from(list(Op)),
    threshold=values,
    for_cycles=st.integers(min_value=1, max_value=5),
)


def run(rule: RuleView, sequence: list[Observed]) -> list[Outcome]:
    state, outcomes = INACTIVE, []
    for n, value in enumerate(sequence):
        after = step(rule, state, value, T0 + timedelta(minutes=n))
        outcomes.append(Outcome(rule.id, "portfolio", state, after))
        state = after
    return outcomes


def is_breach(rule: RuleView, value: Observed) -> bool:
    if isinstance(value, Missing):
        return False
    return {
        Op.LT: value < rule.threshold,
        Op.LE: value <= rule.threshold,
        Op.GT: value > rule.threshold,
        Op.GE: value >= rule.threshold,
    }[rule.op]


@given(rules, st.lists(observed, max_size=40))
def test_notifications_alternate_firing_then_resolved(rule: RuleView, seq: list[Observed]) -> None:
    kinds = [o.notify for o in run(rule, seq) if o.notify is not None]
    assert kinds == ["firing", "resolved"] * (len(kinds) // 2) + ["firing"] * (len(kinds) % 2)


@given(rules, st.lists(observed, max_size=40))
def test_fires_only_after_for_cycles_consecutive_breaches(
    rule: RuleView, seq: list[Observed]
) -> None:
    streak = 0  # breaches since the last evaluation that was neither a breach nor "no data"
    for value, outcome in zip(seq, run(rule, seq), strict=True):
        if value is Missing.NO_DATA:
            assert outcome.current == outcome.previous
            continue
        streak = streak + 1 if is_breach(rule, value) else 0
        if outcome.notify == "firing":
            assert streak >= rule.for_cycles
        if outcome.previous.state is not State.FIRING and streak >= rule.for_cycles:
            assert outcome.current.state is State.FIRING


@given(rules, st.lists(observed, max_size=40))
def test_resolution_only_from_firing_and_only_without_breach(
    rule: RuleView, seq: list[Observed]
) -> None:
    for value, outcome in zip(seq, run(rule, seq), strict=True):
        if outcome.current.state is State.RESOLVED and outcome.changed:
            assert outcome.previous.state is State.FIRING
            assert not is_breach(rule, value)
            assert value is not Missing.NO_DATA


@given(rules, values, st.integers(min_value=1, max_value=10))
def test_a_steady_breach_fires_once(rule: RuleView, value: Decimal, repeats: int) -> None:
    seq: list[Observed] = [value] * (rule.for_cycles + repeats)
    kinds = [o.notify for o in run(rule, seq) if o.notify]
    assert kinds == (["firing"] if is_breach(rule, value) else [])


@given(rules, st.lists(observed, max_size=20))
def test_an_unavailable_source_moves_nothing(rule: RuleView, seq: list[Observed]) -> None:
    states = run(rule, seq)
    last = states[-1].current if states else INACTIVE
    previous = {rule.id: {"portfolio": last}}
    assert evaluate([rule], {rule.id: None}, previous, T0) == []


def test_absent_subject_of_a_complete_answer_resolves() -> None:
    rule = RuleView(RULE_ID, Op.GT, Decimal(0))
    firing = step(rule, INACTIVE, Decimal(5), T0)
    outcomes = evaluate([rule], {rule.id: {}}, {rule.id: {"customer=1": firing}}, T0)
    assert [(o.subject, o.notify) for o in outcomes] == [("customer=1", "resolved")]


def test_null_value_keeps_a_firing_alert_firing() -> None:
    rule = RuleView(RULE_ID, Op.LT, Decimal(1))
    firing = step(rule, INACTIVE, Decimal("0.5"), T0)
    outcomes = evaluate(
        [rule], {rule.id: {"portfolio": None}}, {rule.id: {"portfolio": firing}}, T0
    )
    assert [o.current for o in outcomes] == [firing]


def test_quiet_subjects_create_no_alerts() -> None:
    rule = RuleView(RULE_ID, Op.GT, Decimal(1))
    assert evaluate([rule], {rule.id: {"a": Decimal(0), "b": None}}, {}, T0) == []


def test_pending_that_recovers_goes_inactive_silently() -> None:
    rule = RuleView(RULE_ID, Op.GT, Decimal(1), for_cycles=3)
    seq: list[Observed] = [Decimal(2), Decimal(2), Decimal(0)]
    outcomes = run(rule, seq)
    assert [o.current.state for o in outcomes] == [State.PENDING, State.PENDING, State.INACTIVE]
    assert all(o.notify is None for o in outcomes)


def test_a_new_episode_restarts_the_clock() -> None:
    rule = RuleView(RULE_ID, Op.GT, Decimal(1))
    outcomes = run(rule, [Decimal(2), Decimal(0), Decimal(2)])
    assert outcomes[2].notify == "firing"
    assert outcomes[2].current.started_at == T0 + timedelta(minutes=2)
    assert outcomes[2].current.resolved_at is None


@given(st.uuids(), st.text(max_size=30), st.uuids(), st.text(max_size=30))
def test_fingerprint_is_stable_and_distinguishes(
    a: uuid.UUID, s: str, b: uuid.UUID, t: str
) -> None:
    assert fingerprint(a, s) == fingerprint(a, s)
    if (a, s) != (b, t):
        assert fingerprint(a, s) != fingerprint(b, t)


def test_firing_keeps_its_start_while_values_change() -> None:
    rule = RuleView(RULE_ID, Op.GT, Decimal(1))
    first = step(rule, INACTIVE, Decimal(2), T0)
    later = step(rule, first, Decimal(3), T0 + timedelta(minutes=5))
    assert later == AlertState(State.FIRING, 2, Decimal(3), T0, T0, None)
