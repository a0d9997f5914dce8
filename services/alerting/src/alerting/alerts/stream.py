"""Server-Sent Events of alert state changes, read from the transition log.

Every replica serves the same stream, whichever replica evaluated: each connection polls the
transition table for ids above the last one it sent. ``Last-Event-ID`` resumes after that id;
without it the stream opens with the latest change of every alert pending or firing now.
A comment line every ``KEEPALIVE_S`` keeps proxies from closing an idle stream.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Callable

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from alerting.alerts import service
from alerting.alerts.schemas import AlertEvent

KEEPALIVE_S = 15.0


def format_event(event: AlertEvent) -> bytes:
    return f"id: {event.transition_id}\nevent: alert\ndata: {event.model_dump_json()}\n\n".encode()


async def alert_events(
    sessionmaker: async_sessionmaker[AsyncSession],
    *,
    last_event_id: int | None,
    poll_interval_s: float,
    disconnected: Callable[[], Awaitable[bool]],
) -> AsyncIterator[bytes]:
    async with sessionmaker() as session:
        if last_event_id is None:
            last_id = await service.latest_transition_id(session)
            opening = await service.snapshot(session)
        else:
            last_id, opening = last_event_id, []
    yield b"retry: 2000\n\n"
    for event in opening:
        yield format_event(event)
    quiet_since = time.monotonic()
    while not await disconnected():
        async with sessionmaker() as session:
            events = await service.events_after(session, last_id)
        for event in events:
            last_id = event.transition_id
            yield format_event(event)
        if events:
            quiet_since = time.monotonic()
        elif time.monotonic() - quiet_since >= KEEPALIVE_S:
            quiet_since = time.monotonic()
            yield b": keepalive\n\n"
        if not events:
            await asyncio.sleep(poll_interval_s)
