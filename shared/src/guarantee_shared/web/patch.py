"""A merge patch (RFC 7396) request applied to a resource's client fields, then re-validated."""

from __future__ import annotations

from typing import Any, TypeVar

from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, ValidationError

from guarantee_shared.errors import InvalidInput
from guarantee_shared.patch import client_fields, merge_patch

M = TypeVar("M", bound=BaseModel)


def apply_patch(model: type[M], current: BaseModel, patch: Any) -> M:
    """The client fields ``model`` of the resource ``current`` (its response model) with the
    merge ``patch`` applied, validated again as a whole; errors point into the body."""
    if not isinstance(patch, dict):
        raise InvalidInput("A merge patch must be a JSON object", loc=["body"], kind="dict_type")
    merged = merge_patch(client_fields(model, current), patch)
    try:
        return model.model_validate(merged)
    except ValidationError as exc:
        errors = [{**err, "loc": ("body", *err["loc"])} for err in exc.errors()]
        raise RequestValidationError(errors) from exc
