"""Ratings: rate now, history, rerun of the book as a job, and the partner-bank look-up."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import BackgroundTasks, Body, Path, Request
from fastapi.responses import Response

from customer_api.deps import (
    CustomersRead,
    CustomersWrite,
    IdempotencyDep,
    JobRunnerDep,
    RatingClientDep,
    RatingsRead,
    SessionDep,
    SettingsDep,
)
from customer_api.partners import service as partners
from customer_api.partners.schemas import LookupRequest, LookupResponse, LookupResult
from customer_api.ratings import jobs, service
from customer_api.ratings.schemas import JobOut, PartnerRating, RatingOut, RerunRequest
from guarantee_shared.pagination import DEFAULT_LIMIT, Page, page_of
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
