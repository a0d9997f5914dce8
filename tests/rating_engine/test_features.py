"""Feature derivation: ratios, unknowns, windows, which statement counts, record flags."""

from __future__ import annotations

from typing import Any

import pytest

from rating_engine.compiled import CompiledRuleset
from rating_engine.features import derive
from rating_engine.scoring import score
from tests.rating_engine.factories import event, previous_year, request, statement


def values(**overrides: Any) -> dict[str, Any]:
    return derive(request(**overrides), window_months=24).values


def test_ratios_of_the_latest_annual_statement() -> None:
    got = values()
    assert got["debt_ratio"] == pytest.approx(0.48)
    assert got["current_ratio"] == pytest.approx(1.875)
    assert got["roa"] == pytest.approx(0.07)
    assert got["net_margin"] == pytest.approx(3.5 / 80)
    assert got["revenue_growth"] == pytest.approx(80 / 72 - 1)
    assert got["ocf_to_liabilities"] == pytest.approx(4.2 / 24)
    assert got["interest_coverage"] == pytest.approx(4.8 / 0.9)
    z = 6.56 * (14 / 50) + 3.26 * (9 / 50) + 6.72 * (4.8 / 50) + 1.05 * (26 / 24)
    assert got["altman_z"] == pytest.approx(z)


@pytest.mark.parametrize(
    ("figures", "unknown"),
    [
        ({"total_assets": "0.00"}, ["debt_ratio", "roa", "altman_z"]),
        ({"current_liabilities": "0.00"}, ["current_ratio"]),
        ({"revenue": "0.00"}, ["net_margin"]),
        ({"total_liabilities": "0.00"}, ["ocf_to_liabilities", "altman_z"]),
        ({"interest_expense": "0.00"}, ["interest_coverage"]),
        ({"interest_expense": None}, ["interest_coverage"]),
        ({"retained_earnings": None}, ["altman_z"]),
        ({"total_liabilities": None}, ["debt_ratio", "ocf_to_liabilities", "altman_z"]),
    ],
)
def test_a_zero_or_missing_denominator_is_unknown(
    figures: dict[str, Any], unknown: list[str]
) -> None:
    got = values(financials=[statement(**figures), previous_year()])
    for name in unknown:
        assert got[name] is None, name


def test_ebit_falls_back_to_profit_plus_interest() -> None:
    got = values(financials=[statement(operating_profit=None)])
    assert got["interest_coverage"] == pytest.approx((3.5 + 0.9) / 0.9)


def test_unknown_gets_neutral_points_never_the_zero_bin(rules: CompiledRuleset) -> None:
    unknown = score(request(financials=[statement(total_liabilities=None)]), rules)
    zero = score(request(financials=[statement(total_liabilities="0.00")]), rules)
    by_factor = {r.factor: r for r in unknown.reasons}
    assert by_factor["debt_ratio"].code == "debt_ratio.missing"
    assert by_factor["debt_ratio"].points == 0
    assert "unknown" in by_factor["debt_ratio"].message
    assert next(r for r in zero.reasons if r.factor == "debt_ratio").points > 0
    assert unknown.ratios.debt_ratio is None


def test_growth_needs_two_annual_statements() -> None:
    quarter = statement("2025-03-31", "quarterly")
    assert values(financials=[quarter, statement()])["revenue_growth"] is None


def test_quarterly_only_when_there_is_no_annual() -> None:
    quarter = statement("2025-03-31", "quarterly", total_liabilities="30000000.00")
    with_annual = values(financials=[quarter, statement()])
    assert with_annual["debt_ratio"] == pytest.approx(0.48)
    only_quarter = values(financials=[quarter])
    assert only_quarter["debt_ratio"] == pytest.approx(0.6)
    assert only_quarter["statement_quality"] == "quarterly"


def test_statements_are_ordered_by_date_not_by_position() -> None:
    assert values(financials=[previous_year(), statement()]) == values()


def test_facts_after_as_of_are_left_out() -> None:
    future = statement("2025-12-31", total_liabilities="49000000.00")
    assert values(financials=[future, statement(), previous_year()]) == values()
    later = values(credit_events=[event("default", "2025-07-01")])
    assert later["unresolved_default"] is False
    assert later["severe_events_recent"] == 0


def test_resolution_after_as_of_is_still_unresolved() -> None:
    got = values(credit_events=[event("default", "2025-01-01", resolved_on="2025-07-15")])
    assert got["unresolved_default"] is True


@pytest.mark.parametrize(("occurred_on", "recent"), [("2023-06-30", False), ("2023-07-01", True)])
def test_the_24_month_window_edge(occurred_on: str, recent: bool) -> None:
    got = values(credit_events=[event("loan_overdue", occurred_on, resolved_on=occurred_on)])
    assert got["loan_overdue_recent"] == (1 if recent else 0)


def test_same_day_grades_resolve_to_the_worse_one() -> None:
    got = values(
        credit_events=[
            event("tax_credit_grade", "2025-04-01", grade="A"),
            event("tax_credit_grade", "2025-04-01", grade="C"),
            event("external_rating", "2025-01-01", grade="AA+"),
            event("external_rating", "2025-01-01", grade="A-"),
        ]
    )
    assert got["tax_grade"] == "C"
    assert got["external_grade"] == "A"


@pytest.mark.parametrize(
    ("events", "history", "good", "poor"),
    [
        ([], {}, True, False),
        ([event("litigation")], {}, True, False),
        ([event("loan_overdue")], {}, False, False),
        ([event("loan_overdue", resolved_on="2025-02-01")], {}, True, False),
        ([event("loan_overdue", resolved_on="2025-02-01"),
          event("loan_overdue", "2024-03-01", resolved_on="2024-04-01")], {}, False, True),
        ([event("tax_credit_grade", grade="C")], {}, False, False),
        ([event("tax_credit_grade", grade="D")], {}, False, True),
        ([event("dishonest_executee", "2015-01-01")], {}, False, True),
        ([], {"overdue_events": 1, "max_overdue_days": 3}, False, False),
        ([], {"compensations": 1, "compensated_amount": "10.00",
              "last_compensation_on": "2024-01-01"}, False, True),
    ],
)  # fmt: skip
def test_good_and_poor_record(
    events: list[dict[str, Any]], history: dict[str, Any], good: bool, poor: bool
) -> None:
    got = values(credit_events=events, guarantee_history=history)
    assert (got["good_record"], got["poor_record"]) == (good, poor)


def test_company_age_and_cooperation_in_years() -> None:
    got = values(customer={"established_on": "2015-06-30", "cooperation_since": "2024-12-31"})
    assert got["company_age_years"] == 10
    assert got["cooperation_years"] == 0.5
    unknown = values(customer={"established_on": None, "cooperation_since": None})
    assert unknown["company_age_years"] is None
    assert unknown["cooperation_years"] is None
