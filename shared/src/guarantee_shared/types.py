"""Wire types: money as a 2-place decimal string, ratios as 4-place numbers."""

from __future__ import annotations

from decimal import ROUND_HALF_EVEN, Decimal
from typing import Annotated

from pydantic import Field, PlainSerializer, WithJsonSchema

MONEY_MAX = Decimal("9999999999999999.99")  # Numeric(18, 2) in storage
CENT = Decimal("0.01")
RATIO_PLACES = Decimal("0.0001")


def money_str(value: Decimal) -> str:
    """CNY yuan with exactly two fraction digits: ``"5000000.00"``."""
    return str(value.quantize(CENT, rounding=ROUND_HALF_EVEN))


def ratio_num(value: Decimal | float | None) -> float | None:
    """A ratio rounded to 4 decimals for JSON; ``None`` stays ``null``."""
    if value is None:
        return None
    return float(Decimal(value).quantize(RATIO_PLACES, rounding=ROUND_HALF_EVEN))


_MONEY_SCHEMA = WithJsonSchema(
    {
        "type": "string",
        "pattern": r"^\d{1,16}(\.\d{1,2})?$",
        "description": "CNY yuan, at most 2 fraction digits; a JSON number is accepted on input",
        "examples": ["5000000.00"],
    }
)

# Inputs accept a string or a number; the JSON body is parsed with Decimal floats so no
# precision is lost before validation (see guarantee_shared.web.routing).
Money = Annotated[
    Decimal,
    Field(ge=0, le=MONEY_MAX, max_digits=18, decimal_places=2, allow_inf_nan=False),
    PlainSerializer(money_str, return_type=str, when_used="json"),
    _MONEY_SCHEMA,
]

# Money the accounting allows below zero (equity, profit, cash flow), same precision and bound.
SignedMoney = Annotated[
    Decimal,
    Field(ge=-MONEY_MAX, le=MONEY_MAX, max_digits=18, decimal_places=2, allow_inf_nan=False),
    PlainSerializer(money_str, return_type=str, when_used="json"),
    WithJsonSchema(
        {
            "type": "string",
            "pattern": r"^-?\d{1,16}(\.\d{1,2})?$",
            "description": "CNY yuan, may be negative, at most 2 fraction digits; "
            "a JSON number is accepted on input",
            "examples": ["-1250000.00"],
        }
    ),
]

# A ratio in [0, 1] given by callers (guarantee_ratio, haircut, fee_rate).
UnitRatio = Annotated[
    Decimal,
    Field(ge=0, le=1, max_digits=7, decimal_places=6, allow_inf_nan=False),
    PlainSerializer(lambda d: float(d), return_type=float, when_used="json"),
    WithJsonSchema({"type": "number", "minimum": 0, "maximum": 1}),
]

# A computed ratio in responses: 4 decimals, null where the denominator is zero.
Ratio = Annotated[
    Decimal | None,
    PlainSerializer(ratio_num, return_type=float | None, when_used="json"),
    WithJsonSchema({"anyOf": [{"type": "number"}, {"type": "null"}]}),
]

MoneyOut = Annotated[
    Decimal,
    PlainSerializer(money_str, return_type=str, when_used="json"),
    WithJsonSchema({"type": "string", "examples": ["5000000.00"]}),
]
