"""The OpenAPI document of every service: every status a route can answer, errors as problems.

FastAPI documents a route's success and, for a route with parameters, a 422 in its own
``application/json`` shape. What else a route answers comes from the kit, and is derived here,
in one place, from what FastAPI knows of the route, so a new route is documented the way it
behaves without anyone listing statuses by hand:

===========================================  ==================================================
the route                                    answers besides its success
===========================================  ==================================================
has a security requirement (bearer token)    401 (``WWW-Authenticate: Bearer``), and 403 when
                                             it names scopes
has a path parameter                         404
depends on the required ``If-Match``         412, 428 (and the header is marked required)
depends on the optional ``If-Match``         412
takes ``Idempotency-Key``                    409 (a request with the key is still in flight)
has a request body                           413 (the middleware's body limit)
is not a probe (tagged ``probes``)           422, 429 (the rate limiter)
any                                          500 (an unexpected error, logged)
===========================================  ==================================================

What only the route knows, its router declares in ``responses=``: a 409 for a state that
forbids the change, a 502 or 503 where it waits on a peer before answering, a 404 for a
record its body names. Those keep their descriptions (an in-flight Idempotency-Key is added
to a 409's), and one declared with a description only gets the problem content. A route that
opens a database session answers 503 while the database cannot be reached; 429 and 503 carry
``Retry-After``.
Every error answer is the one ``Problem`` schema in ``application/problem+json``, FastAPI's
422 included (its ``HTTPValidationError`` is dropped). The scopes a route needs are in its
security requirement: ``require`` declares them through FastAPI's ``Security``, and OpenAPI 3.1
allows role names there for any scheme.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, cast

from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute, iter_route_contexts

from guarantee_shared.web.http import ETAG_PATTERN, IfMatchDep, OptionalIfMatchDep
from guarantee_shared.web.patch import MERGE_PATCH_MEDIA_TYPE, PATCH_MODEL_KEY
from guarantee_shared.web.problems import PROBLEM_MEDIA_TYPE

PROBLEM_REF = "#/components/schemas/Problem"
_ERROR_REF = "#/components/schemas/ProblemError"
_FASTAPI_422 = ("HTTPValidationError", "ValidationError")
PROBE_TAG = "probes"
IDEMPOTENCY_HEADER = "idempotency-key"
IF_MATCH_HEADER = "if-match"
_SCHEMAS = "#/components/schemas/"

PROBLEM_SCHEMA: dict[str, Any] = {
    "title": "Problem",
    "type": "object",
    "description": "RFC 9457 problem details. Members of its own where useful "
    "(`existing_id`, `missing_scopes`, `current_etag`, `contract_status`, `bound` …).",
    "required": ["type", "title", "status", "detail"],
    "properties": {
        "type": {
            "type": "string",
            "description": "`https://problems.guarantee.example/<slug>`, or `about:blank`",
        },
        "title": {"type": "string"},
        "status": {"type": "integer", "minimum": 400, "maximum": 599},
        "detail": {"type": "string"},
        "errors": {
            "type": "array",
            "description": "422: every invalid part of the request",
            "items": {"$ref": _ERROR_REF},
        },
    },
    "additionalProperties": True,
}
PROBLEM_ERROR_SCHEMA: dict[str, Any] = {
    "title": "ProblemError",
    "type": "object",
    "required": ["loc", "msg", "type"],
    "properties": {
        "loc": {
            "type": "array",
            "description": "Where: `body`, `query`, `path` or `header` first, then the field",
            "items": {"anyOf": [{"type": "string"}, {"type": "integer"}]},
        },
        "msg": {"type": "string"},
        "type": {"type": "string"},
    },
}

_IN_FLIGHT = "a request with this Idempotency-Key is still in flight"
# What each status means when the router says nothing more specific.
DESCRIPTIONS = {
    401: "No valid bearer token",
    403: "The token lacks a scope this operation needs; the problem names `missing_scopes`",
    404: "No such resource",
    409: f"{_IN_FLIGHT[0].upper()}{_IN_FLIGHT[1:]}; retry later",
    412: "If-Match names another version than the resource's; the problem names `current_etag`",
    413: "The request body exceeds the size limit",
    422: "The request is invalid; `errors[].loc` names each field at fault",
    428: "This write needs an If-Match header with the resource's ETag",
    429: "Too many requests: this client spent its budget for the route's class; retry after "
    "`Retry-After` seconds",
    500: "An unexpected error; it has been logged",
    503: "The database cannot be reached right now; retry after `Retry-After` seconds",
}


def install_openapi(app: FastAPI) -> None:
    """Make ``app.openapi()`` complete the document FastAPI generates (see the module doc)."""
    generate = app.openapi
    completed: list[dict[str, Any]] = []  # the document last completed

    def openapi() -> dict[str, Any]:
        # FastAPI's own method keeps its document until the routes change, then makes another.
        spec = generate()
        if not completed or completed[0] is not spec:
            database: frozenset[Any] = getattr(app.state, "database_dependencies", frozenset())
            complete(spec, api_routes(app), database_dependencies=database)
            completed[:] = [spec]
        return spec

    app.openapi = openapi  # type: ignore[method-assign]


def api_routes(app: FastAPI) -> list[APIRoute]:
    """Every API route of ``app`` as it is served, included routers' with their prefix, tags and
    dependencies applied (the contexts carry the same attributes as an ``APIRoute``)."""
    return [
        cast(APIRoute, context)
        for context in iter_route_contexts(app.routes)
        if isinstance(context.original_route, APIRoute)
    ]


def complete(
    spec: dict[str, Any],
    routes: list[APIRoute],
    *,
    database_dependencies: frozenset[Any] = frozenset(),
) -> None:
    """Add every status each route's operations answer, and the Problem schema, to ``spec``.

    ``database_dependencies`` are the dependencies that open a database session: a route that
    uses one answers 503 ``database-unavailable`` while the database cannot be reached
    (``guarantee_shared.db.outage`` registers them)."""
    schemas = spec.setdefault("components", {}).setdefault("schemas", {})
    schemas["Problem"] = PROBLEM_SCHEMA
    schemas["ProblemError"] = PROBLEM_ERROR_SCHEMA
    for route in routes:
        if not route.include_in_schema:
            continue
        operations = spec.get("paths", {}).get(route.path_format, {})
        for method in route.methods or ():
            operation = operations.get(method.lower())
            if operation is not None:
                _complete_operation(operation, route, database_dependencies)
                _document_merge_patch(operation, schemas)
    for name in _FASTAPI_422:
        schemas.pop(name, None)


def _complete_operation(
    operation: dict[str, Any], route: APIRoute, database_dependencies: frozenset[Any]
) -> None:
    calls = set(_calls(route.dependant))
    statuses = set(_statuses(operation, route, calls))
    if calls & database_dependencies:
        statuses.add(503)
    responses: dict[str, Any] = operation.setdefault("responses", {})
    for status in sorted(statuses | {int(s) for s in responses if s.isdigit() and int(s) >= 400}):
        declared = route.responses.get(status) or route.responses.get(str(status)) or {}
        entry = responses.setdefault(str(status), {})
        description = declared.get("description") or DESCRIPTIONS.get(status, "Error")
        if status == 409 and _takes_idempotency_key(route) and "description" in declared:
            description = f"{description}; or {_IN_FLIGHT}"
        entry["description"] = description
        if not (declared.get("content") or declared.get("model")):
            entry["content"] = {PROBLEM_MEDIA_TYPE: {"schema": {"$ref": PROBLEM_REF}}}
        if status in (429, 503):
            entry["headers"] = {
                "Retry-After": {
                    "description": "Seconds to wait before trying again",
                    "required": True,
                    "schema": {"type": "integer", "minimum": 0},
                }
            }
        if status == 401:
            entry["headers"] = {
                "WWW-Authenticate": {
                    "description": "`Bearer`: the scheme the operation needs",
                    "required": True,
                    "schema": {"type": "string"},
                }
            }
    operation["responses"] = dict(sorted(responses.items()))
    if _depends_on(calls, IfMatchDep) or _depends_on(calls, OptionalIfMatchDep):
        _describe_if_match(operation, required=_depends_on(calls, IfMatchDep))


def _statuses(operation: dict[str, Any], route: APIRoute, calls: set[Any]) -> Iterator[int]:
    yield 500
    security = operation.get("security") or []
    if security:  # a probe too, should one ever need a token
        yield 401
        if any(scopes for requirement in security for scopes in requirement.values()):
            yield 403
    if PROBE_TAG in (route.tags or []):
        return  # no parameters to refuse, and never rate-limited
    yield from (422, 429)
    if route.dependant.path_params or route.param_convertors:
        yield 404
    if _depends_on(calls, IfMatchDep):
        yield from (412, 428)
    elif _depends_on(calls, OptionalIfMatchDep):
        yield 412
    if _takes_idempotency_key(route):
        yield 409
    if "requestBody" in operation:
        yield 413


def _calls(dependant: Dependant) -> Iterator[Any]:
    """Every dependency callable of the route, however deeply nested."""
    pending = list(dependant.dependencies)
    while pending:
        current = pending.pop()
        if current.call is not None:
            yield current.call
        pending.extend(current.dependencies)


def _depends_on(calls: set[Any], alias: Any) -> bool:
    """Whether a route depends on an ``Annotated[..., Depends(f)]`` alias's ``f``."""
    return any(getattr(meta, "dependency", None) in calls for meta in alias.__metadata__)


