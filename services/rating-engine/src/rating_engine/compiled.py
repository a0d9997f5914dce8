"""A validated ruleset turned into the structures scoring reads on every request.

Compiling once at start-up keeps per-request work to a bisect per numeric factor, a dict look-up
per category, closures for conditions and a table look-up from score to PD and grade.
"""

from __future__ import annotations

import math
import operator
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

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

Predicate = Callable[[Mapping[str, Value]], bool]
_OPS: dict[str, Callable[[Any, Any], bool]] = {
    "lt": operator.lt,
    "le": operator.le,
    "gt": operator.gt,
    "ge": operator.ge,
    "eq": operator.eq,
    "ne": operator.ne,
}


def fmt_value(value: float, unit: Unit) -> str:
    """A feature value the way a risk officer reads it."""
    if unit == "ratio":
        return f"{value:.1%}"
    if unit == "times":
        return f"{value:.2f}x"
    if unit == "years":
        return f"{value:.1f} years"
    if unit in ("count", "days"):
        return f"{value:.0f}" + (" days" if unit == "days" else "")
    return f"{value:.2f}"


def _band(low: float | None, high: float | None, unit: Unit) -> str:
    if unit in ("count", "days") and all(b is None or b == int(b) for b in (low, high)):
        lo = 0 if low is None else int(low)
        if high is None:
            return f"{lo} or more"
        hi = int(high) - 1
        return "none" if lo == hi == 0 else (str(lo) if lo == hi else f"{lo} to {hi}")
    if low is None:
        return f"below {fmt_value(high or 0.0, unit)}"
    if high is None:
        return f"{fmt_value(low, unit)} or more"
    return f"{fmt_value(low, unit)} to below {fmt_value(high, unit)}"


@dataclass(frozen=True, slots=True)
class Outcome:
    """One factor's result: points against its neutral points, reason code and text pieces."""

    points: int
    code: str
    band: str
    note: str
    message: str = ""  # set where it never depends on the value: categories and "missing"


@dataclass(frozen=True, slots=True)
class CompiledNumeric:
    id: str
    name: str
    feature: str
    unit: Unit
    counted: bool  # counts and days read plainly ("2 days"); other values also show their band
    thresholds: tuple[float, ...]
    bins: tuple[Outcome, ...]
    missing: Outcome
    raw_missing_points: int


@dataclass(frozen=True, slots=True)
class CompiledCategorical:
    id: str
    name: str
    feature: str
    categories: Mapping[str, Outcome]
    missing: Outcome
    raw_missing_points: int


def _missing(factor_id: str, name: str, why: str) -> Outcome:
    message = f"{name}: unknown, neutral points ({why})."
    return Outcome(0, f"{factor_id}.missing", "", why, message)


def _numeric(factor: NumericFactor) -> CompiledNumeric:
    thresholds = tuple(b.lt for b in factor.bins[:-1] if b.lt is not None)
    lows: list[float | None] = [None, *thresholds]
    highs: list[float | None] = [*thresholds, None]
    bins = tuple(
        Outcome(
            points=b.points - factor.missing_points,
            code=f"{factor.id}.bin_{i + 1}",
            band=_band(lows[i], highs[i], factor.unit),
            note=b.note,
        )
        for i, b in enumerate(factor.bins)
    )
    missing = _missing(factor.id, factor.name, "figures missing or a zero denominator")
    return CompiledNumeric(
        id=factor.id,
        name=factor.name,
        feature=factor.feature,
        unit=factor.unit,
        counted=factor.unit in ("count", "days"),
        thresholds=thresholds,
        bins=bins,
        missing=missing,
        raw_missing_points=factor.missing_points,
    )


