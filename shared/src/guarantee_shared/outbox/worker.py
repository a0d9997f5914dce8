"""Delivering an outbox: at least once, each message with its stable ``webhook-id``.

One implementation for every service that sends webhooks; each gives it its own tables
(:class:`OutboxTables`), in its own schema. Replicas share the work with ``SELECT … FOR UPDATE
SKIP LOCKED``. A claim is committed before the request is sent (attempts + 1 and
``next_attempt_at`` pushed past a lease), so the row is invisible to other workers while one
sends it; if that worker dies before recording the result, the lease runs out and the message
is sent again with the same id (receivers drop repeats).

2xx: delivered. 410 Gone: the target is disabled and the message dead. Anything else (other
statuses, timeouts, refused connections): retried after ``base × 2^(n-1)`` seconds with full
jitter, dead after ``DELIVERY_MAX_ATTEMPTS``. Every attempt is recorded.
"""

from __future__ import annotations

import asyncio
import random
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import httpx
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import InstrumentedAttribute

from guarantee_shared.clock import utc_now
from guarantee_shared.logging import get_logger
from guarantee_shared.outbox.cloudevents import MEDIA_TYPE as CLOUDEVENTS_MEDIA_TYPE
from guarantee_shared.outbox.columns import (
    DEAD,
    DELIVERED,
    PENDING,
    DeliveryAttemptColumns,
    OutboxMessageColumns,
    WebhookTargetColumns,
)
from guarantee_shared.outbox.settings import DeliverySettings
from guarantee_shared.outbox.signing import webhook_headers
from guarantee_shared.outbox.targets import PinnedTransport, Resolver, TargetRefused, resolve

log = get_logger(__name__)
_JITTER = random.SystemRandom()
GONE_REASON = "the receiver answered 410 Gone"


def _cloudevents(_target: Any) -> str:
    return CLOUDEVENTS_MEDIA_TYPE


@dataclass(frozen=True)
class OutboxTables:
    """A service's outbox: its message, attempt and target tables, and how they join.

    ``target_key`` is the message's column naming its target (``OutboxMessage.channel_id``);
    ``content_type`` gives the media type a target's messages are sent with.
    """

    message: type[OutboxMessageColumns]
    attempt: type[DeliveryAttemptColumns]
    target: type[WebhookTargetColumns]
    target_key: InstrumentedAttribute[uuid.UUID]
    content_type: Callable[[Any], str] = _cloudevents


@dataclass(frozen=True)
class Claim:
    id: uuid.UUID
    attempt: int
    body: bytes
    target_id: uuid.UUID
    url: str
    secret: str
    target_enabled: bool
    content_type: str


