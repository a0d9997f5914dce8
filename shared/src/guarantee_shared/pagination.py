"""Keyset pagination: an opaque cursor holding the last row's sort key and id."""

from __future__ import annotations

import base64
import binascii
import json
from typing import Any, Generic, TypeVar

from pydantic import BaseModel, ConfigDict

from guarantee_shared.errors import InvalidInput

T = TypeVar("T")

DEFAULT_LIMIT = 50
MAX_LIMIT = 500


class Page(BaseModel, Generic[T]):
    model_config = ConfigDict(extra="forbid")

    items: list[T]
    next_cursor: str | None


def encode_cursor(values: list[Any]) -> str:
    raw = json.dumps(values, separators=(",", ":"), default=str).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def bad_cursor() -> InvalidInput:
    return InvalidInput("cursor is not one this service issued", loc=["query", "cursor"])


def decode_cursor(cursor: str, *, types: tuple[type, ...]) -> list[Any]:
    """Decode a cursor made by :func:`encode_cursor` whose values have ``types``.

    ``None`` is allowed in any position (a nullable sort key). Anything else is a 422.
    """
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        values = json.loads(base64.urlsafe_b64decode(padded.encode()))
    except (binascii.Error, ValueError, UnicodeDecodeError) as exc:
        raise bad_cursor() from exc
    if not isinstance(values, list) or len(values) != len(types):
        raise bad_cursor()
    for value, kind in zip(values, types, strict=True):
        if value is not None and (not isinstance(value, kind) or isinstance(value, bool)):
            raise bad_cursor()
    return values
