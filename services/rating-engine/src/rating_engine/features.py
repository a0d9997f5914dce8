"""Features of a rating request: ratios, record counts and flags, derived purely from the request.

A value is ``None`` when the request does not let us know it: a missing figure or a zero
denominator makes a ratio unknown (DOMAIN.md §2), never 0 or infinity. Facts dated after
``as_of`` are left out, and "recent" means within ``window_months`` before ``as_of``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from operator import attrgetter

from guarantee_shared.clock import add_months, whole_months
from guarantee_shared.schemas.rating import (
    CreditEvent,
    CreditEventKind,
    FinancialStatement,
    PeriodType,
    RatingRequest,
)

Value = float | str | bool | None

# Every feature a ruleset may name, by type; ruleset validation checks names against these.
NUMERIC_FEATURES: frozenset[str] = frozenset(
    {
        "debt_ratio", "current_ratio", "roa", "net_margin", "revenue_growth",
        "ocf_to_liabilities", "interest_coverage", "altman_z", "net_profit",
        "operating_cash_flow", "company_age_years", "cooperation_years",
        "severe_events_recent", "severe_events_older", "loan_overdue_recent",
        "tax_arrears_recent", "abnormal_operation_recent", "litigation_recent",
        "administrative_penalty_recent", "positive_records_recent",
        "our_overdue_events", "our_max_overdue_days", "compensations_recent",
        "compensations_total", "contracts_total",
    }
)  # fmt: skip
CATEGORICAL_FEATURES: dict[str, frozenset[str]] = {
    "industry_section": frozenset("ABCDEFGHIJKLMNOPQRST"),
    "external_grade": frozenset({"AAA", "AA", "A", "BBB", "BB", "B", "CCC", "CC", "C"}),
    "tax_grade": frozenset({"A", "B", "M", "C", "D"}),
    "size_class": frozenset({"large", "medium", "small", "micro"}),
    "statement_quality": frozenset({"audited_annual", "unaudited_annual", "quarterly", "none"}),
}
BOOLEAN_FEATURES: frozenset[str] = frozenset(
    {
        "net_loss_latest_annual", "net_losses_two_latest_annuals", "good_record", "poor_record",
        "unresolved_dishonest_executee", "unresolved_default", "unresolved_abnormal_operation",
        "unrecovered_compensation_recent",
    }
)  # fmt: skip

_SEVERE = frozenset({CreditEventKind.DEFAULT, CreditEventKind.DISHONEST_EXECUTEE})
# Kinds that, while unresolved, deny a good record (DOMAIN.md §3).
_BLOCKS_GOOD_RECORD = frozenset(
    {
        CreditEventKind.LOAN_OVERDUE,
        CreditEventKind.DEFAULT,
        CreditEventKind.TAX_ARREARS,
        CreditEventKind.ABNORMAL_OPERATION,
        CreditEventKind.DISHONEST_EXECUTEE,
    }
)
_RECENT_COUNTS = {
    CreditEventKind.LOAN_OVERDUE: "loan_overdue_recent",
    CreditEventKind.TAX_ARREARS: "tax_arrears_recent",
    CreditEventKind.ABNORMAL_OPERATION: "abnormal_operation_recent",
    CreditEventKind.LITIGATION: "litigation_recent",
    CreditEventKind.ADMINISTRATIVE_PENALTY: "administrative_penalty_recent",
    CreditEventKind.POSITIVE_RECORD: "positive_records_recent",
}
_PERIOD_END = attrgetter("period_end")
_NO_RECENT_EVENTS: dict[str, Value] = dict.fromkeys(_RECENT_COUNTS.values(), 0.0)
# Worst first, so that two grades published on one day resolve to the worse one.
_EXTERNAL_ORDER = ("C", "CC", "CCC", "B", "BB", "BBB", "A", "AA", "AAA")
_TAX_ORDER = ("D", "C", "M", "B", "A")


@dataclass(frozen=True, slots=True)
class Figures:
    """Money figures the rating uses outside the scorecard (size class and limit)."""

    industry_code: str | None
    employees: int | None
    annual_revenue: Decimal | None
    total_assets: Decimal | None
    equity: Decimal | None


@dataclass(frozen=True, slots=True)
class Features:
    values: dict[str, Value]
    figures: Figures


def _ratio(numerator: Decimal | None, denominator: Decimal | None) -> float | None:
    if numerator is None or denominator is None or denominator == 0:
        return None
    return float(numerator) / float(denominator)


def _float(value: Decimal | None) -> float | None:
    return None if value is None else float(value)


def _quotient(numerator: float | None, denominator: float | None) -> float | None:
    """:func:`_ratio` of figures already converted with :func:`_float` (a Decimal is 0 exactly
    when its float is: money has two decimal places and at most 16 digits before them)."""
    if numerator is None or denominator is None or denominator == 0.0:
        return None
    return numerator / denominator


def _ebit(statement: FinancialStatement) -> Decimal | None:
    # Without operating profit, net profit plus interest is the closest figure the statement
    # carries; it omits tax, so it errs on the low (prudent) side.
    if statement.operating_profit is not None:
        return statement.operating_profit
    if statement.net_profit is not None and statement.interest_expense is not None:
        return statement.net_profit + statement.interest_expense
    return None


def _equity(statement: FinancialStatement) -> Decimal | None:
    if statement.equity is not None:
        return statement.equity
    if statement.total_assets is not None and statement.total_liabilities is not None:
        return statement.total_assets - statement.total_liabilities
    return None


def _altman_z(
    s: FinancialStatement,
    equity: Decimal | None,
    *,
    assets: float | None,
    liabilities: float | None,
    ebit: float | None,
) -> float | None:
    """Altman Z'' for private non-manufacturers; unknown unless every input is known.

    ``assets``, ``liabilities`` and ``ebit`` are the statement's figures as floats.
    """
    if s.current_assets is None or s.current_liabilities is None:
        return None
    x1 = _ratio(s.current_assets - s.current_liabilities, s.total_assets)
    x2 = _quotient(_float(s.retained_earnings), assets)
    x3 = _quotient(ebit, assets)
    x4 = _quotient(_float(equity), liabilities)
    if x1 is None or x2 is None or x3 is None or x4 is None:
        return None
    return 6.56 * x1 + 3.26 * x2 + 6.72 * x3 + 1.05 * x4


def _loss(statement: FinancialStatement | None) -> bool | None:
    if statement is None or statement.net_profit is None:
        return None
    return statement.net_profit < 0


# Annual revenue, total assets and equity: the money figures statements give to Figures.
StatementFigures = tuple[Decimal | None, Decimal | None, Decimal | None]


def _financial_values(
    statements: list[FinancialStatement],
) -> tuple[dict[str, Value], StatementFigures]:
    by_recency = sorted(statements, key=_PERIOD_END, reverse=True)
    annuals = [s for s in by_recency if s.period_type is PeriodType.ANNUAL]
    latest = annuals[0] if annuals else (by_recency[0] if by_recency else None)
    previous = annuals[1] if len(annuals) > 1 else None
    values: dict[str, Value] = dict.fromkeys(
        (
            "debt_ratio", "current_ratio", "roa", "net_margin", "revenue_growth",
            "ocf_to_liabilities", "interest_coverage", "altman_z", "net_profit",
            "operating_cash_flow",
        )
    )  # fmt: skip
    equity: Decimal | None = None
    if latest is not None:
        equity = _equity(latest)
        # Each figure becomes a float once (float(Decimal) goes through its text); the ratios
        # are the same quotients of the same floats as _ratio would give.
        assets, liabilities = _float(latest.total_assets), _float(latest.total_liabilities)
        net_profit, ebit = _float(latest.net_profit), _float(_ebit(latest))
        cash_flow = _float(latest.operating_cash_flow)
        values["debt_ratio"] = _quotient(liabilities, assets)
        values["current_ratio"] = _ratio(latest.current_assets, latest.current_liabilities)
        values["roa"] = _quotient(net_profit, assets)
        values["net_margin"] = _quotient(net_profit, _float(latest.revenue))
        values["ocf_to_liabilities"] = _quotient(cash_flow, liabilities)
        values["interest_coverage"] = _quotient(ebit, _float(latest.interest_expense))
        values["altman_z"] = _altman_z(
            latest, equity, assets=assets, liabilities=liabilities, ebit=ebit
        )
        values["net_profit"] = net_profit
        values["operating_cash_flow"] = cash_flow
    if annuals and previous is not None:
        growth = _ratio(annuals[0].revenue, previous.revenue)
        values["revenue_growth"] = None if growth is None else growth - 1.0
    latest_annual = annuals[0] if annuals else None
    loss, previous_loss = _loss(latest_annual), _loss(previous)
    values["net_loss_latest_annual"] = loss
    if loss is False or previous_loss is False:
        values["net_losses_two_latest_annuals"] = False
    elif loss is None or previous_loss is None:
        values["net_losses_two_latest_annuals"] = None
    else:
        values["net_losses_two_latest_annuals"] = True
    if latest_annual is not None:
        quality = "audited_annual" if latest_annual.audited else "unaudited_annual"
    else:
        quality = "quarterly" if latest is not None else "none"
    values["statement_quality"] = quality
    # Size and limit need a full year's revenue; a quarter's would understate both.
    annual_revenue = latest_annual.revenue if latest_annual is not None else None
    return values, (annual_revenue, latest.total_assets if latest is not None else None, equity)


def _latest_grade(events: list[CreditEvent], order: tuple[str, ...], strip: bool) -> str | None:
    best: tuple[date, int] | None = None
    grade: str | None = None
    for event in events:
        raw = event.grade or ""
        base = raw.rstrip("+-") if strip else raw
        key = (event.occurred_on, -order.index(base))
        if best is None or key > best:
            best, grade = key, base
    return grade


def _event_values(request: RatingRequest, cutoff: date, values: dict[str, Value]) -> None:
    """Add the credit-record features to ``values``."""
    as_of = request.as_of
    values.update(_NO_RECENT_EVENTS)
    severe_recent = severe_older = 0.0
    unresolved: set[CreditEventKind] = set()
    ratings: list[CreditEvent] = []
    tax_grades: list[CreditEvent] = []
    for event in request.credit_events:
        if event.occurred_on > as_of:
            continue
        kind = event.kind
        recent = event.occurred_on > cutoff
        if event.resolved_on is None or event.resolved_on > as_of:
            unresolved.add(kind)
        if kind in _SEVERE:
            if recent:
                severe_recent += 1
            else:
                severe_older += 1
        elif kind is CreditEventKind.EXTERNAL_RATING:
            if recent:
                ratings.append(event)
        elif kind is CreditEventKind.TAX_CREDIT_GRADE:
            tax_grades.append(event)
        elif recent:
            name = _RECENT_COUNTS[kind]
            values[name] = float(values[name] or 0) + 1
    values["severe_events_recent"] = severe_recent
    values["severe_events_older"] = severe_older
    values["external_grade"] = _latest_grade(ratings, _EXTERNAL_ORDER, strip=True)
    tax = _latest_grade(tax_grades, _TAX_ORDER, strip=False)
    values["tax_grade"] = tax
    values["unresolved_dishonest_executee"] = CreditEventKind.DISHONEST_EXECUTEE in unresolved
    values["unresolved_default"] = CreditEventKind.DEFAULT in unresolved
    values["unresolved_abnormal_operation"] = CreditEventKind.ABNORMAL_OPERATION in unresolved

    history = request.guarantee_history
    has_compensation = history.compensations > 0 or history.compensated_amount > 0
    last = history.last_compensation_on
    # A compensation without a usable date is taken as recent: the prudent reading.
    compensated_recently = has_compensation and (last is None or last > cutoff)
    values["compensations_recent"] = 1.0 if compensated_recently else 0.0
    values["compensations_total"] = float(max(history.compensations, int(has_compensation)))
    values["unrecovered_compensation_recent"] = compensated_recently and (
        history.compensated_amount > history.recovered_amount
    )
    values["our_overdue_events"] = float(history.overdue_events)
    values["our_max_overdue_days"] = float(history.max_overdue_days)
    values["contracts_total"] = float(history.contracts_total)
    overdue_with_us = history.overdue_events > 0 or history.max_overdue_days > 0
    poor = bool(
        unresolved & _SEVERE
        or compensated_recently
        or float(values["loan_overdue_recent"] or 0) >= 2
        or tax == "D"
    )
    values["poor_record"] = poor
    # A record cannot be good and poor at once (ours): two overdues since resolved stay poor.
    values["good_record"] = not (
        poor
        or unresolved & _BLOCKS_GOOD_RECORD
        or overdue_with_us
        or compensated_recently
        or tax in ("C", "D")
    )


def derive(request: RatingRequest, *, window_months: int) -> Features:
    """All features of ``request``; pure and deterministic."""
    as_of = request.as_of
    cutoff = add_months(as_of, -window_months)
    statements = [s for s in request.financials if s.period_end <= as_of]
    values, (annual_revenue, total_assets, equity) = _financial_values(statements)
    _event_values(request, cutoff, values)
    customer = request.customer
    values["industry_section"] = customer.industry_code[0] if customer.industry_code else None
    founded, since = customer.established_on, customer.cooperation_since
    values["company_age_years"] = None if founded is None else whole_months(founded, as_of) / 12
    values["cooperation_years"] = None if since is None else whole_months(since, as_of) / 12
    figures = Figures(
        industry_code=customer.industry_code,
        employees=customer.employees,
        annual_revenue=annual_revenue,
        total_assets=total_assets,
        equity=equity,
    )
    return Features(values=values, figures=figures)
