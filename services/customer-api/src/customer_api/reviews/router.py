"""/v1/customers/{id}/verifications and /surveys: thin handlers over reviews.service."""

from __future__ import annotations

import uuid

from fastapi.responses import Response

from customer_api.deps import CustomersRead, CustomersWrite, IdempotencyDep, SessionDep, SettingsDep
from customer_api.models import Survey, Verification
from customer_api.reviews import service
from customer_api.reviews.schemas import SurveyIn, SurveyOut, VerificationIn, VerificationOut
from guarantee_shared.pagination import DEFAULT_LIMIT, Page, page_of
from guarantee_shared.web.http import CursorQuery, LimitQuery, json_response
from guarantee_shared.web.routing import api_router

router = api_router(prefix="/v1/customers/{customer_id}")

_VERIFICATIONS = "verifications"
_SURVEYS = "surveys"


def _verification_response(row: Verification, *, status_code: int = 200) -> Response:
    return json_response(
        VerificationOut.model_validate(row),
        status_code=status_code,
        version=row.version,
        location=f"/v1/customers/{row.customer_id}/verifications/{row.id}"
        if status_code == 201
        else None,
    )


def _survey_response(row: Survey, *, status_code: int = 200) -> Response:
    return json_response(
        SurveyOut.model_validate(row),
        status_code=status_code,
        version=row.version,
        location=f"/v1/customers/{row.customer_id}/surveys/{row.id}"
        if status_code == 201
        else None,
    )


@router.post(
    "/verifications",
    status_code=201,
    response_model=VerificationOut,
    tags=[_VERIFICATIONS],
    summary="Record a verification; sets last_verified_at and next_review_due",
    description="`next_review_due` = `verified_on` + the review interval: the one carried by the "
    "customer's latest rating, else the configured interval of its risk tier (low 180, medium "
    "90, high 30 days; unrated customers as medium). An `unreachable` outcome always uses the "
    "shortest interval. A verification dated before the customer's latest one is recorded but "
    "does not move the schedule.",
    responses={404: {"description": "No such customer"}},
)
async def create_verification(
    customer_id: uuid.UUID,
    body: VerificationIn,
    session: SessionDep,
    principal: CustomersWrite,
    settings: SettingsDep,
    idempotency: IdempotencyDep,
) -> Response:
    async def create() -> Response:
        row = await service.create_verification(
            session,
            customer_id=customer_id,
            fields=body,
            actor=principal.sub,
            intervals=settings.review_interval_days,
        )
        return _verification_response(row, status_code=201)

    return await idempotency.run(body, create)


@router.get(
    "/verifications",
    response_model=Page[VerificationOut],
    tags=[_VERIFICATIONS],
    summary="The customer's verifications, newest verified_on first",
)
async def list_verifications(
    customer_id: uuid.UUID,
    session: SessionDep,
    _: CustomersRead,
    limit: LimitQuery = DEFAULT_LIMIT,
    cursor: CursorQuery = None,
) -> Page[VerificationOut]:
    return page_of(
        VerificationOut,
        await service.list_verifications(
            session, customer_id=customer_id, limit=limit, cursor=cursor
        ),
    )


@router.get(
    "/verifications/{verification_id}",
    response_model=VerificationOut,
    tags=[_VERIFICATIONS],
    summary="One verification",
)
async def get_verification(
    customer_id: uuid.UUID, verification_id: uuid.UUID, session: SessionDep, _: CustomersRead
) -> Response:
    row = await service.get_verification(
        session, customer_id=customer_id, verification_id=verification_id
    )
    return _verification_response(row)


@router.post(
    "/surveys",
    status_code=201,
    response_model=SurveyOut,
    tags=[_SURVEYS],
    summary="Record a satisfaction survey (score 1-5)",
    responses={404: {"description": "No such customer"}},
)
async def create_survey(
    customer_id: uuid.UUID,
    body: SurveyIn,
    session: SessionDep,
    principal: CustomersWrite,
    idempotency: IdempotencyDep,
) -> Response:
    async def create() -> Response:
        row = await service.create_survey(
            session, customer_id=customer_id, fields=body, actor=principal.sub
        )
        return _survey_response(row, status_code=201)

    return await idempotency.run(body, create)


@router.get(
    "/surveys",
    response_model=Page[SurveyOut],
    tags=[_SURVEYS],
    summary="The customer's surveys, newest surveyed_on first",
)
async def list_surveys(
    customer_id: uuid.UUID,
    session: SessionDep,
    _: CustomersRead,
    limit: LimitQuery = DEFAULT_LIMIT,
    cursor: CursorQuery = None,
) -> Page[SurveyOut]:
    return page_of(
        SurveyOut,
        await service.list_surveys(session, customer_id=customer_id, limit=limit, cursor=cursor),
    )


@router.get("/surveys/{survey_id}", response_model=SurveyOut, tags=[_SURVEYS], summary="One survey")
async def get_survey(
    customer_id: uuid.UUID, survey_id: uuid.UUID, session: SessionDep, _: CustomersRead
) -> Response:
    return _survey_response(
        await service.get_survey(session, customer_id=customer_id, survey_id=survey_id)
    )
