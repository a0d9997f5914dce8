"""Class conditions (docs/DOMAIN.md §4) and knock-outs (§3), one table row per rule and boundary."""

from __future__ import annotations

from typing import Any

import pytest

from guarantee_shared.schemas.rating import CustomerClass, RatingResult, RiskTier
from rating_engine.compiled import CompiledRuleset
from rating_engine.scoring import score
from tests.rating_engine.factories import event, request, statement


def plain(**latest: Any) -> list[dict[str, Any]]:
    """Two annual statements on which no class condition holds.

    Debt ratio 0.75, current ratio 1.2, ROA 0.01, net margin 1.2 %, revenue -15 % on the year.
    """
    figures: dict[str, Any] = {
        "total_assets": "100000000.00",
        "total_liabilities": "75000000.00",
        "equity": "25000000.00",
        "current_assets": "36000000.00",
        "current_liabilities": "30000000.00",
        "revenue": "85000000.00",
        "net_profit": "1000000.00",
        "operating_cash_flow": "2000000.00",
    }
    figures.update(latest)
    prior = {**figures, "revenue": "100000000.00", "net_profit": "1500000.00"}
    return [statement(**figures), statement("2023-12-31", **prior)]


def rate(rules: CompiledRuleset, *, financials: Any = None, **overrides: Any) -> RatingResult:
    customer = {"cooperation_since": "2025-01-01", **overrides.pop("customer", {})}
    body = {"financials": plain() if financials is None else financials, **overrides}
    return score(request(customer=customer, **body), rules)


def test_the_plain_customer_matches_no_condition(rules: CompiledRuleset) -> None:
    result = rate(rules)
    assert result.matched_conditions == []
    assert result.customer_class is CustomerClass.GENERAL
    assert result.knockouts == []


POOR = [event("loan_overdue", "2024-09-01"), event("loan_overdue", "2025-02-01")]

CONDITIONS: list[tuple[str, str, dict[str, Any], bool]] = [
    ("high_risk.a", "CCC within 24 months",
     {"credit_events": [event("external_rating", "2024-01-10", grade="CCC")]}, True),
    ("high_risk.a", "C-class rating older than 24 months is stale",
     {"credit_events": [event("external_rating", "2023-06-01", grade="CC")]}, False),
    ("high_risk.a", "B is not C-class",
     {"credit_events": [event("external_rating", "2025-01-10", grade="B-")]}, False),
    ("high_risk.b", "loss and revenue down 25 %",
     {"financials": plain(net_profit="-1000000.00", revenue="75000000.00")}, True),
    ("high_risk.b", "loss with revenue down only 15 %",
     {"financials": plain(net_profit="-1000000.00")}, False),
    ("high_risk.b", "losses in the two latest years",
     {"financials": [statement(net_profit="-10.00"), statement("2023-12-31", net_profit="-5.00")]},
     True),
    ("high_risk.c", "debt ratio 0.81",
     {"financials": plain(total_liabilities="81000000.00", equity="19000000.00")}, True),
    ("high_risk.c", "debt ratio exactly 0.80",
     {"financials": plain(total_liabilities="80000000.00", equity="20000000.00")}, False),
    ("high_risk.d", "new customer with two bank overdues", {"credit_events": POOR}, True),
    ("high_risk.d", "two bank overdues after a year of cooperation",
     {"credit_events": POOR, "customer": {"cooperation_since": "2024-06-30"}}, False),
    ("premium.a", "AAA within 24 months",
     {"credit_events": [event("external_rating", "2024-07-01", grade="AAA")]}, True),
    ("premium.a", "AAA from 2022 is stale",
     {"credit_events": [event("external_rating", "2022-07-01", grade="AAA")]}, False),
    ("premium.b", "growing, ROA and margin 5 %, positive cash flow",
     {"financials": plain(revenue="100000000.00", net_profit="5000000.00")}, True),
    ("premium.b", "zero operating cash flow",
     {"financials": plain(revenue="100000000.00", net_profit="5000000.00",
                          operating_cash_flow="0.00")}, False),
    ("premium.c", "debt 0.50, current ratio 1.5, profit",
     {"financials": plain(total_liabilities="50000000.00", equity="50000000.00",
                          current_assets="45000000.00")}, True),
    ("premium.c", "current ratio 1.49",
     {"financials": plain(total_liabilities="50000000.00", equity="50000000.00",
                          current_assets="44700000.00")}, False),
    ("premium.d", "three years and a good record",
     {"customer": {"cooperation_since": "2022-06-30"}}, True),
    ("premium.d", "three years with a tax grade C",
     {"customer": {"cooperation_since": "2022-06-30"},
      "credit_events": [event("tax_credit_grade", "2025-04-01", grade="C")]}, False),
    ("general.a", "AA+ counts as AA",
     {"credit_events": [event("external_rating", "2025-03-01", grade="AA+")]}, True),
    ("general.b", "revenue -10 % and break-even",
     {"financials": plain(revenue="90000000.00", net_profit="0.00")}, True),
    ("general.b", "revenue -10.1 %",
     {"financials": plain(revenue="89900000.00")}, False),
    ("general.c", "debt ratio exactly 0.70",
     {"financials": plain(total_liabilities="70000000.00", equity="30000000.00")}, True),
    ("general.d", "one year and a good record",
     {"customer": {"cooperation_since": "2024-06-30"}}, True),
    ("general.d", "one year with an unresolved tax arrear",
     {"customer": {"cooperation_since": "2024-06-30"},
      "credit_events": [event("tax_arrears", "2025-03-01")]}, False),
    ("general.d", "one year with an overdue on our contract",
     {"customer": {"cooperation_since": "2024-06-30"},
      "guarantee_history": {"overdue_events": 1, "max_overdue_days": 5}}, False),
]  # fmt: skip


