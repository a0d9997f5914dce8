"""/v1/silences: thin handlers over silences.service."""

from __future__ import annotations

import uuid

from fastapi.responses import Response

from alerting.deps import AlertsRead, AlertsWrite, IdempotencyDep, SessionDep
from alerting.silences import service
from alerting.silences.schemas import SilenceFields, SilenceOut
from guarantee_shared.pagination import DEFAULT_LIMIT, Page
from guarantee_shared.web.http import CursorQuery, IfMatchDep, LimitQuery, json_response
from guarantee_shared.web.routing import api_router

router = api_router(prefix="/v1/silences", tags=["silences"])


@router.post(
    "",
    status_code=201,
    response_model=SilenceOut,
    summary="Mute notifications of matching alerts for a time window",
)
async def create_silence(
    body: SilenceFields, session: SessionDep, principal: AlertsWrite, idempotency: IdempotencyDep
) -> Response:
    async def create() -> Response:
        silence = await service.create(session, body, by=principal.sub)
        return json_response(
            service.present(silence),
            status_code=201,
            version=silence.version,
            location=f"/v1/silences/{silence.id}",
        )

    return await idempotency.run(body, create)


@router.get("", response_model=Page[SilenceOut], summary="List silences")
async def list_silences(
    session: SessionDep,
    _: AlertsRead,
    active: bool | None = None,
    limit: LimitQuery = DEFAULT_LIMIT,
    cursor: CursorQuery = None,
) -> Page[SilenceOut]:
    rows, next_cursor = await service.list_silences(
        session, active=active, limit=limit, cursor=cursor
    )
    return Page[SilenceOut](items=[service.present(s) for s in rows], next_cursor=next_cursor)


@router.get("/{silence_id}", response_model=SilenceOut, summary="One silence")
async def get_silence(silence_id: uuid.UUID, session: SessionDep, _: AlertsRead) -> Response:
    silence = await service.get(session, silence_id)
    return json_response(service.present(silence), version=silence.version)


@router.delete("/{silence_id}", status_code=204, summary="Delete a silence (If-Match)")
async def delete_silence(
    silence_id: uuid.UUID, session: SessionDep, _: AlertsWrite, expected_version: IfMatchDep
) -> Response:
    silence = await service.get(session, silence_id, for_update=True)
    await service.delete(session, silence, expected_version=expected_version)
    return Response(status_code=204)