def _categorical(factor: CategoricalFactor) -> CompiledCategorical:
    categories = {
        name: Outcome(
            points=points - factor.missing_points,
            code=f"{factor.id}.{name}",
            band=name,
            note=factor.notes.get(name, ""),
            message=f"{factor.name}: {name}"
            + (f" ({factor.notes[name]})." if name in factor.notes else "."),
        )
        for name, points in factor.categories.items()
    }
    missing = _missing(factor.id, factor.name, "not given in the request")
    return CompiledCategorical(
        factor.id, factor.name, factor.feature, categories, missing, factor.missing_points
    )


def compile_expr(expr: Expr) -> Predicate:
    """A predicate over feature values; a clause on an unknown value is false."""
    if isinstance(expr, AllOf):
        parts = tuple(compile_expr(e) for e in expr.all)
        return lambda values: all(p(values) for p in parts)
    if isinstance(expr, AnyOf):
        alternatives = tuple(compile_expr(e) for e in expr.any)
        return lambda values: any(p(values) for p in alternatives)
    feature, op, target = expr
    if op == "in":
        members = frozenset(target) if isinstance(target, list) else frozenset({target})
        return lambda values: values.get(feature) in members
    compare = _OPS[op]

    def clause(values: Mapping[str, Value]) -> bool:
        value = values.get(feature)
        return value is not None and compare(value, target)

    return clause


def _pd_of(score: int, offset: float, factor: float) -> float:
    return 1.0 / (1.0 + math.exp((score - offset) / factor))


@dataclass(frozen=True, slots=True, repr=False)
class CompiledRuleset:
    version: str
    window_months: int
    neutral_points: int
    numeric: tuple[CompiledNumeric, ...]
    categorical: tuple[CompiledCategorical, ...]
    factor_order: Mapping[str, int]
    min_score: int
    max_score: int
    offset: float
    factor: float
    pd_by_score: tuple[float, ...]
    grade_by_score: tuple[CreditGrade, ...]
    tiers: Mapping[CreditGrade, RiskTier]
    high_risk: tuple[tuple[str, Predicate], ...]
    premium: tuple[tuple[str, Predicate], ...]
    general: tuple[tuple[str, Predicate], ...]
    premium_never_in_tier: frozenset[RiskTier]
    knockouts: tuple[tuple[str, str, Predicate], ...]
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
    factor, offset = scaling.factor, scaling.offset
    scores = range(scaling.min_score, scaling.max_score + 1)
    pds = tuple(_pd_of(s, offset, factor) for s in scores)
    cuts = [(g.max_pd, g.grade) for g in ruleset.grades]
    grades = tuple(next(g for cut, g in cuts if pd <= cut) for pd in pds)
    order = list(CreditGrade)
    cap_rank = order.index(ruleset.knockouts.max_grade)
    # The highest score whose grade is no better than the knock-out grade.
    cap = max(s for s, g in zip(scores, grades, strict=True) if order.index(g) >= cap_rank)
    card = ruleset.scorecard
    numeric = tuple(_numeric(f) for f in card.factors if isinstance(f, NumericFactor))
    categorical = tuple(_categorical(f) for f in card.factors if isinstance(f, CategoricalFactor))
    classes = ruleset.classes
    return CompiledRuleset(
        version=ruleset.version,
        window_months=ruleset.recent_window_months,
        neutral_points=card.base_points + sum(f.missing_points for f in card.factors),
        numeric=numeric,
        categorical=categorical,
        factor_order={f.id: i for i, f in enumerate(card.factors)},
        min_score=scaling.min_score,
        max_score=scaling.max_score,
        offset=offset,
        factor=factor,
        pd_by_score=pds,
        grade_by_score=grades,
        tiers=dict(ruleset.tiers),
        high_risk=tuple((c.id, compile_expr(c.when)) for c in classes.high_risk),
        premium=tuple((c.id, compile_expr(c.when)) for c in classes.premium),
        general=tuple((c.id, compile_expr(c.when)) for c in classes.general),
        premium_never_in_tier=frozenset(classes.premium_never_in_tier),
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
