"""alerting's outbox: notifications of alerts to channels, delivered by the shared worker.

The delivery itself (claims with SKIP LOCKED, leases, signing, retries with backoff, 410
disabling the channel) is :mod:`guarantee_shared.outbox.worker`; what is alerting's own is the
tables, the body format a channel chose (its media type), and the delivery metric.
"""

from __future__ import annotations

import httpx
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from alerting import metrics
from alerting.models import Channel, DeliveryAttempt, OutboxMessage
from alerting.notifiers import Format
from alerting.settings import AlertingSettings
from guarantee_shared.outbox import worker
from guarantee_shared.outbox.targets import Resolver, resolve


def _media_type(channel: Channel) -> str:
    return Format(channel.format).media_type


def _count(outcome: str) -> None:
    metrics.DELIVERIES.labels(status=outcome).inc()


TABLES = worker.OutboxTables(
    message=OutboxMessage,
    attempt=DeliveryAttempt,
    target=Channel,
    target_key=OutboxMessage.channel_id,
    content_type=_media_type,
)


class DeliveryWorker(worker.DeliveryWorker):
    """The shared delivery worker over alerting's outbox and channels."""

    def __init__(
        self,
        sessionmaker: async_sessionmaker[AsyncSession],
        settings: AlertingSettings,
        *,
        replica: str,
        transport: httpx.AsyncBaseTransport | None = None,
        resolver: Resolver = resolve,
    ) -> None:
        super().__init__(
            sessionmaker,
            settings,
            TABLES,
            name="alerting",
            replica=replica,
            transport=transport,
            resolver=resolver,
            on_attempt=_count,
        )
