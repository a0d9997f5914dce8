"""The rerun job: re-rate every active customer in chunks, resumable and safe to start twice.

Progress is committed with each chunk's ratings in one transaction, keyed by the last customer
id done (``cursor``), so a worker that dies loses at most the chunk in hand and whoever picks
the job up next resumes right after the last committed chunk. A job whose worker stops
heartbeating is taken over; two replicas never work one job at once (row lock + worker id).
"""

from __future__ import annotations

import asyncio
import uuid
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from customer_api.models import Customer, Job
from customer_api.ratings.assemble import build_requests
from customer_api.ratings.service import apply_result
from customer_api.worker import PolledWorker
from guarantee_shared.clients.rating_engine import RatingEngineClient, RatingEngineRejected
from guarantee_shared.clock import business_today, utc_now
from guarantee_shared.db.queries import get_or_404
from guarantee_shared.errors import PeerUnavailable
from guarantee_shared.logging import get_logger
from guarantee_shared.schemas.rating import RatingBatchError, RatingResult

RERUN = "ratings.rerun"
CHUNK = 200
MAX_ERRORS_KEPT = 100
MAX_ENGINE_FAILURES = 5

log = get_logger(__name__)


async def start_rerun(
    session: AsyncSession, *, actor: str, model_version: str | None
) -> tuple[Job, bool]:
    """The rerun job in progress if there is one (False), else a new queued one (True)."""
    # Serialise starts so two concurrent requests cannot both create a job.
    await session.execute(select(func.pg_advisory_xact_lock(func.hashtextextended(RERUN, 0))))
    current = await session.scalar(
        select(Job).where(Job.kind == RERUN, Job.status.in_(("queued", "running")))
    )
    if current is not None:
        return current, False
    total = await session.scalar(
        select(func.count()).select_from(Customer).where(Customer.status == "active")
    )
    job = Job(
        id=uuid.uuid4(),
        kind=RERUN,
        status="queued",
        total=total or 0,
        done=0,
        failed=0,
        errors=[],
        params={"model_version": model_version},
        actor=actor,
    )
    session.add(job)
    await session.flush()
    await session.refresh(job)
    return job, True


async def get_job(session: AsyncSession, job_id: uuid.UUID) -> Job:
    return await get_or_404(session, Job, job_id)


class JobRunner(PolledWorker):
    """Runs queued rating jobs in this process; start :meth:`run` in the app's lifespan."""

    model = Job
    name = "job"

    def __init__(
        self,
        sessionmaker: async_sessionmaker[AsyncSession],
        client: RatingEngineClient,
        *,
        guarantor_net_assets: Decimal,
        poll_interval_s: float = 2.0,
    ) -> None:
        super().__init__(sessionmaker, poll_interval_s=poll_interval_s)
        self._client = client
        self._net_assets = guarantor_net_assets

    async def _work(self, job_id: uuid.UUID) -> None:
        engine_failures = 0
        while True:
            try:
                more = await self._chunk(job_id)
            except PeerUnavailable as exc:
                engine_failures += 1
                await self._note(job_id, str(exc), fail=engine_failures >= MAX_ENGINE_FAILURES)
                if engine_failures >= MAX_ENGINE_FAILURES:
                    return
                await asyncio.sleep(min(30.0, 2.0**engine_failures))
                continue
            engine_failures = 0
            if not more:
                return

    async def _chunk(self, job_id: uuid.UUID) -> bool:
        """Rate the next chunk; False when the job is finished or no longer ours."""
        async with self._sessions() as session:
            job = await session.get(Job, job_id)
            if job is None or job.worker != self.worker or job.status != "running":
                return False
            query = select(Customer).where(Customer.status == "active").order_by(Customer.id)
            if job.cursor:
                query = query.where(Customer.id > uuid.UUID(job.cursor))
            batch = (await session.scalars(query.limit(CHUNK))).all()
            if not batch:
                job.status = "succeeded"
                job.finished_at = utc_now()
                job.total = job.done
                await session.commit()
                log.info("job_finished", job_id=str(job_id), done=job.done, failed=job.failed)
                return False
            requests = await build_requests(
                session, batch, as_of=business_today(), guarantor_net_assets=self._net_assets
            )
            cursor_before = job.cursor
            model_version = job.params.get("model_version")
            ids = [c.id for c in batch]
        # No transaction is held while the engine works.

        ordered = [requests[customer_id] for customer_id in ids]
        outcomes: list[RatingResult | str]
        try:
            answers = await self._client.score_batch(ordered, model_version=model_version)
            outcomes = [a.error.detail if isinstance(a, RatingBatchError) else a for a in answers]
        except RatingEngineRejected as exc:  # the whole chunk refused: record it per customer
            outcomes = [str(exc)] * len(ordered)

        async with self._sessions() as session, session.begin():
            job = await session.get(Job, job_id, with_for_update=True)
            if job is None or job.worker != self.worker or job.cursor != cursor_before:
                return False  # taken over: the other worker owns the progress now
            locked = {
                c.id: c
                for c in await session.scalars(
                    select(Customer)
                    .where(Customer.id.in_(ids))
                    .order_by(Customer.id)
                    .with_for_update(key_share=True)  # FOR NO KEY UPDATE: FK checks pass
                )
            }
            errors = list(job.errors)
            for customer_id, request, outcome in zip(ids, ordered, outcomes, strict=True):
                current = locked.get(customer_id)
                if isinstance(outcome, str) or current is None:
                    job.failed += 1
                    if len(errors) < MAX_ERRORS_KEPT:
                        message = outcome if isinstance(outcome, str) else "customer removed"
                        errors.append({"customer_id": str(customer_id), "message": message})
                    continue
                await apply_result(
                    session, current, request, outcome, actor=job.actor, job_id=job.id
                )
            job.errors = errors
            job.done += len(ids)
            job.total = max(job.total, job.done)
            job.cursor = str(ids[-1])
            job.heartbeat_at = utc_now()
        return True

    async def _note(self, job_id: uuid.UUID, message: str, *, fail: bool) -> None:
        async with self._sessions() as session, session.begin():
            job = await session.get(Job, job_id, with_for_update=True)
            if job is None or job.worker != self.worker:
                return
            job.message = message
            job.heartbeat_at = utc_now()
            if fail:
                job.status = "failed"
                job.finished_at = utc_now()
        log.warning("job_engine_unavailable", job_id=str(job_id), failed=fail, message=message)
