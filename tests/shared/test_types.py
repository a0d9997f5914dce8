"""Wire types: Money and SignedMoney as exact 2-place decimals, Ratio as a 4-place number."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import pytest
from pydantic import BaseModel, TypeAdapter, ValidationError

from guarantee_shared.types import (
    MONEY_MAX,
    MONEY_PATTERN,
    Money,
    MoneyOut,
    Ratio,
    SignedMoney,
    UnitRatio,
)
from guarantee_shared.web.routing import parse_json

money = TypeAdapter(Money)
signed = TypeAdapter(SignedMoney)
ratio = TypeAdapter(Ratio)


class _Amounts(BaseModel):
    amount: Money
    balance: MoneyOut
    change: SignedMoney
    share: Ratio


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("5000000.00", Decimal("5000000.00")),
        (5000000, Decimal("5000000")),
        (Decimal("12.5"), Decimal("12.5")),
        ("0", Decimal("0")),
        (str(MONEY_MAX), MONEY_MAX),
    ],
)
def test_money_accepts_strings_and_numbers_exactly(value: Any, expected: Decimal) -> None:
    parsed = money.validate_python(value)
    assert parsed == expected
    assert parsed.as_tuple() == expected.as_tuple()  # 0.1 is 0.1, not the binary float's expansion


def test_money_from_a_json_number_keeps_its_decimal_digits() -> None:
    assert money.validate_json("0.1") == Decimal("0.1")
    assert money.validate_json('"19999.99"') == Decimal("19999.99")


@pytest.mark.parametrize(
    "value",
    ["100.123", -1, "-0.01", "NaN", "Infinity", "1e400", True, False, "", "abc", None, "1,000"],
)
def test_money_rejects_what_is_not_a_cny_amount(value: Any) -> None:
    with pytest.raises(ValidationError):
        money.validate_python(value)


@pytest.mark.parametrize("raw", ["1e400", "true", '"NaN"', "-5", "100.123"])
def test_money_rejects_bad_json(raw: str) -> None:
    with pytest.raises(ValidationError):
        money.validate_json(raw)


def test_money_above_the_storage_bound_is_rejected() -> None:
    with pytest.raises(ValidationError):
        money.validate_python(MONEY_MAX + Decimal("0.01"))


def test_money_serialises_as_a_two_place_string() -> None:
    assert money.dump_json(Decimal("5000000")) == b'"5000000.00"'
    assert money.dump_python(Decimal("0.1"), mode="json") == "0.10"
    assert money.dump_python(Decimal("7"), mode="python") == Decimal("7")  # JSON only


def test_signed_money_allows_negatives_with_the_same_precision() -> None:
    assert signed.validate_python("-1250000.5") == Decimal("-1250000.5")
    assert signed.dump_json(Decimal("-1250000.5")) == b'"-1250000.50"'
    assert signed.validate_python(0) == Decimal(0)
    for bad in ("-100.123", "-NaN", -MONEY_MAX - 1, True):
        with pytest.raises(ValidationError):
            signed.validate_python(bad)


def test_ratio_rounds_to_four_places_and_keeps_null() -> None:
    assert ratio.dump_json(Decimal("0.123456")) == b"0.1235"
    assert ratio.dump_json(Decimal("1")) == b"1.0"
    assert ratio.dump_json(None) == b"null"
    assert ratio.dump_python(Decimal("0.66666666"), mode="json") == 0.6667


def test_a_model_renders_money_as_strings_and_ratios_as_numbers() -> None:
    row = _Amounts.model_validate(
        {"amount": Decimal("12345678.9"), "balance": Decimal("0"), "change": "-3", "share": None}
    )
    assert json.loads(row.model_dump_json()) == {
        "amount": "12345678.90",
        "balance": "0.00",
        "change": "-3.00",
        "share": None,
    }
    half = _Amounts.model_validate(
        {"amount": 1, "balance": Decimal(1), "change": 1, "share": Decimal("0.5")}
    )
    assert json.loads(half.model_dump_json())["share"] == 0.5


# What a request body may say for money, read the way a route reads it: JSON parsed by
# parse_json (decimals; floats for numbers written with an exponent), then validated in Python.
LOOSE_MONEY = [
    '"1e3"',  # exponent in a string
    '"1E2"',
    "1e3",  # exponent in a number
    "1.5e1",  # ... even one that comes out a whole number
    "12.0E0",
    '"+100"',  # leading plus
    '"1_000"',  # underscore separator
    '"1,000"',
    '" 100"',  # surrounding blanks
    '"100 "',
    '"100\\n"',
    '"-0.00"',  # a minus on an amount that cannot be negative
    "-0.00",  # (a bare -0 is the integer 0 to any JSON parser, so it reads as 0)
    '"１００"',  # full-width digits
    '"١٠٠"',  # Arabic-Indic digits
    '"100.５"',
    "true",  # booleans are not numbers
    "false",
    '".5"',  # digits on both sides of the point
    '"5."',
    "null",
    '"0x10"',
    '"12345678901234567"',  # 17 digits before the point
    '"1.234"',
]


@pytest.mark.parametrize("raw", LOOSE_MONEY)
def test_money_refuses_every_form_its_pattern_does_not_describe(raw: str) -> None:
    with pytest.raises(ValidationError) as caught:
        money.validate_python(parse_json(raw.encode()))
    assert "Decimal(" not in str(caught.value.errors()[0]["msg"])


@pytest.mark.parametrize(
    "raw", [r for r in LOOSE_MONEY if r.startswith('"') or r in ("true", "false", "null")]
)
def test_money_refuses_the_same_strings_when_pydantic_parses_the_json(raw: str) -> None:
    # The rating engine validates its bodies with model_validate_json: the same strings fail.
    with pytest.raises(ValidationError):
        money.validate_json(raw)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ('"5000000.00"', Decimal("5000000.00")),
        ('"0"', Decimal("0")),
        ('"0.5"', Decimal("0.5")),
        ('"9999999999999999.99"', MONEY_MAX),
        ("5000000", Decimal("5000000")),
        ("5000000.10", Decimal("5000000.10")),
        ("0.1", Decimal("0.1")),
        ("0", Decimal("0")),
    ],
)
def test_money_reads_its_documented_forms_exactly(raw: str, expected: Decimal) -> None:
    parsed = money.validate_python(parse_json(raw.encode()))
    assert parsed == expected
    assert parsed.as_tuple() == expected.as_tuple()


@pytest.mark.parametrize(
    ("raw", "expected"),
    [('"-1250000.50"', Decimal("-1250000.50")), ("-3", Decimal("-3")), ("-0.5", Decimal("-0.5"))],
)
def test_signed_money_reads_a_minus(raw: str, expected: Decimal) -> None:
    assert signed.validate_python(parse_json(raw.encode())) == expected


@pytest.mark.parametrize("raw", ['"-0.00"', "-0.00", "-0", '"-0"'])
def test_signed_money_reads_minus_zero_as_zero_and_never_echoes_a_sign(raw: str) -> None:
    parsed = signed.validate_python(parse_json(raw.encode()))
    assert parsed == 0
    assert not parsed.is_signed()
    assert signed.dump_json(parsed) == b'"0.00"'


@pytest.mark.parametrize(
    "raw",
    ['"+5"', '"- 5"', '"--5"', '"-1e3"', "-1e3", '"-１"', '" -5"', "true", '"-5.123"'],
)
def test_signed_money_refuses_loose_forms(raw: str) -> None:
    with pytest.raises(ValidationError):
        signed.validate_python(parse_json(raw.encode()))


unit_ratio = TypeAdapter(UnitRatio)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("0.35", Decimal("0.35")),
        ("1", Decimal("1")),
        ("0", Decimal("0")),
        ("3.5e-1", Decimal("0.35")),  # a JSON number, however written: ratios have no pattern
        ('"0.35"', Decimal("0.35")),
        ('"1.000000"', Decimal("1")),
        ("-0.0", Decimal("0")),
    ],
)
def test_unit_ratio_reads_numbers_and_plain_decimal_strings(raw: str, expected: Decimal) -> None:
    parsed = unit_ratio.validate_python(parse_json(raw.encode()))
    assert parsed == expected
    assert not parsed.is_signed()


@pytest.mark.parametrize(
    "raw",
    ['"+0.3"', '" 0.3"', '"0.3e0"', '"０.３"', '"0_3"', "true", '"-0"', '".3"', "1.5", "-0.1"],
)
def test_unit_ratio_refuses_loose_forms(raw: str) -> None:
    with pytest.raises(ValidationError):
        unit_ratio.validate_python(parse_json(raw.encode()))


def test_money_refuses_a_binary_float_from_python_code() -> None:
    # Money never passes through a binary float; a Decimal from the database or a sum is fine.
    with pytest.raises(ValidationError):
        money.validate_python(0.1)
    assert money.validate_python(Decimal("700000.0000")) == Decimal("700000")


def test_openapi_states_both_money_forms_and_the_ascii_pattern() -> None:
    schema = money.json_schema()
    string, number = schema["anyOf"]
    assert string == {"type": "string", "pattern": MONEY_PATTERN}
    assert number == {"type": "number", "minimum": 0}
    assert "no exponent" in schema["description"]
    assert "\\d" not in MONEY_PATTERN  # \d matches every Unicode digit in Python and Rust
    assert money.json_schema(mode="serialization")["type"] == "string"


def test_json_numbers_with_an_exponent_are_parsed_as_floats_and_the_rest_as_decimals() -> None:
    body = b'{"a": [1e3, 1.50, 2, {"b": 1.5E1, "text": "9e9"}], "c": -0.00, "d": 2.5e-1}'
    assert parse_json(body) == {
        "a": [1000.0, Decimal("1.50"), 2, {"b": 15.0, "text": "9e9"}],
        "c": Decimal("-0.00"),
        "d": 0.25,
    }
    parsed = parse_json(body)
    assert type(parsed["a"][0]) is float
    assert parsed["a"][1].as_tuple() == Decimal("1.50").as_tuple()
    assert type(parse_json(b"[1.5]")[0]) is Decimal
