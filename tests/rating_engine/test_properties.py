"""Properties over generated requests: monotone score, determinism, batch equals singles."""

from __future__ import annotations

import json
import random
import re
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import rating_engine
from guarantee_shared.schemas.rating import RatingRequest
from rating_engine.compiled import CompiledRuleset, compile_ruleset
from rating_engine.features import derive
from rating_engine.ruleset import load_ruleset
from rating_engine.scoring import evaluate, score
from rating_engine.service import RatingService
from rating_engine.settings import BUILTIN_RULESETS
from tests.rating_engine.factories import AS_OF

PROFILE = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

ADVERSE_KINDS = (
    "loan_overdue", "default", "tax_arrears", "abnormal_operation", "litigation",
    "dishonest_executee", "administrative_penalty",
)  # fmt: skip
# The direction each ratio should push the score, from credit practice (not from the ruleset).
RATIO_DIRECTION = {
    "debt_ratio": -1, "current_ratio": 1, "roa": 1, "net_margin": 1, "revenue_growth": 1,
    "ocf_to_liabilities": 1, "interest_coverage": 1, "altman_z": 1,
}  # fmt: skip

# Module-level rather than a fixture: hypothesis prints its arguments when a property fails.
RULES: CompiledRuleset = compile_ruleset(load_ruleset(BUILTIN_RULESETS / "v1.yaml"))

days_back = st.integers(min_value=0, max_value=6 * 365)


def _yuan(value: int) -> str:
    return f"{value}.00"