@pytest.mark.parametrize(
    ("condition", "overrides", "holds"),
    [pytest.param(c, o, h, id=f"{c}: {why}") for c, why, o, h in CONDITIONS],
)
def test_class_condition(
    rules: CompiledRuleset, condition: str, overrides: dict[str, Any], holds: bool
) -> None:
    result = rate(rules, **overrides)
    assert (condition in result.matched_conditions) is holds
    if holds and condition.startswith("high_risk."):
        assert result.customer_class is CustomerClass.HIGH_RISK
        assert result.risk_tier is RiskTier.HIGH


def test_unknown_debt_ratio_matches_neither_side(rules: CompiledRuleset) -> None:
    result = rate(rules, financials=plain(total_assets=None, total_liabilities=None))
    assert "high_risk.c" not in result.matched_conditions
    assert "general.c" not in result.matched_conditions


def test_high_risk_takes_precedence_over_premium(rules: CompiledRuleset) -> None:
    result = rate(
        rules,
        credit_events=[event("external_rating", "2025-01-10", grade="AAA")],
        financials=plain(total_liabilities="85000000.00", equity="15000000.00"),
    )
    assert {"premium.a", "high_risk.c"} <= set(result.matched_conditions)
    assert result.customer_class is CustomerClass.HIGH_RISK
    assert result.risk_tier is RiskTier.HIGH


def test_a_high_tier_customer_is_never_premium(rules: CompiledRuleset) -> None:
    strong_but_troubled = rate(
        rules,
        financials=plain(
            total_liabilities="50000000.00", equity="50000000.00", current_assets="45000000.00"
        ),
        credit_events=[
            event("loan_overdue", "2025-02-01", resolved_on="2025-03-01"),
            event("tax_arrears", "2024-11-01", resolved_on="2024-12-01"),
            event("tax_arrears", "2025-01-01", resolved_on="2025-02-01"),
        ],
        guarantee_history={"overdue_events": 2, "max_overdue_days": 95},
    )
    assert "premium.c" in strong_but_troubled.matched_conditions
    assert strong_but_troubled.risk_tier is RiskTier.HIGH
    assert strong_but_troubled.customer_class is CustomerClass.GENERAL


def test_premium_when_a_premium_condition_holds_and_tier_allows(rules: CompiledRuleset) -> None:
    result = rate(rules, customer={"cooperation_since": "2020-01-01"})
    assert "premium.d" in result.matched_conditions
    assert result.risk_tier is not RiskTier.HIGH
    assert result.customer_class is CustomerClass.PREMIUM


