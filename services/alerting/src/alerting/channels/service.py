"""Channels (webhook targets) and the delivery log."""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from alerting.channels.schemas import AttemptOut, ChannelFields, DeliveryDetail, DeliveryOut
from alerting.models import Channel, DeliveryAttempt, OutboxMessage
from guarantee_shared.db.queries import get_or_404, keyset_page
from guarantee_shared.errors import InvalidInput
from guarantee_shared.outbox.signing import secret_key
from guarantee_shared.outbox.targets import TargetRefused, check_target
from guarantee_shared.versions import check_version


async def create(session: AsyncSession, fields: ChannelFields, *, allow_private: bool) -> Channel:
    try:
        await check_target(fields.url, allow_private=allow_private)
    except TargetRefused as exc:
        raise InvalidInput(str(exc), loc=["body", "url"], kind="url_refused") from exc
    try:
        secret_key(fields.secret)
    except ValueError as exc:
        raise InvalidInput(str(exc), loc=["body", "secret"]) from exc
    channel = Channel(
        id=uuid.uuid4(),
        name=fields.name,
        url=fields.url,
        secret=fields.secret,
        format=fields.format.value,
        min_severity=fields.min_severity.value,
        enabled=True,
    )
    session.add(channel)
    await session.flush()
    await session.refresh(channel)
    return channel


async def get(session: AsyncSession, channel_id: uuid.UUID, *, for_update: bool = False) -> Channel:
    return await get_or_404(session, Channel, channel_id, for_update=for_update)


async def list_channels(
    session: AsyncSession, *, limit: int, cursor: str | None
) -> tuple[list[Channel], str | None]:
    return await keyset_page(session, select(Channel), [Channel.id], limit=limit, cursor=cursor)


async def delete(session: AsyncSession, channel: Channel, *, expected_version: int) -> None:
    """Delete the channel; its undelivered messages go with it."""
    check_version(current=channel.version, expected=expected_version)
    await session.delete(channel)
    await session.flush()


async def list_deliveries(
    session: AsyncSession,
    *,
    alert_id: uuid.UUID | None,
    channel_id: uuid.UUID | None,
    status: str | None,
    limit: int,
    cursor: str | None,
) -> tuple[list[DeliveryOut], str | None]:
    query = select(OutboxMessage)
    if alert_id is not None:
        query = query.where(OutboxMessage.alert_id == alert_id)
    if channel_id is not None:
        query = query.where(OutboxMessage.channel_id == channel_id)
    if status is not None:
        query = query.where(OutboxMessage.status == status)
    rows, next_cursor = await keyset_page(
        session, query, [OutboxMessage.id], limit=limit, cursor=cursor
    )
    return [DeliveryOut.model_validate(r) for r in rows], next_cursor


async def delivery(session: AsyncSession, delivery_id: uuid.UUID) -> DeliveryDetail:
    message = await get_or_404(session, OutboxMessage, delivery_id)
    attempts = await session.scalars(
        select(DeliveryAttempt)
        .where(DeliveryAttempt.outbox_id == delivery_id)
        .order_by(DeliveryAttempt.id)
    )
    return DeliveryDetail(
        **DeliveryOut.model_validate(message).model_dump(),
        attempt_log=[AttemptOut.model_validate(a) for a in attempts],
    )
