"""Channels (webhook targets) and the delivery log."""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from alerting.channels.schemas import AttemptOut, ChannelFields, DeliveryDetail, DeliveryOut
from alerting.channels.targets import TargetRefused, check_target
from alerting.models import Channel, DeliveryAttempt, OutboxMessage
from alerting.notifiers import secret_key
from guarantee_shared.errors import InvalidInput, NotFound
from guarantee_shared.pagination import bad_cursor, decode_cursor, encode_cursor
from guarantee_shared.web.http import check_version


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
    channel = await session.get(Channel, channel_id, with_for_update=for_update)
    if channel is None:
        raise NotFound(f"No channel {channel_id}")
    return channel


def _after(cursor: str | None) -> uuid.UUID | None:
    if cursor is None:
        return None
    (last,) = decode_cursor(cursor, types=(str,))
    try:
        return uuid.UUID(last)
    except ValueError as exc:
        raise bad_cursor() from exc


async def list_channels(
    session: AsyncSession, *, limit: int, cursor: str | None
) -> tuple[list[Channel], str | None]:
    query = select(Channel).order_by(Channel.id).limit(limit + 1)
    if (after := _after(cursor)) is not None:
        query = query.where(Channel.id > after)
    rows = list(await session.scalars(query))
    more = len(rows) > limit
    rows = rows[:limit]
    return rows, encode_cursor([str(rows[-1].id)]) if more else None


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
    query = select(OutboxMessage).order_by(OutboxMessage.id).limit(limit + 1)
    if alert_id is not None:
        query = query.where(OutboxMessage.alert_id == alert_id)
    if channel_id is not None:
        query = query.where(OutboxMessage.channel_id == channel_id)
    if status is not None:
        query = query.where(OutboxMessage.status == status)
    if (after := _after(cursor)) is not None:
        query = query.where(OutboxMessage.id > after)
    rows = list(await session.scalars(query))
    more = len(rows) > limit
    rows = rows[:limit]
    items = [DeliveryOut.model_validate(r) for r in rows]
    return items, encode_cursor([str(rows[-1].id)]) if more else None


async def delivery(session: AsyncSession, delivery_id: uuid.UUID) -> DeliveryDetail:
    message = await session.get(OutboxMessage, delivery_id)
    if message is None:
        raise NotFound(f"No delivery {delivery_id}")
    attempts = await session.scalars(
        select(DeliveryAttempt)
        .where(DeliveryAttempt.outbox_id == delivery_id)
        .order_by(DeliveryAttempt.id)
    )
    return DeliveryDetail(
        **DeliveryOut.model_validate(message).model_dump(),
        attempt_log=[AttemptOut.model_validate(a) for a in attempts],
    )
