"""JSON bodies parsed with Decimal floats, so money never passes through a binary float; and
NUL characters refused up front (PostgreSQL cannot store them in text, so they would fail late)."""

from __future__ import annotations

import json
from collections.abc import Callable, Coroutine, Iterator, Sequence
from decimal import Decimal
from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute

_NUL = "\x00"


def _nul_locations(value: Any, loc: tuple[str | int, ...]) -> Iterator[tuple[str | int, ...]]:
    if isinstance(value, str):
        if _NUL in value:
            yield loc
    elif isinstance(value, dict):
        for key, item in value.items():
            if _NUL in key:
                yield (*loc, key)
            yield from _nul_locations(item, (*loc, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _nul_locations(item, (*loc, index))


def _refuse_nul(locations: Sequence[tuple[str | int, ...]]) -> None:
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
            body = await self.body()
            self._json = json.loads(body, parse_float=Decimal)
        return self._json


class DecimalJSONRoute(APIRoute):
    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        original = super().get_route_handler()

        async def handler(request: Request) -> Response:
            _refuse_nul(
                [
                    ("query", key)
                    for key, value in request.query_params.multi_items()
                    if _NUL in value
                ]
                + [
                    ("path", key)
                    for key, value in request.path_params.items()
                    if _NUL in str(value)
                ]
            )
            wrapped = DecimalJSONRequest(request.scope, request.receive)
            if "json" in wrapped.headers.get("content-type", ""):
                try:
                    parsed = await wrapped.json()
                except ValueError:
                    parsed = None  # malformed JSON: FastAPI reports it as a 422 next
                _refuse_nul(list(_nul_locations(parsed, ("body",))))
            return await original(wrapped)

        return handler


def api_router(**kwargs: Any) -> APIRouter:
    """An APIRouter whose routes parse JSON bodies with Decimal floats and refuse NULs."""
    return APIRouter(route_class=DecimalJSONRoute, **kwargs)
