"""Request JSON as every service reads it: jiter with decimal numbers and a nesting bound.

Numbers with a fraction become ``Decimal``, so money never passes through a binary float. A
number written with an exponent (``1e3``) becomes a ``float``: a ``Decimal`` would hide how it
was written (``1.5e1`` is ``Decimal("15")``), and money accepts plain notation only, which it
tells by refusing floats (``guarantee_shared.types``); ratios and thresholds take both. jiter
stops at a fixed nesting depth (about 200 levels, far beyond any body of this API) with an
error, so a deeply nested body is malformed JSON like any other, never a recursion error.
"""

from __future__ import annotations

import json
import re
from decimal import Decimal
from typing import Any

import jiter

_POSITION = re.compile(r"at line (\d+) column (\d+)$")


# A digit followed by e/E: where a number has an exponent. Also found inside strings, which
# only costs the slower parse below, never a wrong answer.
_EXPONENT = re.compile(rb"[0-9][eE]")


def parse_json(body: bytes) -> Any:
    """``body`` as JSON with decimal numbers, or floats for numbers written with an exponent; a
    :class:`json.JSONDecodeError` when it is not JSON or nests too deep (FastAPI answers that
    with its usual 422 ``json_invalid``)."""
    try:
        if _EXPONENT.search(body) is None:
            return jiter.from_json(body, float_mode="decimal", allow_inf_nan=False)
        # jiter's lossless floats keep each number's text, so how it was written is known.
        return _decimals(jiter.from_json(body, float_mode="lossless-float", allow_inf_nan=False))
    except ValueError as exc:
        text = body.decode("utf-8", errors="replace")
        raise json.JSONDecodeError(str(exc), text, _offset(text, str(exc))) from exc


def _number(value: jiter.LosslessFloat) -> Decimal | float:
    text = bytes(value)
    return float(value) if b"e" in text or b"E" in text else value.as_decimal()


def _decimals(value: Any) -> Any:
    """``value`` with every lossless float replaced (in place, iteratively: any depth jiter
    accepted is fine)."""
    if isinstance(value, jiter.LosslessFloat):
        return _number(value)
    pending = [value]
    while pending:
        item = pending.pop()
        if isinstance(item, dict):
            for key, child in item.items():
                if isinstance(child, jiter.LosslessFloat):
                    item[key] = _number(child)
                elif isinstance(child, dict | list):
                    pending.append(child)
        elif isinstance(item, list):
            for index, child in enumerate(item):
                if isinstance(child, jiter.LosslessFloat):
                    item[index] = _number(child)
                elif isinstance(child, dict | list):
                    pending.append(child)
    return value


def _offset(text: str, message: str) -> int:
    match = _POSITION.search(message)
    if match is None:
        return 0
    line, column = int(match.group(1)), int(match.group(2))
    lines = text.split("\n")
    return min(sum(len(part) + 1 for part in lines[: line - 1]) + column - 1, len(text))
