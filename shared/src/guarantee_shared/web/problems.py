"""RFC 9457 problem+json for every error a service returns."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.routing import iter_route_contexts
from starlette.exceptions import HTTPException as StarletteHTTPException

from guarantee_shared.errors import PROBLEM_BASE, DomainError
from guarantee_shared.logging import get_logger

PROBLEM_MEDIA_TYPE = "application/problem+json"
log = get_logger(__name__)

_HTTP_TITLES = {
    400: "Bad request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not found",
    405: "Method not allowed",
    406: "Not acceptable",
    409: "Conflict",
    413: "Content too large",
    415: "Unsupported media type",
    422: "Validation failed",
    500: "Internal server error",
    503: "Service unavailable",
}


class ProblemResponse(JSONResponse):
    media_type = PROBLEM_MEDIA_TYPE


def problem(
    status: int,
    *,
    title: str | None = None,
    detail: str | None = None,
    type_: str | None = None,
    headers: dict[str, str] | None = None,
    **extra: Any,
) -> ProblemResponse:
    body: dict[str, Any] = {
        "type": type_ or "about:blank",
        "title": title or _HTTP_TITLES.get(status, "Error"),
        "status": status,
        "detail": detail or title or _HTTP_TITLES.get(status, "Error"),
    }
    body.update(extra)
    return ProblemResponse(body, status_code=status, headers=headers)


def _json_safe_loc(loc: Any) -> list[str | int]:
    return [part if isinstance(part, int) else str(part) for part in loc]


def validation_errors(exc: RequestValidationError) -> list[dict[str, Any]]:
    return [
        {
            "loc": _json_safe_loc(err.get("loc", ())),
            "msg": str(err.get("msg", "")),
            "type": err.get("type", ""),
        }
        for err in exc.errors()
    ]


async def _on_validation(_: Request, exc: Exception) -> ProblemResponse:
    assert isinstance(exc, RequestValidationError)
    errors = validation_errors(exc)
    first = errors[0] if errors else {"loc": [], "msg": "invalid request"}
    where = ".".join(str(p) for p in first["loc"]) or "request"
    return problem(
        422,
        type_=PROBLEM_BASE + "validation-error",
        detail=f"{where}: {first['msg']}",
        errors=errors,
    )


def domain_problem(exc: DomainError) -> ProblemResponse:
    headers = {"WWW-Authenticate": "Bearer"} if exc.status == 401 else {}
    if exc.retry_after_s is not None:
        headers["Retry-After"] = str(exc.retry_after_s)
    return problem(
        exc.status, title=exc.title, detail=exc.detail, type_=exc.type, headers=headers, **exc.extra
    )


async def _on_domain(_: Request, exc: Exception) -> ProblemResponse:
    assert isinstance(exc, DomainError)
    return domain_problem(exc)


async def _on_http(request: Request, exc: Exception) -> ProblemResponse:
    assert isinstance(exc, StarletteHTTPException)
    headers = dict(exc.headers or {})
    if exc.status_code == 405:
        headers["Allow"] = _allowed_methods(request)
    return problem(exc.status_code, detail=str(exc.detail), headers=headers)


def _allowed_methods(request: Request) -> str:
    """The methods of the resource at the request's path, for a 405's ``Allow`` (RFC 9110).

    Starlette's 405 names the methods of the first route whose path matched, but the GET and
    the POST of one path are two routes here, so it would tell a caller that POST
    /v1/customers is the only method there. The resource is the path template of that first
    route (``/v1/ratings/rerun`` before ``/v1/ratings/{credit_code}``, as routing takes them);
    every route on that template adds its methods."""
    path = request.url.path
    root = request.scope.get("root_path", "")
    if root and path.startswith(root):
        path = path[len(root) :] or "/"
    template: str | None = None
    methods: set[str] = set()
    for route in iter_route_contexts(request.app.routes):
        regex, served = getattr(route, "path_regex", None), getattr(route, "methods", None)
        if regex is None or not served or not regex.match(path):
            continue
        template = template or route.path_format
        if route.path_format == template:
            methods |= served
    return ", ".join(sorted(methods))


def unexpected_problem(request: Request, exc: Exception) -> ProblemResponse:
    log.exception("unhandled_error", path=request.url.path, error_type=type(exc).__name__)
    return problem(500, detail="The server could not complete the request; it has been logged.")


async def _on_unexpected(request: Request, exc: Exception) -> ProblemResponse:
    return unexpected_problem(request, exc)


def install_problem_handlers(app: FastAPI) -> None:
    app.add_exception_handler(RequestValidationError, _on_validation)
    app.add_exception_handler(DomainError, _on_domain)
    app.add_exception_handler(StarletteHTTPException, _on_http)
    # Runs outside every middleware, and Starlette re-raises after it, so uvicorn also drops
    # the connection: an error a caller should see otherwise needs a handler of its own class
    # (guarantee_shared.db.outage.install_outage_handlers is one).
    app.add_exception_handler(Exception, _on_unexpected)
