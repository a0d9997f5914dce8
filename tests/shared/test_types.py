"""Wire types: Money and SignedMoney as exact 2-place decimals, Ratio as a 4-place number."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import pytest
from pydantic import BaseModel, TypeAdapter, ValidationError

from guarantee_shared.types import MONEY_MAX, Money, MoneyOut, Ratio, SignedMoney

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
        (0.1, Decimal("0.1")),
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
        {"amount": 12345678.9, "balance": Decimal("0"), "change": "-3", "share": None}
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
