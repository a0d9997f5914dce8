"""A validated ruleset turned into the structures scoring reads on every request.

Compiled once at start-up, so that per request a factor costs a bisect (numeric) or a dict
look-up (categorical) with its reasons already written, a condition a few closure calls, and
PD and grade a table look-up by score.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, NamedTuple

from guarantee_shared.schemas.rating import CreditGrade, CustomerClass, RiskTier
from rating_engine.features import Value
from rating_engine.ruleset import (
    AllOf,
    AnyOf,
    CategoricalFactor,
    Expr,
    NumericFactor,
    Ruleset,
    Unit,
)
from rating_engine.sizing import SizeClassifier

Reason = dict[str, Any]  # one entry of a rating's ``reasons``, in its JSON form
Predicate = Callable[[Mapping[str, Value]], bool]

# How a value of each unit reads in a reason's message, as a ``str.format`` field.
_FORMATS: dict[str, str] = {
    "ratio": "{:.1%}",
    "times": "{:.2f}x",
    "years": "{:.1f} years",
    "count": "{:.0f}",
    "days": "{:.0f} days",
}


def _format(unit: Unit) -> str:
    return _FORMATS.get(unit, "{:.2f}")


def _literal(text: str) -> str:
    """``text`` as literal ``str.format`` template text."""
    return text.replace("{", "{{").replace("}", "}}")


def _band(low: float | None, high: float | None, unit: Unit) -> str:
    if unit in ("count", "days") and all(b is None or b == int(b) for b in (low, high)):
        lo = 0 if low is None else int(low)
        if high is None:
            return f"{lo} or more"
        hi = int(high) - 1
        return "none" if lo == hi == 0 else (str(lo) if lo == hi else f"{lo} to {hi}")
    shown = _format(unit).format
    if low is None:
        return f"below {shown(high or 0.0)}"
    if high is None:
        return f"{shown(low)} or more"
    return f"{shown(low)} to below {shown(high)}"


class Factor(NamedTuple):
    """One scorecard factor as scoring reads it; points are against the factor's neutral points.

    A numeric factor has ``thresholds`` and a ``(points, code, message)`` per bin, where
    ``message`` renders the whole message from the value in one call; a categorical factor has
    ``categories``, each category's finished reason. Reasons here are copied into a rating,
    never handed out, so that no two ratings share one.
    """

    feature: str
    id: str
    missing: Reason  # the reason when the value is unknown
    thresholds: tuple[float, ...]
    bins: tuple[tuple[int, str, Callable[[float], str]], ...]
    categories: Mapping[str, Reason] | None


def _missing(factor_id: str, name: str, why: str) -> Reason:
    message = f"{name}: unknown, neutral points ({why})."
    return {"code": f"{factor_id}.missing", "factor": factor_id, "points": 0, "message": message}


def _numeric(factor: NumericFactor) -> Factor:
    thresholds = tuple(b.lt for b in factor.bins[:-1] if b.lt is not None)
    lows: list[float | None] = [None, *thresholds]
    highs: list[float | None] = [*thresholds, None]
    # Counts and days read plainly ("2 days"); other values also show their band.
    counted = factor.unit in ("count", "days")
    head = _literal(f"{factor.name}: ") + _format(factor.unit)
    bins = []
    for i, b in enumerate(factor.bins):
        band = "" if counted else f", band {_band(lows[i], highs[i], factor.unit)}"
        tail = band + (f" ({b.note})." if b.note else ".")
        message = (head + _literal(tail)).format
        bins.append((b.points - factor.missing_points, f"{factor.id}.bin_{i + 1}", message))
    missing = _missing(factor.id, factor.name, "figures missing or a zero denominator")
    return Factor(factor.feature, factor.id, missing, thresholds, tuple(bins), None)


def _categorical(factor: CategoricalFactor) -> Factor:
    categories = {
        name: {
            "code": f"{factor.id}.{name}",
            "factor": factor.id,
            "points": points - factor.missing_points,
            "message": f"{factor.name}: {name}"
            + (f" ({factor.notes[name]})." if name in factor.notes else "."),
        }
        for name, points in factor.categories.items()
    }
    missing = _missing(factor.id, factor.name, "not given in the request")
    return Factor(factor.feature, factor.id, missing, (), (), categories)


# Loops rather than all() and any() over a generator: no generator object on every call.
def _all_of(parts: tuple[Predicate, ...]) -> Predicate:
    def all_of(values: Mapping[str, Value]) -> bool:
        for part in parts:  # noqa: SIM110
            if not part(values):
                return False
        return True

    return all_of


def _any_of(parts: tuple[Predicate, ...]) -> Predicate:
    def any_of(values: Mapping[str, Value]) -> bool:
        for part in parts:  # noqa: SIM110
            if part(values):
                return True
        return False

    return any_of


def compile_expr(expr: Expr) -> Predicate:
    """A predicate over feature values; a clause on an unknown value is false."""
    if isinstance(expr, AllOf):
        return _all_of(tuple(compile_expr(e) for e in expr.all))
    if isinstance(expr, AnyOf):
        return _any_of(tuple(compile_expr(e) for e in expr.any))
    feature, op, target = expr
    if op == "in":
        members = frozenset(target) if isinstance(target, list) else frozenset({target})
        return lambda values: values.get(feature) in members
    if op == "eq":  # an unknown value (None) never equals a validated target
        return lambda values: values.get(feature) == target
    # The ruleset's validation made the target comparable with the feature's values.
    bound: Any = target
    if op == "ne":
        return lambda values: (value := values.get(feature)) is not None and value != bound
    if op == "lt":
        return lambda values: (value := values.get(feature)) is not None and value < bound
    if op == "le":
        return lambda values: (value := values.get(feature)) is not None and value <= bound
    if op == "gt":
        return lambda values: (value := values.get(feature)) is not None and value > bound
    return lambda values: (value := values.get(feature)) is not None and value >= bound


def _pd_of(score: int, offset: float, factor: float) -> float:
    return 1.0 / (1.0 + math.exp((score - offset) / factor))


@dataclass(frozen=True, slots=True, repr=False)
class CompiledRuleset:
    version: str
    window_months: int
    neutral_points: int
    factors: tuple[Factor, ...]  # scorecard order
    min_score: int
    max_score: int
    pd_by_score: tuple[float, ...]  # rounded to 8 places, as a rating gives it
    grade_by_score: tuple[CreditGrade, ...]
    tiers: Mapping[CreditGrade, RiskTier]
    premium_never_in_tier: frozenset[RiskTier]
    high_risk: tuple[tuple[str, Predicate], ...]  # (condition id, predicate), in ruleset order
    premium: tuple[tuple[str, Predicate], ...]
    general: tuple[tuple[str, Predicate], ...]
    knockouts: tuple[tuple[str, str, Predicate], ...]  # (id, text, predicate)
    knockout_score_cap: int
    knockout_grade: CreditGrade
    knockout_zero_limit: bool
    review_interval_days: Mapping[RiskTier, int]
    strategies: Mapping[CustomerClass, str]
    equity_multiple: Mapping[RiskTier, Decimal]
    revenue_multiple: Mapping[RiskTier, Decimal]
    single_customer_share: Decimal
    group_share: Decimal
    sizes: SizeClassifier
    source: Ruleset

    def __repr__(self) -> str:
        return f"CompiledRuleset(version={self.version!r})"


def compile_ruleset(ruleset: Ruleset) -> CompiledRuleset:
    scaling = ruleset.scaling
    scores = range(scaling.min_score, scaling.max_score + 1)
    pds = [_pd_of(s, scaling.offset, scaling.factor) for s in scores]
    cuts = [(g.max_pd, g.grade) for g in ruleset.grades]
    grades = tuple(next(g for cut, g in cuts if pd <= cut) for pd in pds)
    order = list(CreditGrade)
    cap_rank = order.index(ruleset.knockouts.max_grade)
    # The highest score whose grade is no better than the knock-out grade.
    cap = max(s for s, g in zip(scores, grades, strict=True) if order.index(g) >= cap_rank)
    card = ruleset.scorecard
    classes = ruleset.classes
    return CompiledRuleset(
        version=ruleset.version,
        window_months=ruleset.recent_window_months,
        neutral_points=card.base_points + sum(f.missing_points for f in card.factors),
        factors=tuple(
            _numeric(f) if isinstance(f, NumericFactor) else _categorical(f) for f in card.factors
        ),
        min_score=scaling.min_score,
        max_score=scaling.max_score,
        pd_by_score=tuple(round(pd, 8) for pd in pds),
        grade_by_score=grades,
        tiers=dict(ruleset.tiers),
        premium_never_in_tier=frozenset(classes.premium_never_in_tier),
        high_risk=tuple((c.id, compile_expr(c.when)) for c in classes.high_risk),
        premium=tuple((c.id, compile_expr(c.when)) for c in classes.premium),
        general=tuple((c.id, compile_expr(c.when)) for c in classes.general),
        knockouts=tuple((k.id, k.text, compile_expr(k.when)) for k in ruleset.knockouts.rules),
        knockout_score_cap=cap,
        knockout_grade=ruleset.knockouts.max_grade,
        knockout_zero_limit=ruleset.knockouts.zero_limit,
        review_interval_days=dict(ruleset.review_interval_days),
        strategies=dict(ruleset.strategies),
        equity_multiple=dict(ruleset.limits.equity_multiple),
        revenue_multiple=dict(ruleset.limits.revenue_multiple),
        single_customer_share=ruleset.limits.single_customer_share,
        group_share=ruleset.limits.group_share,
        sizes=SizeClassifier(ruleset.size_table),
        source=ruleset,
    )