KNOCKOUTS: list[tuple[str, str, dict[str, Any], bool]] = [
    ("dishonest_executee", "listed and unresolved",
     {"credit_events": [event("dishonest_executee", "2019-05-01")]}, True),
    ("dishonest_executee", "listing resolved",
     {"credit_events": [event("dishonest_executee", "2024-05-01", resolved_on="2024-08-01")]},
     False),
    ("dishonest_executee", "resolved only after as_of",
     {"credit_events": [event("dishonest_executee", "2024-05-01", resolved_on="2025-08-01")]},
     True),
    ("default", "unresolved default",
     {"credit_events": [event("default", "2025-03-01")]}, True),
    ("default", "resolved default",
     {"credit_events": [event("default", "2025-03-01", resolved_on="2025-04-01")]}, False),
    ("tax_grade_d", "latest tax grade D",
     {"credit_events": [event("tax_credit_grade", "2024-04-01", grade="A"),
                        event("tax_credit_grade", "2025-04-01", grade="D")]}, True),
    ("tax_grade_d", "D followed by a newer B",
     {"credit_events": [event("tax_credit_grade", "2024-04-01", grade="D"),
                        event("tax_credit_grade", "2025-04-01", grade="B")]}, False),
    ("abnormal_operation", "listed and unresolved",
     {"credit_events": [event("abnormal_operation", "2021-01-01")]}, True),
    ("abnormal_operation", "removed from the list",
     {"credit_events": [event("abnormal_operation", "2025-01-01", resolved_on="2025-02-01")]},
     False),
    ("unrecovered_compensation", "compensated in 24 months, part recovered",
     {"guarantee_history": {"compensations": 1, "compensated_amount": "1000000.00",
                            "recovered_amount": "400000.00",
                            "last_compensation_on": "2024-10-01"}}, True),
    ("unrecovered_compensation", "fully recovered",
     {"guarantee_history": {"compensations": 1, "compensated_amount": "1000000.00",
                            "recovered_amount": "1000000.00",
                            "last_compensation_on": "2024-10-01"}}, False),
    ("unrecovered_compensation", "older than 24 months",
     {"guarantee_history": {"compensations": 1, "compensated_amount": "1000000.00",
                            "last_compensation_on": "2023-06-01"}}, False),
    ("unrecovered_compensation", "date unknown: taken as recent",
     {"guarantee_history": {"compensations": 1, "compensated_amount": "1000000.00"}}, True),
]  # fmt: skip


@pytest.mark.parametrize(
    ("knockout", "overrides", "fires"),
    [pytest.param(k, o, f, id=f"{k}: {why}") for k, why, o, f in KNOCKOUTS],
)
def test_knockout(
    rules: CompiledRuleset, knockout: str, overrides: dict[str, Any], fires: bool
) -> None:
    # A strong customer, so that only the knock-out can make it high risk.
    result = rate(rules, financials=None, customer={"cooperation_since": "2018-01-01"}, **overrides)
    assert (knockout in result.knockouts) is fires
    if fires:
        assert result.customer_class is CustomerClass.HIGH_RISK
        assert result.risk_tier is RiskTier.HIGH
        assert result.score <= rules.knockout_score_cap
        assert result.credit_grade in {"B", "CCC", "CC", "C"}
        assert result.recommended_limit == 0
        assert result.review_interval_days == 30
        assert any(r.code == "knockout.grade_cap" for r in result.reasons)


def test_knockout_caps_a_strong_score_and_reports_the_cap(rules: CompiledRuleset) -> None:
    strong = request(customer={"cooperation_since": "2018-01-01"})
    clean = score(strong, rules)
    listed = score(
        request(
            customer={"cooperation_since": "2018-01-01"},
            credit_events=[event("abnormal_operation", "2018-01-01")],
        ),
        rules,
    )
    assert clean.score > rules.knockout_score_cap
    assert listed.score == rules.knockout_score_cap
    cap = next(r for r in listed.reasons if r.code == "knockout.grade_cap")
    # The abnormal listing is older than 24 months, so only the cap lowers the score.
    assert cap.points == rules.knockout_score_cap - clean.score
    assert "经营异常" in cap.message
