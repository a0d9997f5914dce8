"""Interaction rules: recorded against an existing customer, audited. Flushes, never commits."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from customer_api.audit import service as audit
from customer_api.interactions.schemas import InteractionIn, InteractionOut
from customer_api.models import Customer, Interaction
from guarantee_shared.db.queries import ensure_exists, get_or_404, keyset_page

ENTITY = "interaction"


def snapshot(row: Interaction) -> dict[str, Any]:
    return InteractionOut.model_validate(row).model_dump(mode="json")


async def create(
    session: AsyncSession, *, customer_id: uuid.UUID, fields: InteractionIn, actor: str
) -> Interaction:
    await ensure_exists(session, Customer, customer_id)
    row = Interaction(
        id=uuid.uuid4(),
        customer_id=customer_id,
        kind=fields.kind.value,
        occurred_on=fields.occurred_on,
        by=fields.by or actor[:100],
        summary=fields.summary,
        needs=[need.value for need in fields.needs],
        follow_up_on=fields.follow_up_on,
        actor=actor,
        version=1,
    )
    return await audit.insert(session, row, actor=actor, entity_type=ENTITY, snapshot=snapshot)


async def get(
    session: AsyncSession, *, customer_id: uuid.UUID, interaction_id: uuid.UUID
) -> Interaction:
    return await get_or_404(session, Interaction, interaction_id, customer_id=customer_id)


async def list_interactions(
    session: AsyncSession,
    *,
    customer_id: uuid.UUID,
    kind: str | None,
    need: str | None,
    limit: int,
    cursor: str | None,
) -> tuple[list[Interaction], str | None]:
    await ensure_exists(session, Customer, customer_id)
    query = select(Interaction).where(Interaction.customer_id == customer_id)
    if kind is not None:
        query = query.where(Interaction.kind == kind)
    if need is not None:
        query = query.where(Interaction.needs.any_() == need)
    order = [Interaction.occurred_on, Interaction.id]
    return await keyset_page(session, query, order, limit=limit, cursor=cursor, descending=True)
