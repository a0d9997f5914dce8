"""The rating request both benchmarked apps receive: a full, realistic one (about 1.5 kB)."""

from __future__ import annotations

from typing import Any


def sample_request(variant: int = 0) -> dict[str, Any]:
    """A manufacturer with two annual statements, credit events and a guarantee history.

    ``variant`` shifts a few figures so that a batch holds different customers.
    """
    revenue = 80_000_000 + variant * 1_000
    return {
        "as_of": "2025-06-30",
        "customer": {
            "industry_code": "C3911",
            "established_on": "2012-03-01",
            "employees": 120 + variant % 400,
            "registered_capital": "10000000.00",
            "cooperation_since": "2021-05-01",
        },
        "financials": [
            {
                "period_end": "2024-12-31",
                "period_type": "annual",
                "audited": True,
                "total_assets": "50000000.00",
                "total_liabilities": f"{24_000_000 + variant * 100}.00",
                "equity": f"{26_000_000 - variant * 100}.00",
                "current_assets": "30000000.00",
                "current_liabilities": "16000000.00",
                "cash": "5000000.00",
                "revenue": f"{revenue}.00",
                "net_profit": "3500000.00",
                "operating_cash_flow": "4200000.00",
                "operating_profit": "4800000.00",
                "interest_expense": "900000.00",
                "retained_earnings": "9000000.00",
            },
            {
                "period_end": "2023-12-31",
                "period_type": "annual",
                "audited": True,
                "total_assets": "47000000.00",
                "total_liabilities": "23000000.00",
                "equity": "24000000.00",
                "current_assets": "28000000.00",
                "current_liabilities": "15000000.00",
                "cash": "4000000.00",
                "revenue": "72000000.00",
                "net_profit": "3000000.00",
                "operating_cash_flow": "3800000.00",
            },
        ],
        "credit_events": [
            {
                "source": "tax",
                "kind": "tax_credit_grade",
                "occurred_on": "2025-04-01",
                "grade": "A",
            },
            {
                "source": "court",
                "kind": "litigation",
                "occurred_on": "2024-08-01",
                "resolved_on": "2024-12-01",
            },
        ],
        "guarantee_history": {
            "contracts_total": 4,
            "overdue_events": variant % 2,
            "max_overdue_days": variant % 45,
            "outstanding_balance": "3000000.00",
            "collateral_value": "2000000.00",
        },
        "limits_context": {"guarantor_net_assets": "800000000.00", "group_liability": "3000000.00"},
    }
