"""How every route reads a request: JSON through jiter with decimal numbers and a nesting bound,
and NUL characters refused in any part of it.

- Numbers with a fraction become ``Decimal``, so money never passes through a binary float. A
  number written with an exponent (``1e3``) becomes a ``float``: a ``Decimal`` would hide how it
  was written (``1.5e1`` is ``Decimal("15")``), and money accepts plain notation only, which it
  tells by refusing floats (``guarantee_shared.types``); ratios and thresholds take both. jiter
  stops at a fixed nesting depth (about 200 levels, far beyond any body of this
  API) with an error, so a deeply nested body is a 422 like any malformed JSON, never a
  recursion error.
- PostgreSQL cannot store NUL in text, so it is refused up front (422) in the body (keys and
  values), the query and the path, instead of failing late in the database.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Coroutine, Iterator, Sequence
from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute

from guarantee_shared.jsonio import parse_json
from guarantee_shared.text import NUL

Location = tuple[str | int, ...]


def nul_locations(value: Any, root: Location) -> Iterator[Location]:
    """Where in a parsed JSON value (keys included) a string holds NUL; iterative, so any depth
    the parser accepted is fine."""
    pending: list[tuple[Any, Location]] = [(value, root)]
    while pending:
        item, loc = pending.pop()
        if isinstance(item, str):
            if NUL in item:
                yield loc
        elif isinstance(item, dict):
            for key, child in item.items():
                if NUL in key:
                    yield (*loc, key)
                pending.append((child, (*loc, key)))
        elif isinstance(item, list):
            pending.extend((child, (*loc, index)) for index, child in enumerate(item))


def _refuse_nul(locations: Sequence[Location]) -> None:
    if locations:
        raise RequestValidationError(
            [
                {"loc": loc, "msg": "NUL characters are not allowed in text", "type": "string_nul"}
                for loc in locations
            ]
        )


class DecimalJSONRequest(Request):
    async def json(self) -> Any:
        if not hasattr(self, "_json"):
            self._json = parse_json(await self.body())
        return self._json


class DecimalJSONRoute(APIRoute):
    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        original = super().get_route_handler()

        async def handler(request: Request) -> Response:
            _refuse_nul(
                [
                    ("query", key)
                    for key, value in request.query_params.multi_items()
                    if NUL in value
                ]
                + [("path", key) for key, value in request.path_params.items() if NUL in str(value)]
            )
            wrapped = DecimalJSONRequest(request.scope, request.receive)
            if "json" in wrapped.headers.get("content-type", ""):
                try:
                    parsed = await wrapped.json()
                except json.JSONDecodeError:
                    parsed = None  # FastAPI reports the malformed body as a 422 next
                _refuse_nul(list(nul_locations(parsed, ("body",))))
            return await original(wrapped)

        return handler


def api_router(**kwargs: Any) -> APIRouter:
    """An APIRouter whose routes parse JSON bodies with Decimal numbers and refuse NULs."""
    return APIRouter(route_class=DecimalJSONRoute, **kwargs)
