"""/v1/partners: the registry of partner banks (scope admin)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Body, Path
from fastapi.responses import Response

from customer_api.deps import AdminOnly, IdempotencyDep, SessionDep
from customer_api.models import Partner
from customer_api.partners import service
from customer_api.partners.schemas import PartnerChange, PartnerFields, PartnerOut
from guarantee_shared.pagination import DEFAULT_LIMIT, Page, page_of
from guarantee_shared.web.http import CursorQuery, IfMatchDep, LimitQuery, json_response
from guarantee_shared.web.patch import apply_patch
from guarantee_shared.web.routing import api_router

router = api_router(prefix="/v1/partners", tags=["partners"])

CodePath = Annotated[str, Path(max_length=64, description="The partner's code")]

_MERGE_PATCH_DOC: dict[str, Any] = {
    "requestBody": {
        "content": {
            media: {"schema": {"$ref": "#/components/schemas/PartnerChange"}}
            for media in ("application/merge-patch+json", "application/json")
        },
        "required": True,
    }
}


def _respond(partner: Partner, *, status_code: int = 200) -> Response:
    location = f"/v1/partners/{partner.code}" if status_code == 201 else None
    return json_response(
        PartnerOut.model_validate(partner),
        status_code=status_code,
        version=partner.version,
        location=location,
    )


@router.post(
    "",
    status_code=201,
    response_model=PartnerOut,
    summary="Register a partner bank",
    responses={
        409: {"description": "The code exists, or a lender name is another partner's (named)"}
    },
)
async def create_partner(
    body: PartnerFields, session: SessionDep, principal: AdminOnly, idempotency: IdempotencyDep
) -> Response:
    async def create() -> Response:
        partner = await service.create(session, body, actor=principal.sub)
        return _respond(partner, status_code=201)

    return await idempotency.run(body, create)


@router.get("", response_model=Page[PartnerOut], summary="List partners, by code")
async def list_partners(
    session: SessionDep, _: AdminOnly, limit: LimitQuery = DEFAULT_LIMIT, cursor: CursorQuery = None
) -> Page[PartnerOut]:
    return page_of(PartnerOut, await service.list_partners(session, limit=limit, cursor=cursor))


@router.get("/{code}", response_model=PartnerOut, summary="One partner, with its ETag")
async def get_partner(code: CodePath, session: SessionDep, _: AdminOnly) -> Response:
    return _respond(await service.get(session, code))


@router.patch(
    "/{code}",
    response_model=PartnerOut,
    summary="Rename a partner or replace its lender names (JSON merge patch, If-Match)",
    description="The code cannot change: the partner's tokens carry it.",
    openapi_extra=_MERGE_PATCH_DOC,
    responses={409: {"description": "A lender name is another partner's (named)"}},
)
async def patch_partner(
    code: CodePath,
    patch: Annotated[dict[str, Any], Body(media_type="application/merge-patch+json")],
    session: SessionDep,
    principal: AdminOnly,
    expected_version: IfMatchDep,
) -> Response:
    partner = await service.get(session, code, for_update=True)
    fields = apply_patch(PartnerChange, PartnerOut.model_validate(partner), patch)
    partner = await service.update(
        session, partner, fields, actor=principal.sub, expected_version=expected_version
    )
    return _respond(partner)
