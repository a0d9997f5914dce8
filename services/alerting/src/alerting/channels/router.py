"""/v1/channels and /v1/deliveries: thin handlers over channels.service."""

from __future__ import annotations

import uuid
from enum import StrEnum

from fastapi.responses import Response

from alerting.channels import service
from alerting.channels.schemas import ChannelFields, ChannelOut, DeliveryDetail, DeliveryOut
from alerting.deps import AlertsRead, AlertsWrite, IdempotencyDep, SessionDep, SettingsDep
from guarantee_shared.pagination import DEFAULT_LIMIT, Page, page_of
from guarantee_shared.web.http import CursorQuery, IfMatchDep, LimitQuery, json_response
from guarantee_shared.web.routing import api_router

router = api_router(prefix="/v1/channels", tags=["channels"])
deliveries_router = api_router(prefix="/v1/deliveries", tags=["deliveries"])


class DeliveryStatus(StrEnum):
    pending = "pending"
    delivered = "delivered"
    dead = "dead"


@router.post("", status_code=201, response_model=ChannelOut, summary="Add a webhook channel")
async def create_channel(
    body: ChannelFields,
    session: SessionDep,
    _: AlertsWrite,
    settings: SettingsDep,
    idempotency: IdempotencyDep,
) -> Response:
    async def create() -> Response:
        channel = await service.create(session, body, allow_private=settings.allow_private_targets)
        return json_response(
            ChannelOut.model_validate(channel),
            status_code=201,
            version=channel.version,
            location=f"/v1/channels/{channel.id}",
        )

    return await idempotency.run(body, create)


@router.get("", response_model=Page[ChannelOut], summary="List channels")
async def list_channels(
    session: SessionDep,
    _: AlertsRead,
    limit: LimitQuery = DEFAULT_LIMIT,
    cursor: CursorQuery = None,
) -> Page[ChannelOut]:
    return page_of(ChannelOut, await service.list_channels(session, limit=limit, cursor=cursor))


@router.get("/{channel_id}", response_model=ChannelOut, summary="One channel")
async def get_channel(channel_id: uuid.UUID, session: SessionDep, _: AlertsRead) -> Response:
    channel = await service.get(session, channel_id)
    return json_response(ChannelOut.model_validate(channel), version=channel.version)


@router.delete("/{channel_id}", status_code=204, summary="Delete a channel (If-Match)")
async def delete_channel(
    channel_id: uuid.UUID, session: SessionDep, _: AlertsWrite, expected_version: IfMatchDep
) -> Response:
    channel = await service.get(session, channel_id, for_update=True)
    await service.delete(session, channel, expected_version=expected_version)
    return Response(status_code=204)


@deliveries_router.get("", response_model=Page[DeliveryOut], summary="Notifications and attempts")
async def list_deliveries(
    session: SessionDep,
    _: AlertsRead,
    alert_id: uuid.UUID | None = None,
    channel_id: uuid.UUID | None = None,
    status: DeliveryStatus | None = None,
    limit: LimitQuery = DEFAULT_LIMIT,
    cursor: CursorQuery = None,
) -> Page[DeliveryOut]:
    items, next_cursor = await service.list_deliveries(
        session,
        alert_id=alert_id,
        channel_id=channel_id,
        status=status.value if status else None,
        limit=limit,
        cursor=cursor,
    )
    return Page[DeliveryOut](items=items, next_cursor=next_cursor)


@deliveries_router.get(
    "/{delivery_id}", response_model=DeliveryDetail, summary="One notification with every attempt"
)
async def get_delivery(
    delivery_id: uuid.UUID, session: SessionDep, _: AlertsRead
) -> DeliveryDetail:
    return await service.delivery(session, delivery_id)
