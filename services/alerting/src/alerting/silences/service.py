"""Silences: muting notifications of matching alerts for a time window."""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from alerting.models import Silence
from alerting.silences.schemas import SilenceFields, SilenceOut
from guarantee_shared.clock import utc_now
from guarantee_shared.db.queries import get_or_404, keyset_page
from guarantee_shared.errors import InvalidInput
from guarantee_shared.versions import check_version


def present(silence: Silence) -> SilenceOut:
    now = utc_now()
    out = SilenceOut.model_validate(silence)
    out.active = silence.starts_at <= now < silence.ends_at
    return out


async def create(session: AsyncSession, fields: SilenceFields, *, by: str) -> Silence:
    starts_at = fields.starts_at or utc_now()
    if fields.ends_at <= starts_at:
        raise InvalidInput("ends_at must be after starts_at (now)", loc=["body", "ends_at"])
    silence = Silence(
        id=uuid.uuid4(),
        matchers=[m.model_dump() for m in fields.matchers],
        starts_at=starts_at,
        ends_at=fields.ends_at,
        comment=fields.comment,
        created_by=by,
        version=1,
    )
    session.add(silence)
    await session.flush()
    await session.refresh(silence)
    return silence


async def get(session: AsyncSession, silence_id: uuid.UUID, *, for_update: bool = False) -> Silence:
    return await get_or_404(session, Silence, silence_id, for_update=for_update)


async def list_silences(
    session: AsyncSession, *, active: bool | None, limit: int, cursor: str | None
) -> tuple[list[Silence], str | None]:
    query = select(Silence)
    now = utc_now()
    if active is True:
        query = query.where(Silence.starts_at <= now, Silence.ends_at > now)
    elif active is False:
        query = query.where((Silence.starts_at > now) | (Silence.ends_at <= now))
    return await keyset_page(session, query, [Silence.id], limit=limit, cursor=cursor)


async def delete(session: AsyncSession, silence: Silence, *, expected_version: int) -> None:
    check_version(current=silence.version, expected=expected_version)
    await session.delete(silence)
    await session.flush()
