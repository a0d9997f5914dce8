"""The loop every background job runner of customer-api shares: claim, work, sleep until woken.

A job row is claimed with ``FOR UPDATE SKIP LOCKED`` — a queued one, or a running one whose
worker stopped heartbeating — so replicas share the queue and a crashed worker's job is taken
over and resumed from its committed progress.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import uuid
from abc import ABC, abstractmethod
from datetime import datetime, timedelta
from typing import Any, ClassVar, Protocol

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import InstrumentedAttribute

from guarantee_shared.clock import utc_now
from guarantee_shared.logging import get_logger

STALE_AFTER = timedelta(seconds=60)

log = get_logger(__name__)


class JobRow(Protocol):
    """The columns a claimable job table has (ratings' ``Job``, imports' ``ImportJob``)."""

    id: uuid.UUID
    status: str
    worker: str | None
    heartbeat_at: datetime | None
    started_at: datetime | None
    cursor: str | None


class PolledWorker(ABC):
    """Runs this process's share of a job table; start :meth:`run` in the app's lifespan."""

    model: ClassVar[Any]  # the ORM class of the job table
    name: ClassVar[str]  # for log events: "<name>_claimed", "<name>_runner_error"

    def __init__(
        self, sessionmaker: async_sessionmaker[AsyncSession], *, poll_interval_s: float = 2.0
    ) -> None:
        self._sessions = sessionmaker
        self._poll = poll_interval_s
        self._wake = asyncio.Event()
        self.worker = f"{socket.gethostname()}:{uuid.uuid4().hex[:8]}"

    def wake(self) -> None:
        """Look for work now rather than at the next poll (after a job was queued)."""
        self._wake.set()

    async def run(self) -> None:
        while True:
            try:
                job_id = await self._claim()
                if job_id is not None:
                    await self._work(job_id)
                    continue
            except Exception:  # keep the runner alive; the job is resumed on the next claim
                log.exception(f"{self.name}_runner_error", worker=self.worker)
            self._wake.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=self._poll)

    async def _claim(self) -> uuid.UUID | None:
        model = self.model
        status: InstrumentedAttribute[str] = model.status
        async with self._sessions() as session, session.begin():
            stale = (status == "running") & (model.heartbeat_at < utc_now() - STALE_AFTER)
            job: JobRow | None = await session.scalar(
                select(model)
                .where(or_(status == "queued", stale))
                .order_by(model.created_at)
                .limit(1)
                .with_for_update(skip_locked=True)
            )
            if job is None:
                return None
            job.status = "running"
            job.worker = self.worker
            job.heartbeat_at = utc_now()
            job.started_at = job.started_at or utc_now()
            log.info(f"{self.name}_claimed", job_id=str(job.id), cursor=job.cursor)
            return job.id

    @abstractmethod
    async def _work(self, job_id: uuid.UUID) -> None:
        """Do the claimed job, committing progress as it goes."""
