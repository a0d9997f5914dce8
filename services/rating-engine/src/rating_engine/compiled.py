"""A validated ruleset turned into the structures scoring reads on every request.

Compiling once at start-up keeps per-request work to a bisect per numeric factor, a dict look-up
per category, generated straight-line functions for factors and conditions (codegen.py) and a
table look-up from score to PD and grade.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, NamedTuple

from guarantee_shared.schemas.rating import CreditGrade, CustomerClass, RiskTier
from rating_engine.codegen import Matcher, ReasonsOf, compile_matcher, compile_reasons
from rating_engine.ruleset import (
    CategoricalFactor,
    NumericFactor,
    Ruleset,
    Unit,
)
from rating_engine.sizing import SizeClassifier

Reason = dict[str, Any]  # one entry of a rating's ``reasons``, in its JSON form


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


_FORMATS: dict[str, str] = {
    "ratio": "{:.1%}",
    "times": "{:.2f}x",
    "years": "{:.1f} years",
    "count": "{:.0f}",
    "days": "{:.0f} days",
}


def _format(unit: Unit) -> str:
    """The ``str.format`` template that renders a value as :func:`fmt_value` does."""
    return _FORMATS.get(unit, "{:.2f}")


def _formatter(unit: Unit) -> Callable[[float], str]:
    """:func:`fmt_value` for one unit, picked once: a bound ``str.format`` per factor."""
    return _format(unit).format


def _literal(text: str) -> str:
    return text.replace("{", "{{").replace("}", "}}")


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
    # Numeric bins: the message after the value, so that one is "<head><value><tail>".
    tail: str = ""


def _reason(factor_id: str, out: Outcome) -> Reason:
    return {"code": out.code, "factor": factor_id, "points": out.points, "message": out.message}


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
    head: str  # "<name>: ", the start of every message with a value
    shown: Callable[[float], str]  # the value as the message shows it (fmt_value for the unit)
    missing_reason: Reason  # the reason when the value is unknown; copied, never shared


@dataclass(frozen=True, slots=True)
class CompiledCategorical:
    id: str
    name: str
    feature: str
    categories: Mapping[str, Outcome]
    missing: Outcome
    raw_missing_points: int
    reasons: Mapping[str, Reason]  # each category's reason; copied, never shared
    missing_reason: Reason


class FactorRow(NamedTuple):
    """One factor as :func:`compile_reasons` writes it out: the parts of its reasons.

    Numeric factors have ``thresholds`` and ``bins`` (points, code and message per bin, the
    message as a bound ``str.format`` of the value: "<head><value><tail>" in one call);
    categorical ones have ``categories`` (each category's reason) instead.
    """

    feature: str
    factor_id: str
    missing_reason: Reason
    thresholds: tuple[float, ...]
    bins: tuple[tuple[int, str, Callable[[float], str]], ...]
    categories: Mapping[str, Reason] | None


def _row(factor: CompiledNumeric | CompiledCategorical) -> FactorRow:
    if isinstance(factor, CompiledNumeric):
        shown = _format(factor.unit)
        bins = tuple(
            (out.points, out.code, (_literal(factor.head) + shown + _literal(out.tail)).format)
            for out in factor.bins
        )
        return FactorRow(factor.feature, factor.id, factor.missing_reason, factor.thresholds,
                         bins, None)  # fmt: skip
    return FactorRow(factor.feature, factor.id, factor.missing_reason, (), (), factor.reasons)


def _missing(factor_id: str, name: str, why: str) -> Outcome:
    message = f"{name}: unknown, neutral points ({why})."
    return Outcome(0, f"{factor_id}.missing", "", why, message)


def _numeric(factor: NumericFactor) -> CompiledNumeric:
    thresholds = tuple(b.lt for b in factor.bins[:-1] if b.lt is not None)
    lows: list[float | None] = [None, *thresholds]
    highs: list[float | None] = [*thresholds, None]
    counted = factor.unit in ("count", "days")
    bins = []
    for i, b in enumerate(factor.bins):
        band = _band(lows[i], highs[i], factor.unit)
        tail = ("" if counted else f", band {band}") + (f" ({b.note})." if b.note else ".")
        bins.append(
            Outcome(
                points=b.points - factor.missing_points,
                code=f"{factor.id}.bin_{i + 1}",
                band=band,
                note=b.note,
                tail=tail,
            )
        )
    missing = _missing(factor.id, factor.name, "figures missing or a zero denominator")
    return CompiledNumeric(
        id=factor.id,
        name=factor.name,
        feature=factor.feature,
        unit=factor.unit,
        counted=counted,
        thresholds=thresholds,
        bins=tuple(bins),
        missing=missing,
        raw_missing_points=factor.missing_points,
        head=f"{factor.name}: ",
        shown=_formatter(factor.unit),
        missing_reason=_reason(factor.id, missing),
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
        factor.id,
        factor.name,
        factor.feature,
        categories,
        missing,
        factor.missing_points,
        reasons={name: _reason(factor.id, out) for name, out in categories.items()},
        missing_reason=_reason(factor.id, missing),
    )


def _pd_of(score: int, offset: float, factor: float) -> float:
    return 1.0 / (1.0 + math.exp((score - offset) / factor))


@dataclass(frozen=True, slots=True, repr=False)
class CompiledRuleset:
    version: str
    window_months: int
    neutral_points: int
    numeric: tuple[CompiledNumeric, ...]
    categorical: tuple[CompiledCategorical, ...]
    factors: tuple[CompiledNumeric | CompiledCategorical, ...]  # both kinds, scorecard order
    rows: tuple[FactorRow, ...]  # the same factors as scoring reads them
    reasons_of: ReasonsOf  # the rows as one function: reasons in scorecard order, points
    factor_order: Mapping[str, int]
    min_score: int
    max_score: int
    offset: float
    factor: float
    pd_by_score: tuple[float, ...]
    pd_shown_by_score: tuple[float, ...]  # rounded to 8 places, as a rating gives it
    grade_by_score: tuple[CreditGrade, ...]
    tiers: Mapping[CreditGrade, RiskTier]
    premium_never_in_tier: frozenset[RiskTier]
    # Each group of conditions as one function: the labels of those that hold, in order.
    match_high_risk: Matcher
    match_premium: Matcher
    match_general: Matcher
    match_knockouts: Matcher  # labels (id, text)
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
    factors = tuple(
        _numeric(f) if isinstance(f, NumericFactor) else _categorical(f) for f in card.factors
    )
    numeric = tuple(f for f in factors if isinstance(f, CompiledNumeric))
    categorical = tuple(f for f in factors if isinstance(f, CompiledCategorical))
    classes = ruleset.classes
    rows = tuple(_row(f) for f in factors)
    return CompiledRuleset(
        version=ruleset.version,
        window_months=ruleset.recent_window_months,
        neutral_points=card.base_points + sum(f.missing_points for f in card.factors),
        numeric=numeric,
        categorical=categorical,
        factors=factors,
        rows=rows,
        reasons_of=compile_reasons(rows),
        factor_order={f.id: i for i, f in enumerate(card.factors)},
        min_score=scaling.min_score,
        max_score=scaling.max_score,
        offset=offset,
        factor=factor,
        pd_by_score=pds,
        pd_shown_by_score=tuple(round(pd, 8) for pd in pds),
        grade_by_score=grades,
        tiers=dict(ruleset.tiers),
        premium_never_in_tier=frozenset(classes.premium_never_in_tier),
        match_high_risk=compile_matcher([(c.id, c.when) for c in classes.high_risk]),
        match_premium=compile_matcher([(c.id, c.when) for c in classes.premium]),
        match_general=compile_matcher([(c.id, c.when) for c in classes.general]),
        match_knockouts=compile_matcher(
            [((k.id, k.text), k.when) for k in ruleset.knockouts.rules]
        ),
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
