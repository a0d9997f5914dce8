"""Wire types: money as a 2-place decimal string, ratios as 4-place numbers, dates as text."""

from __future__ import annotations

import re
from datetime import date, datetime
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Annotated, Any

from pydantic import (
    AwareDatetime,
    BeforeValidator,
    Field,
    GetJsonSchemaHandler,
    PlainSerializer,
    WithJsonSchema,
)
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import CoreSchema, PydanticCustomError

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


_MONEY_PATTERN = r"^\d{1,16}(\.\d{1,2})?$"
_SIGNED_MONEY_PATTERN = r"^-?\d{1,16}(\.\d{1,2})?$"
_BOUNDS = (
    ("ge", "minimum"),
    ("gt", "exclusiveMinimum"),
    ("le", "maximum"),
    ("lt", "exclusiveMaximum"),
)


def _bounds(core_schema: CoreSchema) -> dict[str, Any]:
    """The numeric bounds of a field's schema; a field validator wraps the number's schema in a
    function schema, which is what a JSON schema hook then receives."""
    schema: Any = core_schema
    while schema.get("type", "").startswith("function-") and "schema" in schema:
        schema = schema["schema"]
    return {key: schema[key] for key, _ in _BOUNDS if key in schema}


class MoneyText:
    """The JSON schema of money a client sends: a decimal string whose pattern states the
    field's bounds (no sign where it cannot be negative, at most 16 digits before the point),
    with a ``not`` that refuses zero where it must be positive (``Annotated[Money,
    Field(gt=0)]``). A bound no pattern here can state is refused when the schema is built,
    rather than left unstated."""

    def __init__(self, *, description: str, example: str) -> None:
        self.description = description
        self.example = example

    def __get_pydantic_json_schema__(
        self, core_schema: CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        bounds = _bounds(core_schema)
        signed = bounds.get("ge") == -MONEY_MAX
        positive = bounds.get("gt") == 0
        expected = {"ge": -MONEY_MAX if signed else 0, "le": MONEY_MAX}
        if positive:
            expected["gt"] = 0
        if bounds != expected:
            raise TypeError(f"money bounds {bounds} cannot be stated by its JSON schema")
        schema: dict[str, Any] = {
            "type": "string",
            "pattern": _SIGNED_MONEY_PATTERN if signed else _MONEY_PATTERN,
            "description": self.description,
            "examples": [self.example],
        }
        if positive:
            schema["not"] = {"pattern": r"^0+(\.0+)?$", "description": "zero"}
        return schema


# Inputs accept a string or a number; the JSON body is parsed with Decimal floats so no
# precision is lost before validation (see guarantee_shared.web.routing).
Money = Annotated[
    Decimal,
    Field(ge=0, le=MONEY_MAX, max_digits=18, decimal_places=2, allow_inf_nan=False),
    PlainSerializer(money_str, return_type=str, when_used="json"),
    MoneyText(
        description="CNY yuan, at most 2 fraction digits; a JSON number is accepted on input",
        example="5000000.00",
    ),
]

# Money the accounting allows below zero (equity, profit, cash flow), same precision and bound.
SignedMoney = Annotated[
    Decimal,
    Field(ge=-MONEY_MAX, le=MONEY_MAX, max_digits=18, decimal_places=2, allow_inf_nan=False),
    PlainSerializer(money_str, return_type=str, when_used="json"),
    MoneyText(
        description="CNY yuan, may be negative, at most 2 fraction digits; "
        "a JSON number is accepted on input",
        example="-1250000.00",
    ),
]


class DecimalNumber:
    """The JSON schema of a Decimal sent and shown as a JSON number: ``number`` with every bound
    the field enforces, including those a narrower type adds later
    (``Annotated[UnitRatio, Field(gt=0)]``). Pydantic's own schema for a Decimal is a number or a
    numeric string; a fixed ``WithJsonSchema`` would hide the bounds."""

    def __get_pydantic_json_schema__(
        self, core_schema: CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        bounds = _bounds(core_schema)
        schema: dict[str, Any] = {"type": "number"}
        for key, keyword in _BOUNDS:
            if key in bounds:
                schema[keyword] = float(bounds[key])
        # A lower bound that is both inclusive and exclusive is stated by the tighter one.
        if schema.get("exclusiveMinimum", float("-inf")) >= schema.get("minimum", float("inf")):
            del schema["minimum"]
        if schema.get("exclusiveMaximum", float("inf")) <= schema.get("maximum", float("-inf")):
            del schema["maximum"]
        return schema


# A ratio in [0, 1] given by callers (guarantee_ratio, haircut, fee_rate), up to 6 decimals.
UnitRatio = Annotated[
    Decimal,
    Field(ge=0, le=1, max_digits=7, decimal_places=6, allow_inf_nan=False),
    PlainSerializer(lambda d: float(d), return_type=float, when_used="json"),
    DecimalNumber(),
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


# Dates and timestamps a client sends. Pydantic alone also reads a JSON number, or a string of
# digits, as a Unix timestamp: `as_of=2024` would be 1970-01-01 and `"occurred_on": 86400`
# 1970-01-02, silently. The contract writes dates YYYY-MM-DD and timestamps in RFC 3339; date
# and datetime objects (from code, from spreadsheet cells) pass as they are.
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_NUMERIC = re.compile(r"^\s*[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?\s*$")


def _date_text(value: object) -> object:
    if isinstance(value, date) or (isinstance(value, str) and _ISO_DATE.match(value)):
        return value
    raise PydanticCustomError("date_format", "Input should be a date written YYYY-MM-DD")


def _datetime_text(value: object) -> object:
    if isinstance(value, datetime) or (isinstance(value, str) and not _NUMERIC.match(value)):
        return value
    raise PydanticCustomError(
        "datetime_format", "Input should be an RFC 3339 timestamp, e.g. 2026-01-31T08:00:00Z"
    )


Date = Annotated[date, BeforeValidator(_date_text)]
AwareDateTime = Annotated[AwareDatetime, BeforeValidator(_datetime_text)]
