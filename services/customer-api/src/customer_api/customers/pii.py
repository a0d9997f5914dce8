"""Personal data in customer records: what callers without ``pii:read`` see masked."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from guarantee_shared.identifiers import mask_id_number

PII_SCOPE = "pii:read"
# Every field of a customer (and of its audit snapshots) that holds a personal identifier.
PII_FIELDS = ("legal_representative_id_number",)


def masked(data: Mapping[str, Any]) -> dict[str, Any]:
    """``data`` (a customer as JSON) with every personal identifier masked."""
    out = dict(data)
    for field in PII_FIELDS:
        if isinstance(out.get(field), str):
            out[field] = mask_id_number(out[field])
    return out
