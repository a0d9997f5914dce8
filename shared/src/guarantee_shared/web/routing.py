"""JSON bodies parsed with Decimal floats, so money never passes through a binary float."""

from __future__ import annotations

import json
from collections.abc import Callable, Coroutine
from decimal import Decimal
from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.routing import APIRoute


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
            return await original(DecimalJSONRequest(request.scope, request.receive))

        return handler


def api_router(**kwargs: Any) -> APIRouter:
    """An APIRouter whose routes parse JSON bodies with Decimal floats."""
    return APIRouter(route_class=DecimalJSONRoute, **kwargs)
