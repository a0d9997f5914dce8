"""Delivering the outbox: at least once, each message with its stable ``webhook-id``.

Replicas share the work with ``SELECT … FOR UPDATE SKIP LOCKED``. A claim is committed before
the request is sent (attempts + 1 and ``next_attempt_at`` pushed past a lease), so the row is
invisible to other workers while one sends it; if that worker dies before recording the result,
the lease runs out and the message is sent again with the same id (receivers drop repeats).

2xx: delivered. 410 Gone: the channel is disabled and the message dead. Anything else (other
statuses, timeouts, refused connections): retried after ``base × 2^(n-1)`` seconds with full
jitter, dead after ``DELIVERY_MAX_ATTEMPTS``. Every attempt is recorded.
"""

from __future__ import annotations

import asyncio
import random
import time
import uuid
from dataclasses import dataclass
from datetime import timedelta

import httpx
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from alerting import metrics
from alerting.channels.targets import PinnedTransport, Resolver, TargetRefused, resolve
from alerting.models import Channel, DeliveryAttempt, OutboxMessage
from alerting.notifiers import Format, webhook_headers
from alerting.settings import AlertingSettings
from guarantee_shared.clock import utc_now
from guarantee_shared.logging import get_logger

log = get_logger(__name__)
_JITTER = random.SystemRandom()


@dataclass(frozen=True)
class Claim:
    id: uuid.UUID
    attempt: int
    body: bytes
    channel_id: uuid.UUID
    url: str
    secret: str
    channel_enabled: bool
    format: Format


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
    def __init__(
        self,
        sessionmaker: async_sessionmaker[AsyncSession],
        settings: AlertingSettings,
        *,
        replica: str,
        transport: httpx.AsyncBaseTransport | None = None,
        resolver: Resolver = resolve,
    ) -> None:
        self._sessionmaker = sessionmaker
        self._settings = settings
        self._replica = replica
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
                log.exception("alerting_delivery_round_failed")
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
        now = utc_now()
        lease = timedelta(seconds=self._settings.claim_lease_s)
        async with self._sessionmaker() as session, session.begin():
            rows = (
                await session.execute(
                    select(OutboxMessage, Channel)
                    .join(Channel, Channel.id == OutboxMessage.channel_id)
                    .where(OutboxMessage.status == "pending", OutboxMessage.next_attempt_at <= now)
                    .order_by(OutboxMessage.next_attempt_at)
                    .limit(self._settings.delivery_batch_size)
                    .with_for_update(skip_locked=True, of=OutboxMessage)
                )
            ).all()
            claims: list[Claim] = []
            for message, channel in rows:
                message.attempts += 1
                message.next_attempt_at = now + lease
                claims.append(
                    Claim(
                        id=message.id,
                        attempt=message.attempts,
                        body=message.body,
                        channel_id=channel.id,
                        url=channel.url,
                        secret=channel.secret,
                        channel_enabled=channel.enabled,
                        format=Format(channel.format),
                    )
                )
        return claims

    async def _send(self, claim: Claim) -> Result:
        started = time.perf_counter()
        if not claim.channel_enabled:
            return Result(None, "the channel is disabled", 0)
        try:
            headers = webhook_headers(
                claim.secret,
                msg_id=str(claim.id),
                timestamp=int(time.time()),
                body=claim.body,
                fmt=claim.format,
            )
            response = await self._http.post(claim.url, content=claim.body, headers=headers)
            error = None if response.is_success else f"HTTP {response.status_code}"
            status: int | None = response.status_code
        except (httpx.HTTPError, httpx.InvalidURL, TargetRefused) as exc:
            # InvalidURL is no HTTPError: uncaught, a channel stored before URLs were parsed by
            # httpx would fail the whole batch's round, again after every lease.
            status, error = None, f"{type(exc).__name__}: {exc}"
        return Result(status, error, int((time.perf_counter() - started) * 1000))

    async def _record(self, session: AsyncSession, claim: Claim, result: Result) -> None:
        message = await session.get(OutboxMessage, claim.id, with_for_update=True)
        if message is None or message.status != "pending" or message.attempts != claim.attempt:
            return  # deleted, or reclaimed by another worker after our lease ran out
        now = utc_now()
        session.add(
            DeliveryAttempt(
                outbox_id=claim.id,
                attempt=claim.attempt,
                at=now,
                status_code=result.status_code,
                error=result.error,
                duration_ms=result.duration_ms,
                replica=self._replica,
            )
        )
        if result.ok:
            message.status, message.delivered_at, message.last_error = "delivered", now, None
        elif result.gone or not claim.channel_enabled:
            message.status, message.last_error = "dead", result.error or "HTTP 410"
            if result.gone:
                await session.execute(
                    update(Channel)
                    .where(Channel.id == claim.channel_id)
                    .values(
                        enabled=False,
                        disabled_reason="the receiver answered 410 Gone",
                        version=Channel.version + 1,
                    )
                )
        elif claim.attempt >= self._settings.delivery_max_attempts:
            message.status, message.last_error = "dead", result.error
        else:
            message.last_error = result.error
            message.next_attempt_at = now + timedelta(
                seconds=backoff_s(
                    claim.attempt,
                    base_s=self._settings.delivery_backoff_base_s,
                    max_s=self._settings.delivery_backoff_max_s,
                )
            )
        outcome = "failed" if message.status == "pending" else message.status
        metrics.DELIVERIES.labels(status=outcome).inc()
        log.info(
            "alerting_delivery_attempt",
            webhook_id=str(claim.id),
            attempt=claim.attempt,
            status_code=result.status_code,
            outcome=message.status,
        )
