"""Reading and acknowledging alerts; the change log the SSE stream follows."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from alerting.alerts.schemas import AlertEvent, AlertOut, AlertStateFilter
from alerting.models import Alert, AlertTransition
from alerting.rules.schemas import Severity
from guarantee_shared.clock import utc_now
from guarantee_shared.db.queries import get_or_404, keyset_page


async def list_alerts(
    session: AsyncSession,
    *,
    state: AlertStateFilter | None,
    severity: Severity | None,
    rule_id: uuid.UUID | None,
    subject: str | None,
    limit: int,
    cursor: str | None,
) -> tuple[list[Alert], str | None]:
    query = select(Alert)
    if state is not None:
        query = query.where(Alert.state == state.value)
    else:
        query = query.where(Alert.state != AlertStateFilter.inactive.value)
    if severity is not None:
        query = query.where(Alert.severity == severity.value)
    if rule_id is not None:
        query = query.where(Alert.rule_id == rule_id)
    if subject is not None:
        query = query.where(Alert.subject == subject)
    return await keyset_page(session, query, [Alert.id], limit=limit, cursor=cursor)


async def get(session: AsyncSession, alert_id: uuid.UUID, *, for_update: bool = False) -> Alert:
    return await get_or_404(session, Alert, alert_id, for_update=for_update)


async def acknowledge(session: AsyncSession, alert: Alert, *, by: str) -> Alert:
    """Record who is handling it; a later firing episode clears it again."""
    alert.acknowledged_by = by
    alert.acknowledged_at = utc_now()
    await session.flush()
    return alert


async def latest_transition_id(session: AsyncSession) -> int:
    return int(await session.scalar(select(func.coalesce(func.max(AlertTransition.id), 0))) or 0)


def _events(rows: Sequence[tuple[AlertTransition, Alert]]) -> list[AlertEvent]:
    return [
        AlertEvent(
            transition_id=t.id,
            from_state=t.from_state,
            to_state=t.to_state,
            suppressed=t.suppressed,
            at=t.at,
            alert=AlertOut.model_validate(a),
        )
        for t, a in rows
    ]


async def events_after(
    session: AsyncSession, last_id: int, *, limit: int = 500
) -> list[AlertEvent]:
    """State changes with an id above ``last_id``, oldest first.

    Only the evaluator writes transitions, one cycle's transaction at a time (it holds the
    leadership lock), so ids become visible in increasing order and a reader that remembers
    the last id it saw misses none.
    """
    rows = await session.execute(
        select(AlertTransition, Alert)
        .join(Alert, Alert.id == AlertTransition.alert_id)
        .where(AlertTransition.id > last_id)
        .order_by(AlertTransition.id)
        .limit(limit)
    )
    return _events([(t, a) for t, a in rows])


async def snapshot(session: AsyncSession) -> list[AlertEvent]:
    """The latest change of every alert pending or firing now: what a new dashboard shows."""
    latest = (
        select(func.max(AlertTransition.id))
        .join(Alert, Alert.id == AlertTransition.alert_id)
        .where(Alert.state.in_(("pending", "firing")))
        .group_by(AlertTransition.alert_id)
    )
    rows = await session.execute(
        select(AlertTransition, Alert)
        .join(Alert, Alert.id == AlertTransition.alert_id)
        .where(AlertTransition.id.in_(latest))
        .order_by(AlertTransition.id)
    )
    return _events([(t, a) for t, a in rows])
