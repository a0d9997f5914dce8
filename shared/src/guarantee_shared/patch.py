"""JSON merge patch (RFC 7396) on plain data; a resource's client fields as a patch sees them."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel


def merge_patch(target: Any, patch: Any) -> Any:
    if not isinstance(patch, dict):
        return patch
    result = dict(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            result.pop(key, None)
        else:
            result[key] = merge_patch(result.get(key), value)
    return result


def client_fields(model: type[BaseModel], current: BaseModel) -> dict[str, Any]:
    """The fields of ``model`` (what clients write) that the resource ``current`` (its response
    model) has set, as JSON: derived fields never leak into a write, unset ones are absent."""
    return current.model_dump(mode="json", include=set(model.model_fields), exclude_none=True)
