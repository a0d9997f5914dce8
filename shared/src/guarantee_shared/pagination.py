"""Keyset pagination: a page model and an opaque cursor holding the last row's sort key.

The cursor is base64url of a JSON array; each value is written in a form that round-trips to
its Python type (UUIDs, dates and timestamps as ISO text, decimals as text), and is read back
with the types the list declares, so a cursor never reaches SQL as the wrong type.
"""

from __future__ import annotations

import base64
import binascii
import json
import uuid
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any, Generic, TypeVar

from pydantic import BaseModel, ConfigDict

from guarantee_shared.errors import InvalidInput

T = TypeVar("T")

DEFAULT_LIMIT = 50
MAX_LIMIT = 500

CURSOR_TYPES: tuple[type, ...] = (uuid.UUID, datetime, date, Decimal, int, str)


class Page(BaseModel, Generic[T]):
    model_config = ConfigDict(extra="forbid")

    items: list[T]
    next_cursor: str | None


M = TypeVar("M", bound=BaseModel)


def page_of(model: type[M], page: tuple[Iterable[Any], str | None]) -> Page[M]:
    """A list route's answer: the rows of a keyset ``page`` (rows, next cursor) as ``model``."""
    rows, next_cursor = page
    return Page(items=[model.model_validate(row) for row in rows], next_cursor=next_cursor)


def bad_cursor() -> InvalidInput:
    """The one answer to a cursor this service did not issue (a 422 naming ``cursor``)."""
    return InvalidInput("cursor is not one this service issued", loc=["query", "cursor"])


def _plain(value: Any) -> Any:
    if value is None or (isinstance(value, (int, str)) and not isinstance(value, bool)):
        return value
    if isinstance(value, (uuid.UUID, Decimal)):
        return str(value)
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    raise TypeError(f"a cursor cannot hold a {type(value).__name__}")


def encode_cursor(values: Sequence[Any]) -> str:
    """The cursor for a row whose sort key is ``values`` (any of :data:`CURSOR_TYPES`, or None)."""
    raw = json.dumps([_plain(v) for v in values], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _typed(value: Any, kind: type) -> Any:
    if kind is int:
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        raise ValueError("not an integer")
    if not isinstance(value, str):
        raise ValueError("not text")
    if kind is str:
        return value
    if kind is uuid.UUID:
        return uuid.UUID(value)
    if kind is datetime:
        moment = datetime.fromisoformat(value)
        if moment.tzinfo is None:
            raise ValueError("a timestamp without a time zone")
        return moment
    if kind is date:
        return date.fromisoformat(value)
    if kind is Decimal:
        number = Decimal(value)
        # Finite and within what PostgreSQL's numeric can compare against.
        if not number.is_finite() or abs(number.adjusted()) > 1000:
            raise ValueError("not a number a key holds")
        return number
    raise TypeError(f"a cursor cannot hold a {kind.__name__}")


def decode_cursor(
    cursor: str, *, types: Sequence[type], nullable: Sequence[bool] | None = None
) -> list[Any]:
    """The values of a cursor made by :func:`encode_cursor`, as ``types``.

    ``None`` is accepted only where ``nullable`` says so (a nullable sort key). Anything else —
    bad base64, bad JSON, the wrong number or type of values — is :func:`bad_cursor`.
    """
    nulls = list(nullable) if nullable is not None else [False] * len(types)
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        values = json.loads(base64.urlsafe_b64decode(padded.encode()))
    except (binascii.Error, ValueError, UnicodeDecodeError) as exc:
        raise bad_cursor() from exc
    if not isinstance(values, list) or len(values) != len(types):
        raise bad_cursor()
    decoded: list[Any] = []
    for value, kind, may_be_null in zip(values, types, nulls, strict=True):
        if value is None:
            if not may_be_null:
                raise bad_cursor()
            decoded.append(None)
            continue
        try:
            decoded.append(_typed(value, kind))
        except (ValueError, InvalidOperation) as exc:
            raise bad_cursor() from exc
    return decoded
