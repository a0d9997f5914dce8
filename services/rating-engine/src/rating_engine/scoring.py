"""Scoring: a rating request and a compiled ruleset in, a rating out.

Pure: no I/O, no clock, no randomness, so the same request and ruleset version always give the
same result. The steps follow DOMAIN.md §3-§6:

1. features (ratios, record counts, flags) and the size class;
2. an additive scorecard: ``score = base + sum(points)``; an unknown factor takes its neutral
   "missing" points, never the points of a zero value;
3. knock-outs cap the score at the top of the ruleset's knock-out grade;
4. the score is clipped to 0-1000 and read through the scaling
   ``score = offset + factor * ln((1 - pd) / pd)`` (387.6 and 72.13 for 600 points at 1:19 and
   50 points to double the odds), so ``pd`` and ``score`` always agree;
5. grade from PD, tier from grade, class from the class conditions, then strategy, review
   interval and recommended limit.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Mapping
from decimal import ROUND_DOWN, Decimal
from typing import Any

from guarantee_shared.schemas.rating import (
    CreditGrade,
    CustomerClass,
    FinancialRatios,
    LimitsContext,
    RatingRequest,
    RatingResult,
    RiskTier,
)
from guarantee_shared.types import CENT, money_str
from rating_engine.compiled import CompiledRuleset, Factor, Reason
from rating_engine.features import Features, Value, derive

_ZERO = Decimal(0)
_RATIOS = tuple(FinancialRatios.model_fields)

Wire = dict[str, Any]  # a RatingResult in its JSON form


def _factor_reasons(
    values: Mapping[str, Value], factors: tuple[Factor, ...]
) -> tuple[list[Reason], int]:
    """Each factor's reason in scorecard order, and the sum of their points. Known factors
    worth no points against neutral are left out.
    """
    reasons: list[Reason] = []
    append = reasons.append
    get = values.get
    total = 0
    factor_id = ""
    try:
        for feature, factor_id, missing, thresholds, bins, categories in factors:
            value = get(feature)
            if categories is not None:
                found = categories.get(value) if isinstance(value, str) else None
                if found is None:
                    append(missing.copy())
                elif found["points"]:
                    total += found["points"]
                    append(found.copy())
            elif value is None or isinstance(value, str):
                append(missing.copy())
            else:
                # Derived numbers are floats already; float() only for the others.
                number = value if value.__class__ is float else float(value)
                # The first bound strictly above the value picks the bin (bounds are exclusive).
                points, code, message = bins[bisect_right(thresholds, number)]
                if points:
                    total += points
                    reason = {"code": code, "factor": factor_id, "points": points}
                    reason["message"] = message(number)
                    append(reason)
    except Exception as exc:
        # A traceback from here would otherwise not say which ruleset entry to look at.
        exc.add_note(f"while scoring factor {factor_id!r}")
        raise
    return reasons, total


def _weight(reason: Reason) -> int:
    points: int = reason["points"]
    return -abs(points)


def _recommended_limit(
    features: Features,
    tier: RiskTier,
    *,
    outstanding: Decimal,
    context: LimitsContext | None,
    rules: CompiledRuleset,
) -> Decimal | None:
    """DOMAIN.md §5: min(equity x m, revenue x r) - current liability, then the regulatory caps.

    Uses whichever of equity and annual revenue is known; ``None`` when neither is.
    """
    figures = features.figures
    candidates: list[Decimal] = []
    if figures.equity is not None:
        candidates.append(figures.equity * rules.equity_multiple[tier])
    if figures.annual_revenue is not None:
        candidates.append(figures.annual_revenue * rules.revenue_multiple[tier])
    if not candidates:
        return None
    limit = min(candidates) - outstanding
    if context is not None:
        single = context.guarantor_net_assets * rules.single_customer_share - outstanding
        group = context.guarantor_net_assets * rules.group_share - context.group_liability
        limit = min(limit, single, group)
    # Rounded down: a limit is a ceiling, never rounded up past what the rule allows.
    return max(limit, _ZERO).quantize(CENT, rounding=ROUND_DOWN)


def _ratios(values: Mapping[str, Value]) -> dict[str, float | None]:
    # round() on a float rounds its exact value half-even, as Ratio's serializer does.
    ratios: dict[str, float | None] = {}
    get = values.get
    for name in _RATIOS:
        value = get(name)
        ratios[name] = None if value is None or isinstance(value, str) else round(value, 4)
    return ratios


def evaluate(features: Features, request: RatingRequest, rules: CompiledRuleset) -> Wire:
    """Rate ``request`` from its already derived ``features``; the result in its JSON form."""
    values = features.values
    figures = features.figures
    size = rules.sizes.classify(
        figures.industry_code,
        employees=figures.employees,
        revenue=figures.annual_revenue,
        total_assets=figures.total_assets,
    )
    values["size_class"] = size
    reasons, points = _factor_reasons(values, rules.factors)
    raw = rules.neutral_points + points

    knockouts = [(kid, text) for kid, text, holds in rules.knockouts if holds(values)]
    if knockouts:
        capped = min(raw, rules.knockout_score_cap)
        texts = "; ".join(text for _, text in knockouts)
        reasons.append(
            {
                "code": "knockout.grade_cap",
                "factor": "knockouts",
                "points": capped - raw,
                "message": f"Knock-out (否决项): {texts}. The grade is held at "
                f"{rules.knockout_grade} or below.",
            }
        )
        raw = capped
    # Reasons come in scorecard order with the knock-out last, and the sort is stable: the
    # heaviest first, ties in scorecard order.
    reasons.sort(key=_weight)

    score = min(max(raw, rules.min_score), rules.max_score)
    index = score - rules.min_score
    grade: CreditGrade = rules.grade_by_score[index]

    high_risk = [cid for cid, holds in rules.high_risk if holds(values)]
    premium = [cid for cid, holds in rules.premium if holds(values)]
    general = [cid for cid, holds in rules.general if holds(values)]
    tier = rules.tiers[grade]
    if high_risk or knockouts:
        customer_class = CustomerClass.HIGH_RISK
        tier = RiskTier.HIGH
    elif premium and tier not in rules.premium_never_in_tier:
        customer_class = CustomerClass.PREMIUM
    else:
        customer_class = CustomerClass.GENERAL

    history = request.guarantee_history
    if knockouts and rules.knockout_zero_limit:
        limit: Decimal | None = _ZERO.quantize(CENT)
    else:
        limit = _recommended_limit(
            features,
            tier,
            outstanding=history.outstanding_balance,
            context=request.limits_context,
            rules=rules,
        )
    # Built in its JSON form (the enumerations are str): the HTTP routes send it as is, and
    # :func:`score` reads it into the typed model, so both paths give one and the same result.
    return {
        "score": score,
        "credit_grade": grade,
        "pd": rules.pd_by_score[index],
        "risk_tier": tier,
        "customer_class": customer_class,
        "size_class": size,
        "matched_conditions": high_risk + premium + general,
        "reasons": reasons,
        "knockouts": [kid for kid, _ in knockouts],
        "recommended_limit": None if limit is None else money_str(limit),
        "strategy": rules.strategies[customer_class],
        "review_interval_days": rules.review_interval_days[tier],
        "model_version": rules.version,
        "as_of": request.as_of.isoformat(),
        "ratios": _ratios(values),
    }


def rate(request: RatingRequest, rules: CompiledRuleset) -> Wire:
    """Rate one validated request; the result in its JSON form. Pure and deterministic."""
    return evaluate(derive(request, window_months=rules.window_months), request, rules)


def score(request: RatingRequest, rules: CompiledRuleset) -> RatingResult:
    """Rate one validated request; the typed result. Pure and deterministic."""
    return RatingResult.model_validate(rate(request, rules))
