"""Server-Sent Events of alert state changes, read from the transition log.

Every replica serves the same stream, whichever replica evaluated: each connection polls the
transition table for ids above the last one it sent. ``Last-Event-ID`` resumes after that id;
without it the stream opens with the latest change of every alert pending or firing now.
Framing, keep-alive pings, client disconnects and server shutdown are sse-starlette's: it sets
``stopping`` when the server is asked to exit, and the loop below ends at its next poll.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import anyio
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sse_starlette import EventSourceResponse, ServerSentEvent

from alerting.alerts import service
from alerting.alerts.schemas import AlertEvent

KEEPALIVE_S = 15.0
RECONNECT_MS = 2000
# Time a stream gets to end on its own when the server stops before it is cancelled.
SHUTDOWN_GRACE_S = 2.0


def _event(event: AlertEvent) -> ServerSentEvent:
    return ServerSentEvent(data=event.model_dump_json(), event="alert", id=str(event.transition_id))


async def alert_events(
    sessionmaker: async_sessionmaker[AsyncSession],
    *,
    last_event_id: int | None,
    poll_interval_s: float,
    stopping: anyio.Event,
) -> AsyncIterator[ServerSentEvent]:
    async with sessionmaker() as session:
        if last_event_id is None:
            last_id = await service.latest_transition_id(session)
            opening = await service.snapshot(session)
        else:
            last_id, opening = last_event_id, []
    yield ServerSentEvent(retry=RECONNECT_MS)
    for event in opening:
        yield _event(event)
    while not stopping.is_set():
        async with sessionmaker() as session:
            events = await service.events_after(session, last_id)
        for event in events:
            last_id = event.transition_id
            yield _event(event)
        if not events:
            with anyio.move_on_after(poll_interval_s):
                await stopping.wait()


def alert_stream(
    sessionmaker: async_sessionmaker[AsyncSession],
    *,
    last_event_id: int | None,
    poll_interval_s: float,
) -> EventSourceResponse:
    stopping = anyio.Event()
    events = alert_events(
        sessionmaker,
        last_event_id=last_event_id,
        poll_interval_s=poll_interval_s,
        stopping=stopping,
    )
    return EventSourceResponse(
        events,
        ping=KEEPALIVE_S,
        sep="\n",
        shutdown_event=stopping,
        shutdown_grace_period=SHUTDOWN_GRACE_S,
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )
