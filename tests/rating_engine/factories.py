"""Rating requests for tests: a sound mid-sized manufacturer, varied one field at a time."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from guarantee_shared.schemas.rating import RatingRequest

AS_OF = date(2025, 6, 30)


def statement(
    period_end: str = "2024-12-31", period_type: str = "annual", **overrides: Any
) -> dict[str, Any]:
    """An annual statement in yuan: debt ratio 0.48, current ratio 1.875, ROA 0.07."""
    base: dict[str, Any] = {
        "period_end": period_end,
        "period_type": period_type,
        "audited": True,
        "total_assets": "50000000.00",
        "total_liabilities": "24000000.00",
        "equity": "26000000.00",
        "current_assets": "30000000.00",
        "current_liabilities": "16000000.00",
        "cash": "5000000.00",
        "revenue": "80000000.00",
        "net_profit": "3500000.00",
        "operating_cash_flow": "4200000.00",
        "operating_profit": "4800000.00",
        "interest_expense": "900000.00",
        "retained_earnings": "9000000.00",
    }
    base.update(overrides)
    return {k: v for k, v in base.items() if v is not None}


def previous_year(**overrides: Any) -> dict[str, Any]:
    return statement(
        "2023-12-31",
        revenue="72000000.00",
        net_profit="3000000.00",
        total_assets="47000000.00",
        total_liabilities="23000000.00",
        equity="24000000.00",
        **overrides,
    )


def event(kind: str, occurred_on: str = "2025-01-15", **fields: Any) -> dict[str, Any]:
    source = {
        "tax_credit_grade": "tax",
        "tax_arrears": "tax",
        "litigation": "court",
        "dishonest_executee": "court",
        "abnormal_operation": "registry",
        "external_rating": "credit_bureau",
    }.get(kind, "bank")
    return {"source": source, "kind": kind, "occurred_on": occurred_on, **fields}


def payload(**overrides: Any) -> dict[str, Any]:
    """A whole request body; ``overrides`` replace top-level keys (``customer`` is merged)."""
    customer = {
        "industry_code": "C3911",
        "established_on": "2012-03-01",
        "employees": 120,
        "registered_capital": "10000000.00",
        "cooperation_since": "2021-05-01",
    }
    customer.update(overrides.pop("customer", {}))
    body: dict[str, Any] = {
        "as_of": AS_OF.isoformat(),
        "customer": {k: v for k, v in customer.items() if v is not None},
        "financials": [statement(), previous_year()],
        "credit_events": [],
        "guarantee_history": {"contracts_total": 4, "outstanding_balance": "3000000.00"},
    }
    body.update(overrides)
    return body


def request(**overrides: Any) -> RatingRequest:
    return RatingRequest.model_validate(payload(**overrides))


def money(value: str) -> Decimal:
    return Decimal(value)
