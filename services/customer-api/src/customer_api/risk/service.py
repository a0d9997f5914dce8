"""Expected loss (docs/DOMAIN.md §15), aggregated by PostgreSQL (:mod:`customer_api.risk.queries`).

This module pages, binds the configured PD and LGD floor, and turns the few aggregated rows into
response models. Flushes, never commits.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import RowMapping
from sqlalchemy.ext.asyncio import AsyncSession

from customer_api.risk import queries
from customer_api.risk.queries import ShockSql
from customer_api.risk.schemas import ExpectedLossGroup, ExpectedLossReport
from guarantee_shared.clock import business_today
from guarantee_shared.errors import InvalidInput
from guarantee_shared.pagination import decode_cursor, encode_cursor
from guarantee_shared.schemas.portfolio import GroupBy


@dataclass(frozen=True)
class RiskParameters:
    """The configured figures of DOMAIN §15 that EL needs."""

    default_pd: Decimal
    lgd_floor: Decimal


async def _customer_page(
    session: AsyncSession, *, limit: int, cursor: str | None
) -> tuple[list[uuid.UUID], str | None]:
    after = decode_cursor(cursor, types=[uuid.UUID])[0] if cursor is not None else None
    result = await session.execute(queries.EXPOSURE_PAGE, {"after": after, "limit": limit + 1})
    ids = list(result.scalars())
    next_cursor = encode_cursor([ids[limit - 1]]) if len(ids) > limit else None
    return ids[:limit], next_cursor


async def el_rows(
    session: AsyncSession,
    *,
    group_by: GroupBy,
    risk: RiskParameters,
    shocks: Sequence[ShockSql] = (),
    page_ids: list[uuid.UUID] | None = None,
    top: int | None = None,
) -> list[RowMapping]:
    """The EL statement's rows: key, name, customers, ead, pd, lgd, expected_loss,
    unrated_ead, expected_compensations."""
    statement, params = queries.expected_loss(
        group_by, shocks=shocks, paged=page_ids is not None, top=top
    )
    bound: dict[str, Any] = {
        **params,
        "default_pd": risk.default_pd,
        "lgd_floor": risk.lgd_floor,
    }
    if page_ids is not None:
        bound["page_ids"] = page_ids
    return list((await session.execute(statement, bound)).mappings())


async def expected_loss(
    session: AsyncSession,
    *,
    group_by: GroupBy,
    risk: RiskParameters,
    limit: int,
    cursor: str | None,
) -> ExpectedLossReport:
    """EL per group; only group_by=customer is paginated (by customer id)."""
    page_ids: list[uuid.UUID] | None = None
    next_cursor: str | None = None
    if group_by is GroupBy.CUSTOMER:
        page_ids, next_cursor = await _customer_page(session, limit=limit, cursor=cursor)
    elif cursor is not None:
        raise InvalidInput(
            "cursor pages only group_by=customer; the other groupings return every group",
            loc=["query", "cursor"],
        )
    rows = await el_rows(session, group_by=group_by, risk=risk, page_ids=page_ids)
    return ExpectedLossReport(
        as_of=business_today(),
        group_by=group_by,
        default_pd=risk.default_pd,
        lgd_floor=risk.lgd_floor,
        groups=[ExpectedLossGroup.model_validate(dict(row)) for row in rows],
        next_cursor=next_cursor,
    )
