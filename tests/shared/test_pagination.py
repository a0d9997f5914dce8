"""Cursors: every key type round-trips as its own type; anything else is the one 422."""

from __future__ import annotations

import base64
import json
import uuid
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

import pytest

from guarantee_shared.errors import InvalidInput
from guarantee_shared.pagination import decode_cursor, encode_cursor

KEY_TYPES = (uuid.UUID, datetime, date, Decimal, int, str)
CHINA = timezone(timedelta(hours=8))


def _raw(values: Any) -> str:
    return base64.urlsafe_b64encode(json.dumps(values).encode()).decode().rstrip("=")


def test_every_key_type_round_trips() -> None:
    values = [
        uuid.uuid4(),
        datetime(2026, 3, 1, 12, 30, 5, 123456, tzinfo=CHINA),
        date(2024, 2, 29),
        Decimal("-1.50"),
        -7,
        '苏州 "quoted" name',
    ]
    decoded = decode_cursor(encode_cursor(values), types=KEY_TYPES)
    assert decoded == values
    assert [type(v) for v in decoded] == list(KEY_TYPES)


def test_null_only_where_the_key_is_nullable() -> None:
    cursor = encode_cursor([None, 3])
    assert decode_cursor(cursor, types=(str, int), nullable=(True, False)) == [None, 3]
    with pytest.raises(InvalidInput):
        decode_cursor(cursor, types=(str, int))


@pytest.mark.parametrize(
    ("cursor", "types"),
    [
        ("not base64 at all!", (str,)),
        (base64.urlsafe_b64encode(b"{not json").decode(), (str,)),
        (_raw({"a": 1}), (str,)),  # not a list
        (_raw(["a", "b"]), (str,)),  # too many values
        (_raw([]), (str,)),  # too few
        (_raw([True]), (int,)),  # a boolean is not an integer
        (_raw(["5"]), (int,)),  # text where an integer is expected
        (_raw([5]), (str,)),
        (_raw(["not-a-uuid"]), (uuid.UUID,)),
        (_raw(["2026-13-01"]), (date,)),
        (_raw(["2026-03-01T10:00:00"]), (datetime,)),  # no time zone
        (_raw(["NaN"]), (Decimal,)),
        (_raw(["1e999999999999"]), (Decimal,)),
        (_raw(["twelve"]), (Decimal,)),
    ],
)
def test_a_cursor_this_list_did_not_issue_is_a_422_on_cursor(
    cursor: str, types: tuple[type, ...]
) -> None:
    with pytest.raises(InvalidInput) as caught:
        decode_cursor(cursor, types=types)
    assert caught.value.status == 422
    assert caught.value.extra["errors"][0]["loc"] == ["query", "cursor"]


def test_timestamps_keep_their_instant() -> None:
    moment = datetime(2026, 1, 1, 0, 0, tzinfo=UTC)
    (back,) = decode_cursor(encode_cursor([moment]), types=(datetime,))
    assert back == moment
    assert back.utcoffset() == timedelta(0)
