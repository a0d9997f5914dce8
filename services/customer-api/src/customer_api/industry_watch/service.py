"""Watch-list rules: one entry per prefix, every change audited. Flushes, never commits."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from customer_api.audit import service as audit
from customer_api.industry_watch.schemas import WatchFields, WatchOut
from customer_api.models import IndustryWatch
from guarantee_shared.clock import business_today
from guarantee_shared.db.queries import get_or_404, keyset_page
from guarantee_shared.errors import Conflict
from guarantee_shared.versions import check_version

ENTITY = "industry_watch"


def snapshot(entry: IndustryWatch) -> dict[str, Any]:
    return WatchOut.model_validate(entry).model_dump(mode="json")


def _taken(prefix: str, existing: uuid.UUID | None) -> Conflict:
    return Conflict(
        f"The industry prefix {prefix} is on the watch-list already; change that entry",
        existing_id=str(existing) if existing else None,
    )


async def _check_free(session: AsyncSession, prefix: str, *, other_than: uuid.UUID | None) -> None:
    query = select(IndustryWatch.id).where(IndustryWatch.industry_prefix == prefix)
    if other_than is not None:
        query = query.where(IndustryWatch.id != other_than)
    existing = await session.scalar(query)
    if existing is not None:
        raise _taken(prefix, existing)


def _apply(entry: IndustryWatch, fields: WatchFields) -> None:
    entry.industry_prefix = fields.industry_prefix
    entry.level = fields.level.value
    entry.reason = fields.reason
    entry.effective_from = fields.effective_from or business_today()


async def get(
    session: AsyncSession, entry_id: uuid.UUID, *, for_update: bool = False
) -> IndustryWatch:
    return await get_or_404(session, IndustryWatch, entry_id, for_update=for_update)


async def list_entries(
    session: AsyncSession, *, level: str | None, limit: int, cursor: str | None
) -> tuple[list[IndustryWatch], str | None]:
    query = select(IndustryWatch)
    if level is not None:
        query = query.where(IndustryWatch.level == level)
    return await keyset_page(
        session,
        query,
        [IndustryWatch.industry_prefix, IndustryWatch.id],
        limit=limit,
        cursor=cursor,
    )


async def create(session: AsyncSession, fields: WatchFields, *, actor: str) -> IndustryWatch:
    await _check_free(session, fields.industry_prefix, other_than=None)
    entry = IndustryWatch(id=uuid.uuid4(), version=1)
    _apply(entry, fields)
    return await audit.insert(
        session,
        entry,
        actor=actor,
        entity_type=ENTITY,
        snapshot=snapshot,
        on_conflict=lambda: _taken(fields.industry_prefix, None),
    )


async def update(
    session: AsyncSession,
    entry: IndustryWatch,
    fields: WatchFields,
    *,
    actor: str,
    expected_version: int,
) -> IndustryWatch:
    check_version(current=entry.version, expected=expected_version)
    if fields.industry_prefix != entry.industry_prefix:
        await _check_free(session, fields.industry_prefix, other_than=entry.id)
    before = snapshot(entry)
    _apply(entry, fields)
    entry.version += 1
    entry.updated_at = func.now()
    return await audit.update(
        session,
        entry,
        before=before,
        actor=actor,
        entity_type=ENTITY,
        snapshot=snapshot,
        on_conflict=lambda: _taken(fields.industry_prefix, None),
    )


async def delete(
    session: AsyncSession, entry: IndustryWatch, *, actor: str, expected_version: int
) -> None:
    """Take the industry off the list; the audit log keeps what it said."""
    check_version(current=entry.version, expected=expected_version)
    before = snapshot(entry)
    await session.delete(entry)
    await session.flush()
    await audit.record(
        session,
        actor=actor,
        action="delete",
        entity_type=ENTITY,
        entity_id=entry.id,
        before=before,
        after=None,
    )
