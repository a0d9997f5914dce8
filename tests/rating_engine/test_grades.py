"""Scaling (docs/DOMAIN.md §5), grade cut-offs, tiers, review intervals, limits, neutral score."""

from __future__ import annotations

import dataclasses
import math
from decimal import Decimal

import pytest

from guarantee_shared.schemas.rating import CreditGrade, RatingRequest, RiskTier
from rating_engine.compiled import CompiledRuleset, compile_ruleset
from rating_engine.scoring import rate, score
from tests.rating_engine.factories import AS_OF, event, request, statement

# A request that gives nothing: every factor neutral except "no statement at all".
EMPTY = RatingRequest.model_validate({"as_of": AS_OF.isoformat(), "customer": {}})
NO_STATEMENT_POINTS = -15


_VARIANTS: dict[int, CompiledRuleset] = {}


def with_base(rules: CompiledRuleset, base_points: int) -> CompiledRuleset:
    """v1 with another base, so that a request with no data lands on a chosen score."""
    if base_points not in _VARIANTS:
        card = rules.source.scorecard.model_copy(update={"base_points": base_points})
        _VARIANTS[base_points] = compile_ruleset(
            rules.source.model_copy(update={"scorecard": card})
        )
    return _VARIANTS[base_points]


def scored_at(rules: CompiledRuleset, target: int) -> tuple[int, CreditGrade, RiskTier, float]:
    result = score(EMPTY, with_base(rules, target - NO_STATEMENT_POINTS))
    return result.score, result.credit_grade, result.risk_tier, result.pd


def domain_pd(points: float) -> float:
    """PD from docs/DOMAIN.md's rounded scaling: score = 387.6 - 72.13 ln(pd / (1 - pd))."""
    return 1 / (1 + math.exp((points - 387.6) / 72.13))


GRADE_EDGES = [
    (1000, "AAA", "low"), (936, "AAA", "low"), (935, "AA", "low"), (886, "AA", "low"),
    (885, "A", "low"), (820, "A", "low"), (819, "BBB", "medium"), (740, "BBB", "medium"),
    (739, "BB", "medium"), (652, "BB", "medium"), (651, "B", "high"), (564, "B", "high"),
    (563, "CCC", "high"), (488, "CCC", "high"), (487, "CC", "high"), (417, "CC", "high"),
    (416, "C", "high"), (0, "C", "high"),
]  # fmt: skip


@pytest.mark.parametrize(("target", "grade", "tier"), GRADE_EDGES)
def test_grade_and_tier_at_each_edge(
    rules: CompiledRuleset, target: int, grade: str, tier: str
) -> None:
    got_score, got_grade, got_tier, _ = scored_at(rules, target)
    assert got_score == target
    assert got_grade == grade
    assert got_tier == tier


CUTS = [("AAA", 0.0005), ("AA", 0.001), ("A", 0.0025), ("BBB", 0.0075), ("BB", 0.025),
        ("B", 0.08), ("CCC", 0.20), ("CC", 0.40)]  # fmt: skip


@pytest.mark.parametrize(("grade", "max_pd"), CUTS)
def test_grade_edges_sit_on_the_pd_cut_offs(
    rules: CompiledRuleset, grade: str, max_pd: float
) -> None:
    lowest = min(s for s, g in enumerate(rules.grade_by_score) if g == grade)
    assert domain_pd(lowest) <= max_pd < domain_pd(lowest - 1)


@pytest.mark.parametrize("target", [1, 100, 387, 450, 600, 650, 700, 812, 900, 999])
def test_score_and_pd_follow_the_scaling_formula(rules: CompiledRuleset, target: int) -> None:
    got, _, _, pd = scored_at(rules, target)
    assert got == target
    assert abs(387.6 - 72.13 * math.log(pd / (1 - pd)) - got) < 0.1


def test_600_points_is_pd_5_percent_and_50_points_double_the_odds(rules: CompiledRuleset) -> None:
    _, _, _, pd600 = scored_at(rules, 600)
    _, _, _, pd650 = scored_at(rules, 650)
    assert pd600 == pytest.approx(0.05, abs=1e-4)
    odds600, odds650 = pd600 / (1 - pd600), pd650 / (1 - pd650)
    assert odds600 / odds650 == pytest.approx(2.0, rel=1e-4)


