"""Wire types: money as a 2-place decimal string, ratios as 4-place numbers, dates as text.

Inputs accept exactly the forms their OpenAPI schema states (docs/CONTRACT.md, Conventions):

* a decimal **string** must match the field's pattern in ASCII digits — no exponent, leading
  ``+``, underscore, surrounding blank, thousands separator or full-width digit, all of which
  :class:`decimal.Decimal` itself would take;
* a JSON **number** must be written in plain decimal notation. Request bodies are parsed with
  decimals (``guarantee_shared.web.routing``), except that a number written with an exponent
  arrives as a binary ``float``: money refuses floats, so ``1e3`` is refused while ``1000`` and
  ``1000.00`` are read exactly. Ratios and thresholds, which are plain numbers, take either;
* a boolean is never a number, and a minus sign is only accepted where negatives are: ``-0.00``
  is refused as money and read as ``0`` where negatives are allowed.

Validation inside a service (Python objects: a ``Decimal`` from the database or a computation)
is judged by value, as pydantic does: ``Decimal("700000.0000")`` is a 2-place amount.
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass
from datetime import date, datetime
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Annotated, Any

from pydantic import (
    AwareDatetime,
    BeforeValidator,
    Field,
    GetCoreSchemaHandler,
    GetJsonSchemaHandler,
    PlainSerializer,
    WithJsonSchema,
)
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import CoreSchema, PydanticCustomError, core_schema

MONEY_MAX = Decimal("9999999999999999.99")  # Numeric(18, 2) in storage
CENT = Decimal("0.01")
RATIO_PLACES = Decimal("0.0001")

# [0-9], never \d: Python's and the Rust regex crate's \d match every Unicode decimal digit
# (full-width ０-９, Arabic-Indic ٣ …), which Decimal() then reads as ASCII ones.
MONEY_PATTERN = r"^[0-9]{1,16}(\.[0-9]{1,2})?$"
SIGNED_MONEY_PATTERN = r"^-?[0-9]{1,16}(\.[0-9]{1,2})?$"
UNIT_RATIO_PATTERN = r"^[01](\.[0-9]{1,6})?$"


def money_str(value: Decimal) -> str:
    """CNY yuan with exactly two fraction digits: ``"5000000.00"``."""
    return str(value.quantize(CENT, rounding=ROUND_HALF_EVEN))


def ratio_num(value: Decimal | float | None) -> float | None:
    """A ratio rounded to 4 decimals for JSON; ``None`` stays ``null``."""
    if value is None:
        return None
    return float(Decimal(value).quantize(RATIO_PLACES, rounding=ROUND_HALF_EVEN))


@dataclass(frozen=True)
class DecimalInput:
    """``Annotated`` metadata: which inputs a ``Decimal`` field takes before its bounds apply.

    Put it after the ``Field`` bounds (they are checked on what it lets through). ``pattern``
    is the decimal string form (``None``: no strings); ``floats`` whether a binary float — a
    JSON number written with an exponent — is a value for this field; ``signed`` whether a
    minus sign may be written (``-0`` is then read as ``0``). ``error`` is the message of a
    refused form, stated once for the field's every form.

    Python input (FastAPI validates request bodies that way) goes through one small function;
    JSON input (``model_validate_json``: the rating engine's scoring routes) stays in
    pydantic-core, so that hot path pays nothing for it.
    """

    pattern: str | None
    floats: bool
    signed: bool
    error: str

    def __get_pydantic_core_schema__(
        self, source: Any, handler: GetCoreSchemaHandler
    ) -> CoreSchema:
        checked = handler(source)
        branches: list[CoreSchema | tuple[CoreSchema, str]] = [
            core_schema.int_schema(strict=True),
            core_schema.chain_schema(
                [
                    core_schema.float_schema(strict=True),
                    core_schema.no_info_plain_validator_function(self._from_json_float),
                ]
            ),
        ]
        if self.pattern is not None:
            branches.insert(0, core_schema.str_schema(pattern=self.pattern, strict=True))
        # left_to_right: the first form that fits wins (strings, the common case, first); the
        # default "smart" mode tries every branch, measurably slower on the engine's hot path.
        json_form = core_schema.union_schema(
            branches,
            mode="left_to_right",
            custom_error_type="decimal_format",
            custom_error_message=self.error,
        )
        return core_schema.json_or_python_schema(
            json_schema=core_schema.chain_schema([json_form, checked]),
            python_schema=core_schema.chain_schema(
                [core_schema.no_info_plain_validator_function(self._from_python), checked]
            ),
        )

    def _refuse(self) -> PydanticCustomError:
        return PydanticCustomError("decimal_format", self.error)

    def _zero_sign(self, value: Decimal) -> Decimal:
        if value.is_zero() and value.is_signed():
            if not self.signed:
                raise self._refuse()
            return value.copy_abs()
        return value

    def _from_python(self, value: Any) -> Any:
        if isinstance(value, bool):  # an int subclass, and never a number here
            raise self._refuse()
        if isinstance(value, int):
            return value
        if isinstance(value, Decimal):
            return self._zero_sign(value)
        if isinstance(value, str):
            if self.pattern is None or not re.fullmatch(self.pattern, value):
                raise self._refuse()
            return self._zero_sign(Decimal(value))
        if isinstance(value, float) and self.floats:
            return self._zero_sign(Decimal(repr(value)))
        raise self._refuse()

    def _from_json_float(self, value: float) -> Decimal:
        # pydantic's JSON parser gives every fractional number as a float: here the written
        # form is gone, so the value decides (the shortest repr is the digits that were sent).
        return self._zero_sign(Decimal(repr(value)))


_MONEY_ERROR = (
    'an amount is a string like "1234.56" or a JSON number like 1234.56: ASCII digits, '
    "at most 16 before the point and 2 after, without sign, exponent, spaces or separators"
)
_SIGNED_MONEY_ERROR = (
    'an amount is a string like "-1234.56" or a JSON number like -1234.56: an optional '
    "minus, ASCII digits, at most 16 before the point and 2 after, without exponent, spaces "
    "or separators"
)
_NUMBER_NOTE = (
    "A JSON number is accepted on input when written the same way (plain decimal notation, "
    "no exponent)."
)


def _money_schema(
    pattern: str, number: dict[str, Any], description: str, example: str
) -> WithJsonSchema:
    # Requests state both accepted forms; answers (MoneyOut) are always the string.
    return WithJsonSchema(
        {
            "anyOf": [{"type": "string", "pattern": pattern}, {"type": "number", **number}],
            "description": f"{description} {_NUMBER_NOTE}",
            "examples": [example],
        },
        mode="validation",
    )


Money = Annotated[
    Decimal,
    Field(ge=0, le=MONEY_MAX, max_digits=18, decimal_places=2, allow_inf_nan=False),
    DecimalInput(MONEY_PATTERN, floats=False, signed=False, error=_MONEY_ERROR),
    PlainSerializer(money_str, return_type=str, when_used="json"),
    _money_schema(
        MONEY_PATTERN, {"minimum": 0}, "CNY yuan, at most 2 fraction digits.", "5000000.00"
    ),
    WithJsonSchema({"type": "string", "examples": ["5000000.00"]}, mode="serialization"),
]

# Money the accounting allows below zero (equity, profit, cash flow), same precision and bound.
SignedMoney = Annotated[
    Decimal,
    Field(ge=-MONEY_MAX, le=MONEY_MAX, max_digits=18, decimal_places=2, allow_inf_nan=False),
    DecimalInput(SIGNED_MONEY_PATTERN, floats=False, signed=True, error=_SIGNED_MONEY_ERROR),
    PlainSerializer(money_str, return_type=str, when_used="json"),
    _money_schema(
        SIGNED_MONEY_PATTERN,
        {},
        "CNY yuan, may be negative, at most 2 fraction digits; -0 is read as 0.",
        "-1250000.00",
    ),
    WithJsonSchema({"type": "string", "examples": ["-1250000.00"]}, mode="serialization"),
]

# A ratio in [0, 1] given by callers (guarantee_ratio, haircut, fee_rate): a JSON number, or
# the same as a plain decimal string (callers have always been allowed to send "0.3").
UnitRatio = Annotated[
    Decimal,
    Field(ge=0, le=1, max_digits=7, decimal_places=6, allow_inf_nan=False),
    # signed: a number's minus is judged by the bounds (so -0.0 is 0); the string has none.
    DecimalInput(
        UNIT_RATIO_PATTERN,
        floats=True,
        signed=True,
        error="a ratio is a number from 0 to 1 with at most 6 decimals, like 0.35 "
        '(or the string "0.35")',
    ),
    PlainSerializer(lambda d: float(d), return_type=float, when_used="json"),
    WithJsonSchema(
        {
            "anyOf": [
                {"type": "number", "minimum": 0, "maximum": 1},
                {"type": "string", "pattern": UNIT_RATIO_PATTERN},
            ],
            "description": "From 0 to 1, at most 6 decimals; a JSON number, or the same digits "
            "as a string",
        },
        mode="validation",
    ),
    WithJsonSchema({"type": "number", "minimum": 0, "maximum": 1}, mode="serialization"),
]


class AboveZero:
    """The JSON-schema side of ``Field(gt=0)`` on a type whose schema lists its accepted forms
    (money, ratios): the number form gets ``exclusiveMinimum: 0`` and the string form refuses
    zero, so the document states the bound the field enforces."""

    def __get_pydantic_json_schema__(
        self, core_schema: CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        # A copy: WithJsonSchema hands out its one dict, shared by every field of the type.
        schema = copy.deepcopy(handler(core_schema))
        target = handler.resolve_ref_schema(schema)
        for form in target.get("anyOf", [target]):
            if form.get("type") == "number":
                form.pop("minimum", None)
                form["exclusiveMinimum"] = 0
            elif form.get("type") == "string":
                form["not"] = {"pattern": r"^0+(\.0+)?$", "description": "zero"}
        return schema


PositiveMoney = Annotated[Money, Field(gt=0), AboveZero()]
# guarantee_ratio: the share of a loss the company bears, 0 < r <= 1.
PositiveUnitRatio = Annotated[UnitRatio, Field(gt=0), AboveZero()]


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