@st.composite
def statements(draw: st.DrawFn, period_end: date) -> dict[str, Any]:
    assets = draw(st.integers(min_value=0, max_value=10**9))
    liabilities = draw(st.integers(min_value=0, max_value=2 * assets + 1))
    optional = st.none() | st.integers(min_value=-(10**8), max_value=10**8).map(_yuan)
    body: dict[str, Any] = {
        "period_end": period_end.isoformat(),
        "period_type": "annual",
        "audited": draw(st.booleans()),
        "total_assets": _yuan(assets),
        "total_liabilities": _yuan(liabilities),
        "equity": _yuan(assets - liabilities),
        "current_assets": _yuan(draw(st.integers(min_value=0, max_value=assets))),
        "current_liabilities": _yuan(draw(st.integers(min_value=0, max_value=liabilities + 1))),
        "cash": "0.00",
        "revenue": _yuan(draw(st.integers(min_value=0, max_value=3 * assets + 1))),
        "net_profit": _yuan(draw(st.integers(min_value=-(assets // 3), max_value=assets // 3))),
        "operating_cash_flow": _yuan(draw(st.integers(min_value=-(10**8), max_value=10**8))),
        "operating_profit": draw(optional),
        "interest_expense": draw(st.none() | st.integers(0, 10**7).map(_yuan)),
        "retained_earnings": draw(optional),
    }
    return {k: v for k, v in body.items() if v is not None}


@st.composite
def credit_events(draw: st.DrawFn, kinds: tuple[str, ...] = ADVERSE_KINDS) -> dict[str, Any]:
    kind = draw(st.sampled_from(kinds))
    occurred = AS_OF - timedelta(days=draw(days_back))
    body: dict[str, Any] = {"source": "other", "kind": kind, "occurred_on": occurred.isoformat()}
    if draw(st.booleans()):
        body["resolved_on"] = (occurred + timedelta(days=draw(days_back))).isoformat()
    return body


@st.composite
def rating_requests(draw: st.DrawFn, *, with_financials: bool = False) -> dict[str, Any]:
    financials = [
        draw(statements(date(2024, 12, 31))),
        *draw(st.lists(statements(date(2023, 12, 31)), max_size=1)),
    ]
    graded = st.sampled_from(
        [("tax_credit_grade", g) for g in "ABMCD"]
        + [("external_rating", g) for g in ("AAA", "AA+", "A-", "BBB", "B", "CCC", "C")]
    )
    grades = [
        {"source": "other", "kind": kind, "grade": grade,
         "occurred_on": (AS_OF - timedelta(days=draw(days_back))).isoformat()}
        for kind, grade in draw(st.lists(graded, max_size=2))
    ]  # fmt: skip
    compensations = draw(st.integers(0, 2))
    return {
        "as_of": AS_OF.isoformat(),
        "customer": {
            "industry_code": draw(st.sampled_from(["C3911", "F52", "G", "K7010", "E", "M73"])),
            "established_on": (AS_OF - timedelta(days=draw(st.integers(0, 9000)))).isoformat(),
            "employees": draw(st.none() | st.integers(0, 3000)),
            "cooperation_since": (AS_OF - timedelta(days=draw(days_back))).isoformat(),
        },
        "financials": financials if with_financials else draw(st.sampled_from([[], financials])),
        "credit_events": draw(st.lists(credit_events(), max_size=3)) + grades,
        "guarantee_history": {
            "contracts_total": draw(st.integers(0, 10)),
            "overdue_events": draw(st.integers(0, 3)),
            "max_overdue_days": draw(st.integers(0, 120)),
            "compensations": compensations,
            "compensated_amount": "100000.00" if compensations else "0.00",
            "last_compensation_on": (AS_OF - timedelta(days=400)).isoformat()
            if compensations
            else None,
            "outstanding_balance": _yuan(draw(st.integers(0, 10**7))),
        },
    }


def _rate(body: dict[str, Any]) -> int:
    return score(RatingRequest.model_validate(body), RULES).score


@PROFILE
@given(
    body=rating_requests(),
    feature=st.sampled_from(sorted(RATIO_DIRECTION)),
    a=st.floats(-5, 50, allow_nan=False),
    b=st.floats(-5, 50, allow_nan=False),
)
def test_improving_one_ratio_never_lowers_the_score(
    body: dict[str, Any], feature: str, a: float, b: float
) -> None:
    worse, better = sorted((a, b), key=lambda v: v * RATIO_DIRECTION[feature])
    request = RatingRequest.model_validate(body)
    scores = []
    for value in (worse, better):
        features = derive(request, window_months=RULES.window_months)
        features.values[feature] = value
        scores.append(evaluate(features, request, RULES)["score"])
    assert scores[0] <= scores[1]


@PROFILE
@given(
    body=rating_requests(with_financials=True),
    field=st.sampled_from(["net_profit", "operating_cash_flow", "current_assets"]),
    more=st.integers(1, 10**8),
)
def test_more_profit_cash_or_current_assets_never_lowers_the_score(
    body: dict[str, Any], field: str, more: int
) -> None:
    # One figure rises, every other stays: each ratio it feeds improves or stays the same.
    before = _rate(body)
    latest = body["financials"][0]
    latest[field] = _yuan(int(float(latest.get(field, "0"))) + more)
    assert _rate(body) >= before


@PROFILE
@given(body=rating_requests(), extra=credit_events())
def test_an_adverse_event_never_raises_the_score(
    body: dict[str, Any], extra: dict[str, Any]
) -> None:
    before = score(RatingRequest.model_validate(body), RULES)
    body["credit_events"].append(extra)
    after = score(RatingRequest.model_validate(body), RULES)
    assert after.score <= before.score
    assert set(before.knockouts) <= set(after.knockouts)


@PROFILE
@given(
    body=rating_requests(),
    field=st.sampled_from(["overdue_events", "max_overdue_days", "compensations"]),
    more=st.integers(1, 200),
)
def test_a_worse_guarantee_history_never_raises_the_score(
    body: dict[str, Any], field: str, more: int
) -> None:
    before = _rate(body)
    history = body["guarantee_history"]
    history[field] += more
    if field == "compensations":
        history["compensated_amount"] = "500000.00"
        history["last_compensation_on"] = (AS_OF - timedelta(days=30)).isoformat()
    assert _rate(body) <= before


@PROFILE
@given(body=rating_requests(), seed=st.integers(0, 2**32 - 1))
def test_same_request_same_result(body: dict[str, Any], seed: int) -> None:
    first = score(RatingRequest.model_validate(body), RULES).model_dump_json()
    again = score(RatingRequest.model_validate(json.loads(json.dumps(body))), RULES)
    assert again.model_dump_json() == first
    random.Random(seed).shuffle(body["credit_events"])
    shuffled = score(RatingRequest.model_validate(body), RULES)
    assert shuffled.model_dump_json() == first


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(bodies=st.lists(rating_requests(), min_size=1, max_size=30))
def test_batch_equals_singles(engine_app: Any, bodies: list[dict[str, Any]]) -> None:
    service: RatingService = engine_app.state.rating_service
    batch = json.loads(service.score_batch(bodies))
    singles = [
        json.loads(service.score(RatingRequest.model_validate(b)).model_dump_json()) for b in bodies
    ]
    assert batch == {"results": singles}


def test_scoring_modules_read_no_clock_randomness_or_files() -> None:
    package = Path(rating_engine.__file__).parent
    for module in ("scoring.py", "features.py", "compiled.py", "sizing.py"):
        source = (package / module).read_text(encoding="utf-8")
        for forbidden in (r"import (random|time|os)\b", r"\.(now|today)\(", r"\bopen\("):
            assert not re.search(forbidden, source), f"{module} matches {forbidden}"
