"""What each indicator is read from, and how fetched figures become observations (pure).

Indicator vocabulary (docs/CONTRACT.md, alerting):

* every numeric field of a portfolio indicator group (``coverage_ratio``, ``overdue_rate`` …),
  read from ``GET /v1/portfolio/indicators?group_by=<scope>``; scope ``portfolio`` is
  ``group_by=none``. Subjects: ``portfolio``, or ``<scope>=<group key>`` (``risk_tier=high``;
  a null key is ``<scope>=unclassified``); ``scope_value`` keeps one group.
* ``leverage``, ``leverage_utilisation`` (leverage / leverage cap, so "> 80 % of cap" is
  ``gt 0.8`` whichever cap applies), ``single_customer_concentration`` (largest customer's
  share of net assets) and ``group_concentration`` (largest related group's), from
  ``GET /v1/portfolio/regulatory``; scope ``portfolio``.
* every signal kind (``contract_overdue``, ``adverse_event`` …) from
  ``GET /v1/portfolio/signals``; scope ``customer``, subject ``customer=<id>``. The value is the
  signal's number (days overdue, growth, debt ratio, cash flow), the largest when a customer has
  several, or 1 for a signal without a number. With ``match`` the value is the count of the
  customer's signals whose value, or ``value:grade``, is listed (``litigation``,
  ``tax_credit_grade:C``); customers with none matching are not breaching.
* ``customer_api_up`` (1 or 0): the meta-indicator of the fetch itself, scope ``portfolio``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from guarantee_shared.schemas.portfolio import (
    GroupBy,
    IndicatorReport,
    RegulatoryFigures,
    Signal,
    SignalKind,
)

PORTFOLIO = "portfolio"
GROUP_FIELDS = (
    "customers",
    "contracts",
    "outstanding_balance",
    "guarantee_liability",
    "collateral_value",
    "coverage_ratio",
    "overdue_amount",
    "overdue_rate",
    "released_amount",
    "compensated_amount",
    "compensation_rate",
    "recovered_amount",
    "recovery_rate",
    "compensation_balance",
    "loss_amount",
    "loss_rate",
)
REGULATORY_FIELDS = (
    "leverage",
    "leverage_utilisation",
    "single_customer_concentration",
    "group_concentration",
)
SIGNAL_KINDS = tuple(kind.value for kind in SignalKind)
META_UP = "customer_api_up"
INDICATORS = (*GROUP_FIELDS, *REGULATORY_FIELDS, *SIGNAL_KINDS, META_UP)
GROUP_SCOPES = tuple(g.value for g in GroupBy if g is not GroupBy.NONE)
SCOPES = (PORTFOLIO, *GROUP_SCOPES)


def rule_problem(
    *, indicator: str, scope: str, scope_value: str | None, match: Sequence[str] | None
) -> tuple[str, str] | None:
    """Why this combination cannot be evaluated, as (field, message); None when it can."""
    if indicator not in INDICATORS:
        return "indicator", f"unknown indicator; one of {', '.join(INDICATORS)}"
    if scope not in SCOPES:
        return "scope", f"unknown scope; one of {', '.join(SCOPES)}"
    if indicator in SIGNAL_KINDS:
        if scope != GroupBy.CUSTOMER:
            return "scope", "signal indicators are evaluated per customer: scope must be customer"
    elif indicator in GROUP_FIELDS:
        if match is not None:
            return "match", "match applies to signal indicators only"
    elif scope != PORTFOLIO:
        return "scope", f"{indicator} is a portfolio figure: scope must be portfolio"
    elif match is not None:
        return "match", "match applies to signal indicators only"
    if scope == PORTFOLIO and scope_value is not None:
        return "scope_value", "scope portfolio takes no scope_value"
    return None


@dataclass(frozen=True)
class Needs:
    """What one cycle has to fetch for a set of rules."""

    group_bys: frozenset[GroupBy] = frozenset()
    signals: bool = False
    regulatory: bool = False


def needs(indicators: Sequence[tuple[str, str]]) -> Needs:
    """``indicators``: (indicator, scope) of every enabled rule."""
    group_bys: set[GroupBy] = set()
    signals = regulatory = False
    for indicator, scope in indicators:
        if indicator in GROUP_FIELDS:
            group_bys.add(GroupBy.NONE if scope == PORTFOLIO else GroupBy(scope))
        elif indicator in SIGNAL_KINDS:
            signals = True
        elif indicator in REGULATORY_FIELDS:
            regulatory = True
    return Needs(frozenset(group_bys), signals, regulatory)


@dataclass(frozen=True)
class Fetched:
    """One cycle's figures; a missing key or None means that source could not be fetched."""

    indicators: dict[GroupBy, IndicatorReport] = field(default_factory=dict)
    signals: list[Signal] | None = None
    regulatory: RegulatoryFigures | None = None
    up: bool = True