@dataclass(frozen=True)
class Result:
    status_code: int | None
    error: str | None
    duration_ms: int

    @property
    def ok(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300

    @property
    def gone(self) -> bool:
        return self.status_code == 410


def backoff_s(attempt: int, *, base_s: float, max_s: float) -> float:
    """Full jitter: uniform in [0, min(max, base × 2^(attempt-1))]."""
    ceiling = min(max_s, base_s * 2 ** min(attempt - 1, 30))
    return _JITTER.uniform(0, ceiling)


class DeliveryWorker:
    """Sends one service's outbox. ``name`` tells its log lines apart from another service's;
    ``on_attempt`` is told each attempt's outcome (``delivered``, ``failed``, ``dead``), for
    the service's metrics."""

    def __init__(
        self,
        sessionmaker: async_sessionmaker[AsyncSession],
        settings: DeliverySettings,
        tables: OutboxTables,
        *,
        name: str,
        replica: str,
        transport: httpx.AsyncBaseTransport | None = None,
        resolver: Resolver = resolve,
        on_attempt: Callable[[str], None] | None = None,
    ) -> None:
        self._sessionmaker = sessionmaker
        self._settings = settings
        self._tables = tables
        self._name = name
        self._replica = replica
        self._on_attempt = on_attempt
        self._http = httpx.AsyncClient(
            timeout=httpx.Timeout(settings.delivery_timeout_s),
            follow_redirects=False,  # a redirect could lead to a target the checks refused
            # The target is checked where the socket is opened, on the address connected to: a
            # check before the request would resolve the name once more than the connection.
            transport=transport
            or PinnedTransport(allow_private=settings.allow_private_targets, resolver=resolver),
        )

    async def aclose(self) -> None:
        await self._http.aclose()

    async def run_forever(self) -> None:
        while True:
            try:
                done = await self.deliver_due()
            except Exception:  # a failed round is retried; the outbox keeps every message
                log.exception("webhook_delivery_round_failed", outbox=self._name)
                done = 0
            if done == 0:
                await asyncio.sleep(self._settings.delivery_poll_interval_s)

    async def deliver_due(self) -> int:
        """Claim the messages due now, send them, record the results; returns how many."""
        claims = await self._claim()
        if not claims:
            return 0
        results = await asyncio.gather(*(self._send(claim) for claim in claims))
        async with self._sessionmaker() as session, session.begin():
            for claim, result in zip(claims, results, strict=True):
                await self._record(session, claim, result)
        return len(claims)

    async def _claim(self) -> list[Claim]:
        message, target = self._tables.message, self._tables.target
        now = utc_now()
        lease = timedelta(seconds=self._settings.claim_lease_s)
        async with self._sessionmaker() as session, session.begin():
            rows = (
                await session.execute(
                    select(message, target)
                    .join(target, target.id == self._tables.target_key)
                    .where(message.status == PENDING, message.next_attempt_at <= now)
                    .order_by(message.next_attempt_at)
                    .limit(self._settings.delivery_batch_size)
                    .with_for_update(skip_locked=True, of=message)
                )
            ).all()
            claims: list[Claim] = []
            for row, to in rows:
                row.attempts += 1
                row.next_attempt_at = now + lease
                claims.append(
                    Claim(
                        id=row.id,
                        attempt=row.attempts,
                        body=row.body,
                        target_id=to.id,
                        url=to.url,
                        secret=to.secret,
                        target_enabled=to.enabled,
                        content_type=self._tables.content_type(to),
                    )
                )
        return claims

    async def _send(self, claim: Claim) -> Result:
        started = time.perf_counter()
        if not claim.target_enabled:
            return Result(None, "the target is disabled", 0)
        try:
            headers = webhook_headers(
                claim.secret,
                msg_id=str(claim.id),
                timestamp=int(time.time()),
                body=claim.body,
                content_type=claim.content_type,
            )
            response = await self._http.post(claim.url, content=claim.body, headers=headers)
            error = None if response.is_success else f"HTTP {response.status_code}"
            status: int | None = response.status_code
        except (httpx.HTTPError, httpx.InvalidURL, TargetRefused) as exc:
            # InvalidURL is no HTTPError: uncaught, a target stored before URLs were parsed by
            # httpx would fail the whole batch's round, again after every lease.
            status, error = None, f"{type(exc).__name__}: {exc}"
        return Result(status, error, int((time.perf_counter() - started) * 1000))

    async def _record(self, session: AsyncSession, claim: Claim, result: Result) -> None:
        message = await session.get(self._tables.message, claim.id, with_for_update=True)
        if message is None or message.status != PENDING or message.attempts != claim.attempt:
            return  # deleted, or reclaimed by another worker after our lease ran out
        now = utc_now()
        attempt = self._tables.attempt()
        attempt.outbox_id = claim.id
        attempt.attempt = claim.attempt
        attempt.at = now
        attempt.status_code = result.status_code
        attempt.error = result.error
        attempt.duration_ms = result.duration_ms
        attempt.replica = self._replica
        session.add(attempt)
        if result.ok:
            message.status, message.delivered_at, message.last_error = DELIVERED, now, None
        elif result.gone or not claim.target_enabled:
            message.status, message.last_error = DEAD, result.error or "HTTP 410"
            if result.gone:
                target = self._tables.target
                await session.execute(
                    update(target)
                    .where(target.id == claim.target_id)
                    .values(enabled=False, disabled_reason=GONE_REASON, version=target.version + 1)
                )
        elif claim.attempt >= self._settings.delivery_max_attempts:
            message.status, message.last_error = DEAD, result.error
        else:
            message.last_error = result.error
            message.next_attempt_at = now + timedelta(
                seconds=backoff_s(
                    claim.attempt,
                    base_s=self._settings.delivery_backoff_base_s,
                    max_s=self._settings.delivery_backoff_max_s,
                )
            )
        outcome = "failed" if message.status == PENDING else message.status
        if self._on_attempt is not None:
            self._on_attempt(outcome)
        log.info(
            "webhook_delivery_attempt",
            outbox=self._name,
            webhook_id=str(claim.id),
            attempt=claim.attempt,
            status_code=result.status_code,
            outcome=message.status,
        )
