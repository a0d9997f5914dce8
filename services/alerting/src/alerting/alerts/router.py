"""/v1/alerts (list, one, acknowledge, SSE stream) and /v1/evaluate: thin handlers."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import Header, Query, Request
from sse_starlette import EventSourceResponse

from alerting.alerts import service
from alerting.alerts.schemas import AlertOut, AlertStateFilter
from alerting.alerts.stream import alert_stream
from alerting.deps import AlertsRead, AlertsWrite, EvaluatorDep, SessionDep
from alerting.rules.schemas import Severity
from alerting.schemas import CycleSummary
from guarantee_shared.pagination import DEFAULT_LIMIT, Page, page_of
from guarantee_shared.web.http import CursorQuery, LimitQuery
from guarantee_shared.web.routing import api_router

router = api_router(prefix="/v1", tags=["alerts"])
STREAM_POLL_S = 1.0

_STREAM_DOC = """
`text/event-stream`: one event `alert` per state change, its `id` the change's id and its
`data` an AlertEvent (JSON). Send `Last-Event-ID` to resume after a change; without it the
stream opens with the latest change of every alert pending or firing now.
"""


@router.get(
    "/alerts",
    response_model=Page[AlertOut],
    summary="List alerts (without state: all but inactive)",
)
async def list_alerts(
    session: SessionDep,
    _: AlertsRead,
    state: AlertStateFilter | None = None,
    severity: Severity | None = None,
    rule_id: uuid.UUID | None = None,
    subject: Annotated[str | None, Query(max_length=300)] = None,
    limit: LimitQuery = DEFAULT_LIMIT,
    cursor: CursorQuery = None,
) -> Page[AlertOut]:
    return page_of(
        AlertOut,
        await service.list_alerts(
            session,
            state=state,
            severity=severity,
            rule_id=rule_id,
            subject=subject,
            limit=limit,
            cursor=cursor,
        ),
    )


@router.get(
    "/alerts/stream",
    summary="Server-Sent Events of alert state changes",
    description=_STREAM_DOC,
    response_class=EventSourceResponse,
    responses={200: {"content": {"text/event-stream": {}}}},
)
async def stream_alerts(
    request: Request,
    _: AlertsRead,
    last_event_id: Annotated[int | None, Header(ge=0)] = None,
) -> EventSourceResponse:
    return alert_stream(
        request.app.state.sessionmaker, last_event_id=last_event_id, poll_interval_s=STREAM_POLL_S
    )


@router.get("/alerts/{alert_id}", response_model=AlertOut, summary="One alert")
async def get_alert(alert_id: uuid.UUID, session: SessionDep, _: AlertsRead) -> AlertOut:
    return AlertOut.model_validate(await service.get(session, alert_id))


@router.post("/alerts/{alert_id}/ack", response_model=AlertOut, summary="Acknowledge an alert")
async def ack_alert(alert_id: uuid.UUID, session: SessionDep, principal: AlertsWrite) -> AlertOut:
    alert = await service.get(session, alert_id, for_update=True)
    return AlertOut.model_validate(await service.acknowledge(session, alert, by=principal.sub))


@router.post(
    "/evaluate",
    response_model=CycleSummary,
    summary="Run one evaluation cycle now",
    responses={409: {"description": "Another replica is evaluating at this moment"}},
    tags=["evaluation"],
)
async def evaluate_now(evaluator: EvaluatorDep, _: AlertsWrite) -> CycleSummary:
    summary = await evaluator.run_cycle(trigger="manual")
    if summary is None:  # a manual cycle either runs or raises 409
        raise RuntimeError("a manual evaluation cycle did not run")
    return summary
