"""JSON merge patch (RFC 7396) applied to a resource's client fields, then re-validated."""

from __future__ import annotations

from typing import Any, TypeVar

from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, ValidationError

from guarantee_shared.errors import InvalidInput

M = TypeVar("M", bound=BaseModel)


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


def apply_patch(model: type[M], current: dict[str, Any], patch: Any) -> M:
    """Validate ``current`` merged with ``patch`` as ``model``; errors point into the body."""
    if not isinstance(patch, dict):
        raise InvalidInput("A merge patch must be a JSON object", loc=["body"], kind="dict_type")
    merged = merge_patch(current, patch)
    try:
        return model.model_validate(merged)
    except ValidationError as exc:
        errors = [{**err, "loc": ("body", *err["loc"])} for err in exc.errors()]
        raise RequestValidationError(errors) from exc
