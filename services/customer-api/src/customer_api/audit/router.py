"""GET /v1/audit: who changed what and when, with before and after."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import Query

from customer_api.audit import service
from customer_api.audit.schemas import AuditEntryOut
from customer_api.customers.pii import PII_SCOPE, masked
from customer_api.deps import CustomersRead, SessionDep
from guarantee_shared.pagination import DEFAULT_LIMIT, Page
from guarantee_shared.web.http import CursorQuery, LimitQuery
from guarantee_shared.web.routing import api_router

router = api_router(prefix="/v1/audit", tags=["audit"])


def _masked(snapshot: dict[str, Any] | None) -> dict[str, Any] | None:
    return None if snapshot is None else masked(snapshot)


@router.get("", response_model=Page[AuditEntryOut], summary="Audit trail, newest first")
async def list_audit(
    session: SessionDep,
    principal: CustomersRead,
    entity_type: Annotated[str | None, Query(max_length=40)] = None,
    entity_id: uuid.UUID | None = None,
    actor: Annotated[str | None, Query(max_length=200)] = None,
    limit: LimitQuery = DEFAULT_LIMIT,
    cursor: CursorQuery = None,
) -> Page[AuditEntryOut]:
    rows, next_cursor = await service.list_entries(
        session,
        entity_type=entity_type,
        entity_id=entity_id,
        actor=actor,
        limit=limit,
        cursor=cursor,
    )
    items = [AuditEntryOut.model_validate(row) for row in rows]
    if not principal.has(PII_SCOPE):
        items = [
            item.model_copy(update={"before": _masked(item.before), "after": _masked(item.after)})
            for item in items
        ]
    return Page[AuditEntryOut](items=items, next_cursor=next_cursor)
