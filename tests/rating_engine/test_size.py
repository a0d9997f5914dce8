"""Enterprise size (docs/DOMAIN.md §6): the whole table, the drop-one-class rule, micro and unknown.

The table is written out here from docs/DOMAIN.md, independently of the ruleset file, so a wrong
figure in ``v1.yaml`` fails a test.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from guarantee_shared.schemas.rating import SizeClass
from rating_engine.compiled import CompiledRuleset
from rating_engine.scoring import score
from tests.rating_engine.factories import request, statement

X, Y, Z = "employees", "revenue", "total_assets"
WAN = Decimal(10_000)  # 万元 in yuan

# row code -> {class: {metric: lower bound}} with Y and Z in 万元.
TABLE: dict[str, dict[str, dict[str, int]]] = {
    "A01": {"large": {Y: 20000}, "medium": {Y: 500}, "small": {Y: 50}},
    "C39": {"large": {X: 1000, Y: 40000}, "medium": {X: 300, Y: 2000}, "small": {X: 20, Y: 300}},
    "E47": {"large": {Y: 80000, Z: 80000}, "medium": {Y: 6000, Z: 5000},
            "small": {Y: 300, Z: 300}},
    "F51": {"large": {X: 200, Y: 40000}, "medium": {X: 20, Y: 5000}, "small": {X: 5, Y: 1000}},
    "F52": {"large": {X: 300, Y: 20000}, "medium": {X: 50, Y: 500}, "small": {X: 10, Y: 100}},
    "G54": {"large": {X: 1000, Y: 30000}, "medium": {X: 300, Y: 3000}, "small": {X: 20, Y: 200}},
    "G59": {"large": {X: 200, Y: 30000}, "medium": {X: 100, Y: 1000}, "small": {X: 20, Y: 100}},
    "G60": {"large": {X: 1000, Y: 30000}, "medium": {X: 300, Y: 2000}, "small": {X: 20, Y: 100}},
    "H62": {"large": {X: 300, Y: 10000}, "medium": {X: 100, Y: 2000}, "small": {X: 10, Y: 100}},
    "I64": {"large": {X: 2000, Y: 100000}, "medium": {X: 100, Y: 1000},
            "small": {X: 10, Y: 100}},
    "I65": {"large": {X: 300, Y: 10000}, "medium": {X: 100, Y: 1000}, "small": {X: 10, Y: 50}},
    "K7010": {"large": {Y: 200000, Z: 10000}, "medium": {Y: 1000, Z: 5000},
              "small": {Y: 100, Z: 2000}},
    "K702": {"large": {X: 1000, Y: 5000}, "medium": {X: 300, Y: 1000}, "small": {X: 100, Y: 500}},
    "L72": {"large": {X: 300, Z: 120000}, "medium": {X: 100, Z: 8000}, "small": {X: 10, Z: 100}},
    "M73": {"large": {X: 300}, "medium": {X: 100}, "small": {X: 10}},
}  # fmt: skip
DOWN = {"large": "medium", "medium": "small", "small": "micro"}


def classify(rules: CompiledRuleset, code: str | None, figures: dict[str, Any]) -> SizeClass:
    def money(metric: str) -> Decimal | None:
        value = figures.get(metric)
        return None if value is None else Decimal(value) * WAN

    employees = figures.get(X)
    return rules.sizes.classify(
        code,
        employees=None if employees is None else int(employees),
        revenue=money(Y),
        total_assets=money(Z),
    )


def _cases() -> list[Any]:
    cases = []
    for code, classes in TABLE.items():
        for size, bounds in classes.items():
            cases.append(pytest.param(code, dict(bounds), size, id=f"{code}-{size}-at-bounds"))
            for metric in bounds:
                below = dict(bounds)
                below[metric] = bounds[metric] - (1 if metric == X else Decimal("0.0001"))
                cases.append(
                    pytest.param(code, below, DOWN[size], id=f"{code}-{size}-{metric}-below")
                )
    return cases


@pytest.mark.parametrize(("code", "figures", "expected"), _cases())
def test_size_table(
    rules: CompiledRuleset, code: str, figures: dict[str, Any], expected: str
) -> None:
    # Figures a row does not list stay unknown: they must not be needed to decide.
    assert classify(rules, code, figures) == expected


@pytest.mark.parametrize(
    ("code", "figures", "expected"),
    [
        pytest.param("C39", {X: 500, Y: None}, "unknown", id="revenue needed for medium"),
        pytest.param("C39", {X: 2000, Y: None}, "unknown", id="revenue needed for large"),
        pytest.param("C39", {X: 10, Y: None}, "micro", id="known employees below small"),
        pytest.param("C39", {X: None, Y: 100}, "micro", id="known revenue below small"),
        pytest.param("C39", {X: None, Y: 2500}, "unknown", id="revenue fine, employees needed"),
        pytest.param("C39", {X: 100, Y: 40000}, "small", id="large revenue, small staff"),
        pytest.param("M73", {X: None}, "unknown", id="other industries need employees"),
        pytest.param("E47", {Y: 7000, Z: None}, "unknown", id="construction needs assets"),
        pytest.param("E47", {Y: 7000, Z: 200}, "micro", id="construction assets below small"),
        pytest.param("A01", {X: None, Y: 600, Z: None}, "medium", id="agriculture: revenue only"),
    ],
)
def test_missing_figures(
    rules: CompiledRuleset, code: str, figures: dict[str, Any], expected: str
) -> None:
    assert classify(rules, code, figures) == expected


@pytest.mark.parametrize(
    ("code", "figures", "expected"),
    [
        pytest.param("C", {X: 400, Y: 3000}, "medium", id="section C decides: industry row"),
        pytest.param("F", {X: 3, Y: 50}, "micro", id="F: wholesale and retail agree"),
        pytest.param("F", {X: 30, Y: 6000}, "unknown", id="F: wholesale medium, retail small"),
        pytest.param("G53", {X: 150, Y: 5}, "medium", id="railways fall under other"),
        pytest.param("G", {X: 5, Y: 5}, "micro", id="G: every candidate says micro"),
        pytest.param("G", {X: 150, Y: 5000}, "unknown", id="G: candidates disagree"),
        pytest.param("H", {X: 150, Y: 3000}, "medium", id="H is one row"),
        pytest.param("K7020", {X: 400, Y: 1500}, "medium", id="class under group 702"),
        pytest.param("K7030", {X: 150}, "medium", id="other real estate: other row"),
        pytest.param("K70", {X: 400, Y: 1500, Z: 6000}, "unknown", id="K70 is ambiguous"),
        pytest.param("L", {X: 150, Z: 9000}, "medium", id="section L is one row"),
        pytest.param(None, {X: 1, Y: 1, Z: 1}, "micro", id="no industry, micro everywhere"),
        pytest.param(None, {X: 5000, Y: 500000, Z: 500000}, "large", id="no industry, all large"),
        pytest.param(None, {X: 200, Y: 3000, Z: 3000}, "unknown", id="no industry, rows disagree"),
    ],
)
def test_industry_code_to_row(
    rules: CompiledRuleset, code: str | None, figures: dict[str, Any], expected: str
) -> None:
    assert classify(rules, code, figures) == expected


@pytest.mark.parametrize(
    ("revenue", "expected"), [("3000000.00", "small"), ("2999999.99", "micro")]
)
def test_request_revenue_in_yuan_is_compared_in_wan(
    rules: CompiledRuleset, revenue: str, expected: str
) -> None:
    rated = score(
        request(
            customer={"industry_code": "C13", "employees": 20},
            financials=[statement(revenue=revenue)],
        ),
        rules,
    )
    assert rated.size_class == expected


def test_quarterly_revenue_is_not_a_years_revenue(rules: CompiledRuleset) -> None:
    quarterly = [statement("2025-03-31", "quarterly", revenue="900000000.00")]
    rated = score(
        request(customer={"industry_code": "C13", "employees": 500}, financials=quarterly),
        rules,
    )
    assert rated.size_class == "unknown"
    assert any(r.code == "size_class.missing" for r in rated.reasons)