def _takes_idempotency_key(route: APIRoute) -> bool:
    return any(
        (field.alias or field.name).lower() == IDEMPOTENCY_HEADER
        for field in _header_fields(route.dependant)
    )


def _header_fields(dependant: Dependant) -> Iterator[Any]:
    pending = [dependant]
    while pending:
        current = pending.pop()
        yield from current.header_params
        pending.extend(current.dependencies)


def _describe_if_match(operation: dict[str, Any], *, required: bool) -> None:
    """State what an ETag of this service looks like (another is a 412), and that a write
    needing If-Match requires it: it is optional to FastAPI only so that its absence is a 428
    (guarantee_shared.web.http) rather than FastAPI's 422."""
    for parameter in operation.get("parameters", []):
        if parameter.get("in") == "header" and parameter.get("name", "").lower() == IF_MATCH_HEADER:
            parameter["required"] = required
            parameter["schema"] = {"type": "string", "pattern": ETAG_PATTERN}


def _document_merge_patch(operation: dict[str, Any], schemas: dict[str, Any]) -> None:
    """A merge patch body is not the resource: every field is optional, ``null`` removes an
    optional one (a required one cannot be removed), and nothing else is allowed. A router
    declares its body with ``guarantee_shared.web.patch.merge_patch_doc(Model)``; the body's
    schema becomes ``<Model>Patch``, derived from the model's, for both media types it takes."""
    content = operation.get("requestBody", {}).get("content", {})
    declared = content.get(MERGE_PATCH_MEDIA_TYPE, {}).get("schema", {})
    name = declared.get(PATCH_MODEL_KEY)
    if not isinstance(name, str):
        return
    resource = {k: v for k, v in declared.items() if k not in (PATCH_MODEL_KEY, "$defs")}
    for nested, definition in declared.get("$defs", {}).items():
        schemas.setdefault(nested, definition)
    patch_name = f"{name}Patch"
    if patch_name not in schemas:
        schemas[patch_name] = _merge_patch_schema(name, resource)
    for media in content.values():
        media["schema"] = {"$ref": _SCHEMAS + patch_name}


def _merge_patch_schema(name: str, resource: dict[str, Any]) -> dict[str, Any]:
    required = set(resource.get("required", ()))
    properties: dict[str, Any] = {}
    for field, schema in resource.get("properties", {}).items():
        # A default says what an absent field becomes on create; in a patch, absent is unchanged.
        schema = {k: v for k, v in schema.items() if k != "default"}
        if field not in required and not _allows_null(schema):
            schema = {"anyOf": [schema, {"type": "null"}]}
        properties[field] = schema
    return {
        "title": f"{name}Patch",
        "type": "object",
        "description": f"A JSON merge patch (RFC 7396) of {name}: the fields to change, `null` "
        "to remove an optional one. The merged resource is validated as a whole.",
        "properties": properties,
        "additionalProperties": False,
    }


def _allows_null(schema: dict[str, Any]) -> bool:
    return schema.get("type") == "null" or any(
        branch.get("type") == "null" for branch in schema.get("anyOf", ())
    )
