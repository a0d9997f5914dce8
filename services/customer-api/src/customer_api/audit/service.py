"""Audit entries, written in the same transaction as the change they describe."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from typing import Any, Protocol, TypeVar

import structlog
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from customer_api.models import AuditEntry
from guarantee_shared.db.queries import keyset_page
from guarantee_shared.errors import DomainError


class Entity(Protocol):
    id: uuid.UUID


E = TypeVar("E", bound=Entity)
Snapshot = Callable[[Any], dict[str, Any]]


async def record(
    session: AsyncSession,
    *,
    actor: str,
    action: str,
    entity_type: str,
    entity_id: uuid.UUID,
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
) -> None:
    request_id = structlog.contextvars.get_contextvars().get("request_id")
    session.add(
        AuditEntry(
            actor=actor,
            action=action,
            entity_type=entity_type,
            entity_id=entity_id,
            before=before,
            after=after,
            request_id=request_id,
        )
    )


async def _flush(session: AsyncSession, on_conflict: Callable[[], DomainError] | None) -> None:
    if on_conflict is None:
        await session.flush()
        return
    try:
        async with session.begin_nested():
            await session.flush()
    except IntegrityError as exc:  # a concurrent writer took the unique key first
        raise on_conflict() from exc


async def insert(
    session: AsyncSession,
    entity: E,
    *,
    actor: str,
    entity_type: str,
    snapshot: Snapshot,
    on_conflict: Callable[[], DomainError] | None = None,
) -> E:
    """Insert ``entity``, read back what the database set, and record its creation.

    ``on_conflict`` makes a unique violation (a concurrent create of the same key) that domain
    error, leaving the rest of the transaction usable.
    """
    session.add(entity)
    await _flush(session, on_conflict)
    await session.refresh(entity)
    await record(
        session,
        actor=actor,
        action="create",
        entity_type=entity_type,
        entity_id=entity.id,
        before=None,
        after=snapshot(entity),
    )
    return entity


async def insert_many(
    session: AsyncSession,
    entities: Sequence[E],
    *,
    model: type[E],
    actor: str,
    entity_type: str,
    snapshot: Snapshot,
) -> list[E]:
    """:func:`insert` for a batch: one insert, one read-back, an audit entry each."""
    session.add_all(entities)
    await session.flush()
    id_column = getattr(model, "id")  # noqa: B009 - the mapped column, not the Protocol's value
    ids = [entity.id for entity in entities]
    await session.execute(
        select(model).where(id_column.in_(ids)).execution_options(populate_existing=True)
    )
    for entity in entities:
        await record(
            session,
            actor=actor,
            action="create",
            entity_type=entity_type,
            entity_id=entity.id,
            before=None,
            after=snapshot(entity),
        )
    return list(entities)


async def update(
    session: AsyncSession,
    entity: E,
    *,
    before: dict[str, Any],
    actor: str,
    entity_type: str,
    snapshot: Snapshot,
    action: str = "update",
    on_conflict: Callable[[], DomainError] | None = None,
) -> E:
    """Write the changes made to ``entity``, read it back, and record them against ``before``."""
    await _flush(session, on_conflict)
    await session.refresh(entity)
    await record(
        session,
        actor=actor,
        action=action,
        entity_type=entity_type,
        entity_id=entity.id,
        before=before,
        after=snapshot(entity),
    )
    return entity


async def list_entries(
    session: AsyncSession,
    *,
    entity_type: str | None,
    entity_id: uuid.UUID | None,
    actor: str | None,
    limit: int,
    cursor: str | None,
) -> tuple[Sequence[AuditEntry], str | None]:
    """Newest first, keyset on id."""
    query = select(AuditEntry)
    if entity_type is not None:
        query = query.where(AuditEntry.entity_type == entity_type)
    if entity_id is not None:
        query = query.where(AuditEntry.entity_id == entity_id)
    if actor is not None:
        query = query.where(AuditEntry.actor == actor)
    return await keyset_page(
        session, query, [AuditEntry.id], limit=limit, cursor=cursor, descending=True
    )
