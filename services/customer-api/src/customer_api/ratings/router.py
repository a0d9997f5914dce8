"""Ratings: rate now, history, rerun of the book as a job, and the partner-bank look-up."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import date
from typing import Annotated

from fastapi import BackgroundTasks, Body, Path, Query, Request
from fastapi.responses import Response, StreamingResponse
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from customer_api.deps import (
    CustomersRead,
    CustomersWrite,
    IdempotencyDep,
    JobRunnerDep,
    PortfolioRead,
    RatingClientDep,
    RatingsRead,
    SessionDep,
    SettingsDep,
)
from customer_api.partners import service as partners
from customer_api.partners.schemas import LookupRequest, LookupResponse, LookupResult
from customer_api.ratings import backtest, jobs, service
from customer_api.ratings.schemas import (
    BacktestOut,
    JobOut,
    PartnerRating,
    RatingOut,
    RerunRequest,
)
from guarantee_shared.pagination import DEFAULT_LIMIT, Page, page_of
from guarantee_shared.types import Date
from guarantee_shared.web.http import CursorQuery, LimitQuery, json_response
from guarantee_shared.web.routing import api_router

router = api_router(tags=["ratings"])


@router.post(
    "/v1/customers/{customer_id}/rate",
    status_code=201,
    response_model=RatingOut,
    summary="Rate the customer now",
    responses={
        422: {"description": "Among others: the engine has no ruleset `model_version`"},
        502: {"description": "The rating engine refused the request; nothing was written"},
        503: {"description": "The rating engine is unreachable; nothing was written"},
    },
)
async def rate_customer(
    customer_id: uuid.UUID,
    request: Request,
    session: SessionDep,
    principal: CustomersWrite,
    settings: SettingsDep,
    client: RatingClientDep,
    idempotency: IdempotencyDep,
    body: Annotated[RerunRequest | None, Body()] = None,
) -> Response:
    body = body or RerunRequest()

    async def create() -> Response:
        rating = await service.rate_customer(
            session,
            customer_id,
            client=client,
            guarantor_net_assets=settings.guarantor_net_assets,
            actor=principal.sub,
            request_id=request.state.request_id,
            model_version=body.model_version,
        )
        return json_response(
            RatingOut.model_validate(rating),
            status_code=201,
            location=f"/v1/customers/{customer_id}/ratings/{rating.id}",
        )

    return await idempotency.run(body, create)


@router.get(
    "/v1/customers/{customer_id}/ratings",
    response_model=Page[RatingOut],
    summary="Rating history, newest first",
)
async def list_ratings(
    customer_id: uuid.UUID,
    session: SessionDep,
    _: CustomersRead,
    limit: LimitQuery = DEFAULT_LIMIT,
    cursor: CursorQuery = None,
) -> Page[RatingOut]:
    return page_of(
        RatingOut, await service.history(session, customer_id, limit=limit, cursor=cursor)
    )


@router.get(
    "/v1/customers/{customer_id}/ratings/{rating_id}",
    response_model=RatingOut,
    summary="One rating of the history",
)
async def get_rating(
    customer_id: uuid.UUID, rating_id: uuid.UUID, session: SessionDep, _: CustomersRead
) -> RatingOut:
    return RatingOut.model_validate(await service.get_rating(session, customer_id, rating_id))


@router.post(
    "/v1/ratings/rerun",
    status_code=202,
    response_model=JobOut,
    summary="Re-rate every active customer as a job (returns the running one if any)",
    responses={
        422: {"description": "Among others: the engine has no ruleset `model_version`"},
        503: {"description": "A `model_version` was named and the engine cannot be reached"},
    },
)
async def rerun(
    request: Request,
    session: SessionDep,
    principal: CustomersWrite,
    runner: JobRunnerDep,
    client: RatingClientDep,
    background: BackgroundTasks,
    body: Annotated[RerunRequest | None, Body()] = None,
) -> Response:
    model_version = (body or RerunRequest()).model_version
    await service.check_model_version(client, model_version, request_id=request.state.request_id)
    job, _created = await jobs.start_rerun(
        session, actor=principal.sub, model_version=model_version
    )
    # After the response, so after the request's transaction committed the job.
    background.add_task(runner.wake)
    return json_response(JobOut.model_validate(job), status_code=202, location=f"/v1/jobs/{job.id}")


@router.get("/v1/jobs/{job_id}", response_model=JobOut, summary="A job's progress")
async def get_job(job_id: uuid.UUID, session: SessionDep, _: CustomersRead) -> JobOut:
    return JobOut.model_validate(await jobs.get_job(session, job_id))


@router.post(
    "/v1/ratings/lookup",
    response_model=LookupResponse,
    summary="Many customers' current ratings at once, for partner banks (scope ratings:read)",
    description="Each code is answered as `GET /v1/ratings/{credit_code}` would answer it "
    "(`found: false` where that is a 404), in the order asked, by one database query. "
    "A token with a `partner` claim sees only customers its lenders finance now or did within "
    "24 months.",
    responses={403: {"description": "The token's `partner` claim names no registered partner"}},
)
async def lookup_ratings(
    body: LookupRequest, session: SessionDep, principal: RatingsRead
) -> LookupResponse:
    found = await partners.disclosed_ratings(session, body.credit_codes, partner=principal.partner)
    return LookupResponse(
        results=[
            LookupResult(credit_code=code, found=rating is not None, rating=rating)
            for code, rating in found
        ]
    )


# Earlier dates are typing mistakes (and would underflow the window arithmetic).
EARLIEST = date(1900, 1, 1)
HorizonQuery = Annotated[
    int, Query(ge=1, le=120, description="Outcome window in months (default 12: one-year PD)")
]

_BACKTEST_DOC = """
Each customer's latest rating issued on or before `cohort_date` = `as_of` − `horizon_months`
(China dates) is tested against its outcome: 1 when the customer had a compensation (代偿) on
any of its contracts or a `default` credit event in (`cohort_date`, `as_of`], else 0. PD is
the one the rating predicted (`result.pd`). Metrics undefined for the data are null, never 0.
`as_of` must not be in the future (the window would not have closed). `model_version` keeps only
ratings made by that version (a version that rated nobody gives n = 0); re-scoring stored
requests with another version is not done here.
"""


# Declared before /v1/ratings/{credit_code}, which would otherwise take "backtest" as a code.
@router.get(
    "/v1/ratings/backtest",
    response_model=BacktestOut,
    summary="Backtest of the ratings in force against their outcomes (scope portfolio:read)",
    description=_BACKTEST_DOC,
)
async def get_backtest(
    session: SessionDep,
    _: PortfolioRead,
    as_of: Annotated[
        Date | None,
        Query(ge=EARLIEST, description="End of the outcome window; default today (China)"),
    ] = None,
    horizon_months: HorizonQuery = 12,
    model_version: Annotated[
        str | None, Query(min_length=1, max_length=40, description="Only this version's ratings")
    ] = None,
) -> BacktestOut:
    result = await backtest.backtest(
        session, as_of=as_of, horizon_months=horizon_months, model_version=model_version
    )
    return BacktestOut.model_validate(result)


# JSON Lines under the name its spec proposes; the `.jsonl` files the calibration reads are the
# same bytes. (application/x-ndjson is the older, unregistered alias of the same format.)
JSONL_MEDIA_TYPE = "application/jsonl"


class JsonLinesResponse(StreamingResponse):
    media_type = JSONL_MEDIA_TYPE


_TRAINING_SET_DOC = """
Every rating issued (China date of `rated_at`) from `from` to `to` inclusive, oldest first, as
JSON Lines (`application/jsonl`, UTF-8): one object `{"request": …, "outcome": 0 or 1}` per line,
`request` the rating request the engine answered, exactly as the rating history stored it, and
`outcome` 1 when the customer had a compensation (代偿) on any of its contracts or a `default`
credit event within `horizon_months` after the day of the rating (that day excluded), as in the
backtest. A customer rated twice gives two lines. Ratings stored before requests were kept
(they have only `request_hash`) are left out. The outcome window of `to` must have closed:
`to` + `horizon_months` after today (China) is 422, as is `from` after `to`. The body is
streamed; an empty range is an empty body.
"""


@router.get(
    "/v1/ratings/training-set",
    response_class=JsonLinesResponse,
    summary="Stored rating requests with their outcomes, as JSON Lines (scope portfolio:read)",
    description=_TRAINING_SET_DOC,
    responses={
        200: {
            "content": {
                JSONL_MEDIA_TYPE: {
                    "schema": {
                        "type": "string",
                        "description": 'One {"request": {...}, "outcome": 0|1} object a line',
                    }
                }
            }
        }
    },
)
async def get_training_set(
    request: Request,
    _: PortfolioRead,
    start: Annotated[
        Date, Query(alias="from", ge=EARLIEST, description="First day of issue (inclusive)")
    ],
    end: Annotated[
        Date, Query(alias="to", ge=EARLIEST, description="Last day of issue (inclusive)")
    ],
    horizon_months: HorizonQuery = 12,
) -> JsonLinesResponse:
    backtest.check_training_window(start, end, horizon_months=horizon_months)
    maker: async_sessionmaker[AsyncSession] = request.app.state.sessionmaker
    lines = backtest.training_set(maker, start=start, end=end, horizon_months=horizon_months)
    # The first chunk before the 200: a database that cannot be reached is then a 503 problem,
    # not a 200 with a body cut short (or an empty one, which means an empty range).
    first = await anext(lines, b"")
    return JsonLinesResponse(_after(first, lines))


async def _after(first: bytes, rest: AsyncIterator[bytes]) -> AsyncIterator[bytes]:
    if first:
        yield first
    async for chunk in rest:
        yield chunk


@router.get(
    "/v1/ratings/{credit_code}",
    response_model=PartnerRating,
    summary="A customer's current rating, for partner banks (scope ratings:read)",
    description="A token with a `partner` claim sees only customers its lenders finance now "
    "or did within 24 months; any other code is 404, exactly as an unknown or unrated one.",
    responses={
        403: {"description": "The token's `partner` claim names no registered partner"},
        404: {"description": "Unknown, unrated, or not the partner's customer"},
    },
)
async def partner_rating(
    credit_code: Annotated[str, Path(max_length=40)], session: SessionDep, principal: RatingsRead
) -> PartnerRating:
    return await partners.disclosed_rating(session, credit_code, partner=principal.partner)
