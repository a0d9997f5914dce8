"""HTTP routes of the rating engine: thin, each validates and calls one service method.

The model routes are plain FastAPI routes. The two scoring routes are :class:`ScoringRoute`\\ s:
FastAPI documents them from their endpoints' signatures like any other route, and the route
itself supplies the arguments those signatures declare.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Coroutine
from typing import Annotated, Any

from anyio import to_thread
from fastapi import APIRouter, Depends, Path, Query, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute
from pydantic import BaseModel, ConfigDict, Field, SkipValidation, TypeAdapter, ValidationError
from starlette.requests import ClientDisconnect
from starlette.types import Receive, Scope, Send

from guarantee_shared.schemas.rating import (
    MAX_BATCH,
    ModelsIndex,
    RatingBatchResponse,
    RatingRequest,
    RatingResult,
)
from guarantee_shared.web.auth import (
    Principal,
    TokenVerifier,
    bearer_token,
    ensure_scopes,
    require,
)
from guarantee_shared.web.routing import api_router
from rating_engine.ruleset import Ruleset
from rating_engine.service import RatingService, parse_body

SCORE_SCOPE = "ratings:score"
JSON = "application/json"
Handler = Callable[[Request], Coroutine[Any, Any, Response]]

ModelVersion = Annotated[
    str | None,
    Query(
        min_length=1,
        max_length=64,
        description="Ruleset version to score with; the active one when omitted",
    ),
]
_MODEL_VERSION: TypeAdapter[str | None] = TypeAdapter(ModelVersion)
# What only these routes know; the kit documents the rest (guarantee_shared.web.openapi).
_UNKNOWN_VERSION: dict[int | str, dict[str, Any]] = {
    404: {"description": "No ruleset has that model_version"}
}


class RatingBatch(BaseModel):
    """The body of ``POST /v1/score/batch``.

    Its requests are not validated with it: each is validated on its own when it is rated, so
    that a bad one gets an error entry in its slot and the others are still rated. Until then
    they are the parsed JSON.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    requests: list[SkipValidation[RatingRequest]] = Field(max_length=MAX_BATCH)


async def authorize(request: Request, scope: str) -> Principal:
    """The checks of ``require(scope)``: 401 without a valid bearer token, 403 without the scope."""
    authorization = None
    # The raw header list, not request.headers: building that Headers object costs more.
    for name, value in request.scope["headers"]:
        if name == b"authorization":
            authorization = value.decode("latin-1")
            break
    verifier: TokenVerifier = request.app.state.token_verifier
    principal = await verifier.verify(bearer_token(authorization))
    request.state.principal = principal
    return ensure_scopes(principal, scope)


async def _body(request: Request) -> bytes:
    # Straight from receive: Request.body() streams through an async generator, for what is
    # one message in the usual case.
    chunks = []
    while True:
        message = await request.receive()
        if message["type"] == "http.disconnect":
            raise ClientDisconnect
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            return b"".join(chunks)


def _model_version(request: Request) -> str | None:
    if not request.scope["query_string"]:
        return None  # the usual case; parsing an empty query string still costs
    try:
        return _MODEL_VERSION.validate_python(request.query_params.get("model_version"))
    except ValidationError as exc:
        errors = [{**err, "loc": ("query", "model_version")} for err in exc.errors()]
        raise RequestValidationError(errors) from exc


class ScoringRoute(APIRoute):
    """A scoring route: FastAPI documents it as usual and the route passes its endpoint the same
    arguments FastAPI would, ``request``, ``body`` and ``model_version``, without FastAPI's
    per-request dependency solving and body handling.

    The handler applies the router's ``require(SCORE_SCOPE)`` itself, validates
    ``model_version`` with its own annotation and the body with its model, from JSON read with
    Decimal floats (:func:`~rating_engine.service.parse_body`); a plain ``def`` endpoint runs in
    a worker thread, parsing included. tests/rating_engine/test_openapi.py holds the document
    and the route together.

    Why: served by FastAPI, the same endpoints take 1.93 million instructions per request
    instead of 1.18 in-process (the bare baseline 0.85), 0.44 of the baseline's pace instead
    of 0.72 (bench/README.md).
    """

    def __init__(self, path: str, endpoint: Callable[..., Any], **kwargs: Any) -> None:
        super().__init__(path, endpoint, **kwargs)
        handler = self.get_route_handler()

        # Without FastAPI's wrapper and its two exit stacks (a scoring route has no dependency
        # to close); an exception goes to the app's exception handlers all the same.
        async def app(scope: Scope, receive: Receive, send: Send) -> None:
            response = await handler(Request(scope, receive, send))
            await response(scope, receive, send)

        self.app = app

    def get_route_handler(self) -> Handler:
        endpoint = self.endpoint
        body_model = inspect.signature(endpoint, eval_str=True).parameters["body"].annotation
        if inspect.iscoroutinefunction(endpoint):

            async def handler(request: Request) -> Response:
                await authorize(request, SCORE_SCOPE)
                version = _model_version(request)
                body = parse_body(body_model, await _body(request))
                response: Response = await endpoint(
                    request=request, body=body, model_version=version
                )
                return response

            return handler

        def call(request: Request, raw: bytes, version: str | None) -> Response:
            body = parse_body(body_model, raw)
            response: Response = endpoint(request=request, body=body, model_version=version)
            return response

        async def threaded(request: Request) -> Response:
            await authorize(request, SCORE_SCOPE)
            version = _model_version(request)
            raw = await _body(request)
            return await to_thread.run_sync(call, request, raw, version)

        return threaded


scoring = APIRouter(
    prefix="/v1",
    tags=["rating"],
    route_class=ScoringRoute,
    dependencies=[Depends(require(SCORE_SCOPE))],
    responses=_UNKNOWN_VERSION,
)
models = api_router(prefix="/v1", tags=["rating"], dependencies=[Depends(require(SCORE_SCOPE))])


@scoring.post("/score", response_model=RatingResult, summary="Rate one customer")
async def score(
    request: Request, body: RatingRequest, model_version: ModelVersion = None
) -> Response:
    service: RatingService = request.app.state.rating_service
    return Response(service.score_json(body, version=model_version), media_type=JSON)


@scoring.post(
    "/score/batch",
    response_model=RatingBatchResponse,
    summary=f"Rate up to {MAX_BATCH:,} customers; a bad item gets an error entry in its slot",
)
def score_batch(
    request: Request, body: RatingBatch, model_version: ModelVersion = None
) -> Response:
    # A plain def, so that parsing, validating and scoring 10,000 items keep off the event loop.
    service: RatingService = request.app.state.rating_service
    return Response(service.score_batch(body.requests, version=model_version), media_type=JSON)


async def get_service(request: Request) -> RatingService:
    # Async on purpose: FastAPI runs a plain ``def`` dependency in a worker thread.
    service: RatingService = request.app.state.rating_service
    return service


ServiceDep = Annotated[RatingService, Depends(get_service)]


@models.get("/models", response_model=ModelsIndex, summary="Active and available rulesets")
async def list_models(service: ServiceDep) -> ModelsIndex:
    return service.models()


@models.get("/models/{version}", response_model=Ruleset, summary="One whole ruleset")
async def get_model(service: ServiceDep, version: Annotated[str, Path(max_length=64)]) -> Response:
    return Response(service.document(version).model_dump_json(), media_type=JSON)
