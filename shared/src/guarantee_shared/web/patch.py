"""A merge patch (RFC 7396) request applied to a resource's client fields, then re-validated."""

from __future__ import annotations

from typing import Any, TypeVar

from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, ValidationError

from guarantee_shared.errors import InvalidInput
from guarantee_shared.patch import client_fields, merge_patch

M = TypeVar("M", bound=BaseModel)


MERGE_PATCH_MEDIA_TYPE = "application/merge-patch+json"
# Where a route's merge-patch body names the model it patches (the OpenAPI completion in
# guarantee_shared.web.openapi documents the body as ``<Model>Patch`` from it).
PATCH_MODEL_KEY = "x-merge-patch-of"


def merge_patch_doc(model: type[BaseModel]) -> dict[str, Any]:
    """The ``openapi_extra`` of a PATCH route whose body is a merge patch of ``model``'s
    fields, sent as ``application/merge-patch+json`` or plain JSON."""
    schema = model.model_json_schema(ref_template="#/components/schemas/{model}")
    return {
        "requestBody": {
            "required": True,
            "content": {
                media: {"schema": {PATCH_MODEL_KEY: model.__name__, **schema}}
                for media in (MERGE_PATCH_MEDIA_TYPE, "application/json")
            },
        }
    }


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
