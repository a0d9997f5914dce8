"""Typed factories for request bodies: valid identifiers, consistent statements."""

from __future__ import annotations

import random
from typing import Any

from guarantee_shared.identifiers import USCC_ALPHABET, uscc_check_char

_rng = random.Random()


def credit_code(seed: int | None = None) -> str:
    """A valid 18-character unified social credit code (GB 32100-2015)."""
    rng = random.Random(seed) if seed is not None else _rng
    body = (
        "91"
        + "".join(rng.choice("0123456789") for _ in range(6))
        + "".join(rng.choice(USCC_ALPHABET) for _ in range(9))
    )
    return body + uscc_check_char(body)


def customer_body(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "name": "苏州精工机械有限公司",
        "credit_code": credit_code(),
        "legal_representative": "王伟",
        "legal_representative_id_number": "11010519491231002X",
        "registered_capital": "10000000.00",
        "established_on": "2012-05-01",
        "industry_code": "C3411",
        "main_business": "General-purpose machinery",
        "employees": 120,
        "region_code": "320506",
        "cooperation_since": "2019-03-01",
        "contact": {"name": "李娜", "phone": "0512-66668888"},
    }
    body.update(overrides)
    return body


def statement_body(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "period_end": "2025-12-31",
        "period_type": "annual",
        "audited": True,
        "total_assets": "50000000.00",
        "total_liabilities": "30000000.00",
        "equity": "20000000.00",
        "current_assets": "25000000.00",
        "current_liabilities": "15000000.00",
        "cash": "5000000.00",
        "revenue": "60000000.00",
        "net_profit": "3000000.00",
        "operating_cash_flow": "4000000.00",
    }
    body.update(overrides)
    return body


def contract_body(customer_id: str, **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "customer_id": customer_id,
        "contract_no": f"DB-{_rng.randrange(10**9):09d}",
        "lender": "中国工商银行苏州分行",
        "product": "loan",
        "principal": "1000000.00",
        "guarantee_ratio": 1,
        "purpose": "Working capital",
        "start_date": "2026-01-10",
        "maturity_date": "2027-01-09",
        "fee_rate": 0.015,
    }
    body.update(overrides)
    return body