@pytest.mark.parametrize(("base", "clipped"), [(5000, 1000), (-5000, 0)])
def test_score_is_clipped_to_0_1000(rules: CompiledRuleset, base: int, clipped: int) -> None:
    assert score(EMPTY, with_base(rules, base)).score == clipped


@pytest.mark.parametrize(("tier", "days"), [("low", 180), ("medium", 90), ("high", 30)])
def test_review_interval_by_tier(rules: CompiledRuleset, tier: str, days: int) -> None:
    target = {"low": 900, "medium": 700, "high": 600}[tier]
    result = score(EMPTY, with_base(rules, target - NO_STATEMENT_POINTS))
    assert result.risk_tier == tier
    assert result.review_interval_days == days


def test_no_data_scores_the_neutral_score_and_says_why(rules: CompiledRuleset) -> None:
    result = score(EMPTY, rules)
    assert result.score == rules.neutral_points + NO_STATEMENT_POINTS
    assert result.size_class == "unknown"
    assert result.recommended_limit is None
    missing = {r.factor for r in result.reasons if r.code.endswith(".missing")}
    assert {"debt_ratio", "roa", "current_ratio", "company_age_years", "size_class"} <= missing
    assert all(r.points == 0 for r in result.reasons if r.code.endswith(".missing"))
    assert result.reasons[0].code == "statement_quality.none"


def test_reasons_add_up_to_the_score(rules: CompiledRuleset) -> None:
    result = score(request(credit_events=[event("litigation", "2025-01-01")]), rules)
    assert rules.neutral_points + sum(r.points for r in result.reasons) == result.score
    assert any(r.code == "litigation_recent.bin_2" and r.points < 0 for r in result.reasons)


# Base request: equity 26,000,000, revenue 80,000,000, outstanding 3,000,000, tier medium.
LIMITS = [
    ("min of equity x 0.5 and revenue x 0.2, minus current liability", {}, "10000000.00"),
    ("revenue unknown: equity alone",
     {"financials": [statement(revenue=None)]}, "10000000.00"),
    ("equity derived from assets - liabilities when not given",
     {"financials": [statement(equity=None)]}, "10000000.00"),
    ("equity unknown: revenue alone",
     {"financials": [statement(equity=None, total_assets=None)]}, "13000000.00"),
    ("only a quarterly statement: no annual revenue",
     {"financials": [statement("2025-03-31", "quarterly")]}, "10000000.00"),
    ("both unknown: null", {"financials": []}, None),
    ("negative equity: floored at zero",
     {"financials": [statement(equity="-500000.00")]}, "0.00"),
    ("single-customer cap 10 % of net assets",
     {"limits_context": {"guarantor_net_assets": "100000000.00"}}, "7000000.00"),
    ("group cap 15 % of net assets less the group's liability",
     {"limits_context": {"guarantor_net_assets": "100000000.00",
                         "group_liability": "12000000.00"}}, "3000000.00"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("overrides", "expected"), [pytest.param(o, e, id=why) for why, o, e in LIMITS]
)
def test_recommended_limit(
    rules: CompiledRuleset, overrides: dict[str, object], expected: str | None
) -> None:
    base = score(request(**overrides), rules)
    if expected is None:
        assert base.recommended_limit is None
        return
    assert base.risk_tier is RiskTier.MEDIUM
    assert base.recommended_limit == Decimal(expected)


def test_a_factor_that_fails_is_named(rules: CompiledRuleset) -> None:
    def unreadable(value: float) -> str:
        raise ValueError(f"cannot show {value}")

    debt_ratio = next(f for f in rules.factors if f.id == "debt_ratio")
    broken = debt_ratio._replace(bins=tuple((p, c, unreadable) for p, c, _ in debt_ratio.bins))
    factors = tuple(broken if f.id == "debt_ratio" else f for f in rules.factors)
    with pytest.raises(ValueError, match="cannot show") as caught:
        rate(request(), dataclasses.replace(rules, factors=factors))
    assert caught.value.__notes__ == ["while scoring factor 'debt_ratio'"]