@dataclass(frozen=True)
class RuleSource:
    indicator: str
    scope: str
    scope_value: str | None = None
    match: tuple[str, ...] | None = None


def _number(value: object) -> Decimal | None:
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, Decimal):
        return value
    try:
        return Decimal(str(value))
    except InvalidOperation:
        return None


def _group_subject(scope: str, key: str | None) -> str:
    return f"{scope}={key if key is not None else 'unclassified'}"


def _from_groups(rule: RuleSource, report: IndicatorReport) -> dict[str, Decimal | None]:
    if rule.scope == PORTFOLIO:
        if not report.groups:
            return {}
        return {PORTFOLIO: _number(getattr(report.groups[0], rule.indicator))}
    out: dict[str, Decimal | None] = {}
    for group in report.groups:
        if rule.scope_value is not None and group.key != rule.scope_value:
            continue
        out[_group_subject(rule.scope, group.key)] = _number(getattr(group, rule.indicator))
    return out


def _from_regulatory(indicator: str, figures: RegulatoryFigures) -> Decimal | None:
    if indicator == "leverage":
        return figures.leverage
    if indicator == "leverage_utilisation":
        if figures.leverage is None or figures.leverage_cap <= 0:
            return None
        return (figures.leverage / figures.leverage_cap).quantize(Decimal("0.000001"))
    if indicator == "single_customer_concentration":
        top = figures.largest_customer
        return top.share if top is not None else Decimal(0)
    top_group = figures.largest_group
    return top_group.share if top_group is not None else Decimal(0)


def _from_signals(rule: RuleSource, signals: Sequence[Signal]) -> dict[str, Decimal | None]:
    out: dict[str, Decimal | None] = {}
    for signal in signals:
        if signal.kind != rule.indicator:
            continue
        if rule.scope_value is not None and str(signal.customer_id) != rule.scope_value:
            continue
        subject = f"customer={signal.customer_id}"
        if rule.match is not None:
            tokens = {str(signal.value), f"{signal.value}:{signal.grade}"}
            if tokens.isdisjoint(rule.match):
                continue
            out[subject] = (out.get(subject) or Decimal(0)) + 1
            continue
        value = _number(signal.value)
        value = Decimal(1) if value is None else value
        previous = out.get(subject)
        out[subject] = value if previous is None else max(previous, value)
    return out


def observe(rule: RuleSource, fetched: Fetched) -> dict[str, Decimal | None] | None:
    """The rule's subjects and values, or None when its source was not fetched."""
    if rule.indicator == META_UP:
        return {PORTFOLIO: Decimal(1) if fetched.up else Decimal(0)}
    if rule.indicator in GROUP_FIELDS:
        group_by = GroupBy.NONE if rule.scope == PORTFOLIO else GroupBy(rule.scope)
        report = fetched.indicators.get(group_by)
        return None if report is None else _from_groups(rule, report)
    if rule.indicator in REGULATORY_FIELDS:
        if fetched.regulatory is None:
            return None
        return {PORTFOLIO: _from_regulatory(rule.indicator, fetched.regulatory)}
    if fetched.signals is None:
        return None
    return _from_signals(rule, fetched.signals)
