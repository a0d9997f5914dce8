"""HTTP routes of the rating engine: thin, each validates and calls one service method.

The two scoring routes are the hot path. FastAPI's per-request dependency solving and body
parsing cost more than scoring itself (see bench/README.md), so they are :class:`LeanRoute`\\ s:
the endpoint receives the bare request, checks the token with :func:`authorize` (the rules of
``require``) and hands the raw body to the service, which validates it with the same
``RatingRequest`` model and answers 422 problems in the same form. Their OpenAPI entries are
declared explicitly below. The model routes are ordinary FastAPI routes.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Annotated, Any

from anyio import to_thread
from fastapi import APIRouter, Depends, Path, Request, Response
from fastapi.routing import APIRoute
from starlette.requests import ClientDisconnect
from starlette.types import Receive, Scope, Send

from guarantee_shared.errors import InvalidInput
from guarantee_shared.schemas.rating import (
    MAX_BATCH,
    ModelsIndex,
    RatingBatchResponse,
    RatingResult,
)
from guarantee_shared.web.auth import require
from guarantee_shared.web.routing import api_router
from rating_engine.ruleset import Ruleset
from rating_engine.service import RatingService
from rating_engine.tokens import authorize

SCORE_SCOPE = "ratings:score"
JSON = "application/json"
Endpoint = Callable[[Request], Coroutine[Any, Any, Response]]


class LeanRoute(APIRoute):
    """A route whose endpoint takes the bare :class:`Request` and returns a :class:`Response`.

    Its ASGI app calls the endpoint and sends the response, nothing more: FastAPI's wrapper
    would open two exit stacks for dependencies with ``yield`` (a lean route has none) and
    catch exceptions at the route, which the app's ExceptionMiddleware then does instead, with
    the same handlers and so the same problem+json answers.
    """

    def __init__(self, path: str, endpoint: Callable[..., Any], **kwargs: Any) -> None:
        super().__init__(path, endpoint, **kwargs)
        handler = self.get_route_handler()

        async def app(scope: Scope, receive: Receive, send: Send) -> None:
            response = await handler(Request(scope, receive, send))
            await response(scope, receive, send)

        self.app = app

    def get_route_handler(self) -> Endpoint:
        endpoint: Endpoint = self.endpoint
        return endpoint


class JSONBytes(Response):
    """A 200 JSON answer from ready bytes, with the headers ``Response`` would give it.

    ``Response.__init__`` renders the content and works out which headers to add on every
    call; for bytes and no extra headers the outcome is always these two.
    """

    media_type = JSON

    def __init__(self, body: bytes) -> None:
        self.status_code = 200
        self.background = None
        self.body = body
        self.raw_headers = [
            (b"content-length", str(len(body)).encode("latin-1")),
            (b"content-type", b"application/json"),
        ]


async def get_service(request: Request) -> RatingService:
    # Async on purpose: FastAPI runs a plain ``def`` dependency in a worker thread.
    service: RatingService = request.app.state.rating_service
    return service


ServiceDep = Annotated[RatingService, Depends(get_service)]


def _model_version(request: Request) -> str | None:
    if not request.scope.get("query_string"):
        return None  # the usual case: no query string, nothing to parse
    version = request.query_params.get("model_version")
    if version is not None and not 0 < len(version) <= 64:
        raise InvalidInput(
            "model_version must have 1 to 64 characters", loc=["query", "model_version"]
        )
    return version


async def _body(request: Request) -> bytes:
    """The whole request body, read straight from ``receive``.

    ``Request.body()`` streams through an async generator; a rating body comes in one message.
    """
    message = await request.receive()
    body: bytes = message.get("body", b"")
    if message["type"] == "http.request" and not message.get("more_body", False):
        return body
    chunks = [body]
    while message["type"] == "http.request" and message.get("more_body", False):
        message = await request.receive()
        chunks.append(message.get("body", b""))
    if message["type"] == "http.disconnect":
        raise ClientDisconnect
    return b"".join(chunks)


def _doc(body_schema: dict[str, Any]) -> dict[str, Any]:
    """The OpenAPI parts a lean route cannot infer: body, query parameter and security."""
    return {
        "security": [{"HTTPBearer": [SCORE_SCOPE]}],
        "parameters": [
            {
                "name": "model_version",
                "in": "query",
                "required": False,
                "schema": {"type": "string", "maxLength": 64},
                "description": "Ruleset version to score with; the active one when omitted",
            }
        ],
        "requestBody": {"required": True, "content": {JSON: {"schema": body_schema}}},
    }


_REQUEST_REF = {"$ref": "#/components/schemas/RatingRequest"}
_UNKNOWN_VERSION: dict[int | str, dict[str, Any]] = {
    404: {"description": "No ruleset has that model_version"}
}
_BATCH_SCHEMA = {
    "type": "object",
    "required": ["requests"],
    "additionalProperties": False,
    "properties": {"requests": {"type": "array", "maxItems": MAX_BATCH, "items": _REQUEST_REF}},
}

# The lean routes read the raw body themselves (see service.parse_request for precision).
scoring = APIRouter(prefix="/v1", tags=["rating"], route_class=LeanRoute)
models = api_router(prefix="/v1", tags=["rating"], dependencies=[Depends(require(SCORE_SCOPE))])


@scoring.post(
    "/score",
    response_model=RatingResult,
    summary="Rate one customer",
    responses=_UNKNOWN_VERSION,
    openapi_extra=_doc(_REQUEST_REF),
)
async def score(request: Request) -> Response:
    await authorize(request, SCORE_SCOPE)
    service: RatingService = request.app.state.rating_service
    payload = service.score_json(await _body(request), version=_model_version(request))
    return JSONBytes(payload)


@scoring.post(
    "/score/batch",
    response_model=RatingBatchResponse,
    summary=f"Rate up to {MAX_BATCH:,} customers; a bad item gets an error entry in its slot",
    responses=_UNKNOWN_VERSION,
    openapi_extra=_doc(_BATCH_SCHEMA),
)
async def score_batch(request: Request) -> Response:
    await authorize(request, SCORE_SCOPE)
    service: RatingService = request.app.state.rating_service
    body, version = await _body(request), _model_version(request)
    # Parsing, validating and scoring 10,000 items takes CPU time; keep the loop free meanwhile.
    payload = await to_thread.run_sync(lambda: service.score_batch(body, version=version))
    return Response(payload, media_type=JSON)


@models.get("/models", response_model=ModelsIndex, summary="Active and available rulesets")
async def list_models(service: ServiceDep) -> ModelsIndex:
    return service.models()


@models.get("/models/{version}", response_model=Ruleset, summary="One whole ruleset")
async def get_model(service: ServiceDep, version: Annotated[str, Path(max_length=64)]) -> Response:
    return Response(service.document(version).model_dump_json(), media_type=JSON)
