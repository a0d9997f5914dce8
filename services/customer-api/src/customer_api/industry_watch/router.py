"""/v1/industry-watch: thin handlers over industry_watch.service."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import Body, Response

from customer_api.deps import CustomersRead, CustomersWrite, IdempotencyDep, SessionDep
from customer_api.industry_watch import service
from customer_api.industry_watch.schemas import WatchFields, WatchLevel, WatchOut
from customer_api.models import IndustryWatch
from guarantee_shared.pagination import DEFAULT_LIMIT, Page, page_of
from guarantee_shared.web.http import CursorQuery, IfMatchDep, LimitQuery, json_response
from guarantee_shared.web.patch import apply_patch, merge_patch_doc
from guarantee_shared.web.routing import api_router

router = api_router(prefix="/v1/industry-watch", tags=["industry watch"])

_TAKEN: dict[int | str, dict[str, Any]] = {
    409: {"description": "The prefix is on the list already; the problem names `existing_id`"}
}


def _respond(entry: IndustryWatch, *, status_code: int = 200) -> Response:
    location = f"/v1/industry-watch/{entry.id}" if status_code == 201 else None
    return json_response(
        WatchOut.model_validate(entry),
        status_code=status_code,
        version=entry.version,
        location=location,
    )


@router.post(
    "",
    status_code=201,
    response_model=WatchOut,
    summary="Put an industry on the watch-list",
    responses=_TAKEN,
)
async def create_entry(
    body: WatchFields, session: SessionDep, principal: CustomersWrite, idempotency: IdempotencyDep
) -> Response:
    async def create() -> Response:
        return _respond(await service.create(session, body, actor=principal.sub), status_code=201)

    return await idempotency.run(body, create)


@router.get("", response_model=Page[WatchOut], summary="The watch-list, by industry prefix")
async def list_entries(
    session: SessionDep,
    _: CustomersRead,
    level: WatchLevel | None = None,
    limit: LimitQuery = DEFAULT_LIMIT,
    cursor: CursorQuery = None,
) -> Page[WatchOut]:
    return page_of(
        WatchOut, await service.list_entries(session, level=level, limit=limit, cursor=cursor)
    )


@router.get("/{entry_id}", response_model=WatchOut, summary="One entry, with its ETag")
async def get_entry(entry_id: uuid.UUID, session: SessionDep, _: CustomersRead) -> Response:
    return _respond(await service.get(session, entry_id))


@router.patch(
    "/{entry_id}",
    response_model=WatchOut,
    summary="Change an entry (JSON merge patch, If-Match)",
    openapi_extra=merge_patch_doc(WatchFields),
    responses=_TAKEN,
)
async def patch_entry(
    entry_id: uuid.UUID,
    patch: Annotated[dict[str, Any], Body(media_type="application/merge-patch+json")],
    session: SessionDep,
    principal: CustomersWrite,
    expected_version: IfMatchDep,
) -> Response:
    entry = await service.get(session, entry_id, for_update=True)
    fields = apply_patch(WatchFields, WatchOut.model_validate(entry), patch)
    entry = await service.update(
        session, entry, fields, actor=principal.sub, expected_version=expected_version
    )
    return _respond(entry)


@router.delete(
    "/{entry_id}", status_code=204, summary="Take an industry off the watch-list (If-Match)"
)
async def delete_entry(
    entry_id: uuid.UUID,
    session: SessionDep,
    principal: CustomersWrite,
    expected_version: IfMatchDep,
) -> Response:
    entry = await service.get(session, entry_id, for_update=True)
    await service.delete(session, entry, actor=principal.sub, expected_version=expected_version)
    return Response(status_code=204)
