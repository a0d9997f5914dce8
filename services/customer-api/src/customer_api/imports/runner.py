"""The import worker: rows in savepoints, progress committed with each batch of rows.

Rows that ``imports.batch`` finds to be plain inserts are written up to ``GROUP_ROWS`` per
savepoint; if the database refuses a group, it is rolled back and redone row by row. Any other
row has its own savepoint: one that fails validation or a service rule rolls back only that,
so it leaves nothing behind and the rows around it carry on. Every ``batch_rows`` rows the
batch's writes, its row outcomes and the job's counters and cursor are committed in one
transaction: a worker that dies loses at most that batch, and whoever claims the job next
resumes after the cursor.

A dry run makes the same writes in one transaction that is rolled back at the end (so a
contract row still finds the customer created a few thousand rows earlier), while its progress
is committed through a second session.

Imports have their own runner rather than sharing the ratings job runner: their work is a file
(stored with the job), their progress has row-level outcomes, and the two never share a queue.
"""

from __future__ import annotations

import copy
import os
import tempfile
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from anyio import to_thread
from pydantic import ValidationError
from sqlalchemy import delete, func, insert, select
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from customer_api.imports.batch import Insert, insert_group, plan_batch
from customer_api.imports.columns import KEYS, ImportKind
from customer_api.imports.reader import LedgerFile, SheetPlan
from customer_api.imports.statistics import Statistics
from customer_api.imports.writers import (
    WRITERS,
    Cells,
    RowContext,
    RowRejected,
    RowResult,
    domain_errors,
)
from customer_api.models import ImportChunk, ImportJob, ImportRow
from customer_api.worker import PolledWorker
from guarantee_shared.clock import business_today, utc_now
from guarantee_shared.errors import DomainError
from guarantee_shared.logging import get_logger

# Planned inserts written together: large enough to spend a few round trips on a hundred rows,
# small enough that a refused group redone row by row, and its statements, stay small.
GROUP_ROWS = 100

log = get_logger(__name__)


class _TakenOver(Exception):
    """Another worker owns the job now; this one stops without writing."""


@dataclass
class _Progress:
    done: int = 0
    imported: int = 0
    rejected: int = 0
    outcomes: dict[str, dict[str, int]] = field(default_factory=dict)
    errors: list[dict[str, Any]] = field(default_factory=list)

    @classmethod
    def of(cls, job: ImportJob) -> _Progress:
        return cls(
            job.rows_done,
            job.rows_imported,
            job.rows_rejected,
            copy.deepcopy(job.outcomes),
            list(job.errors),
        )

    def count(self, kind: ImportKind, outcome: str) -> None:
        self.done += 1
        if outcome == "rejected":
            self.rejected += 1
        else:
            self.imported += 1
        per_kind = self.outcomes.setdefault(kind.value, {})
        per_kind[outcome] = per_kind.get(outcome, 0) + 1


def _cursor(raw: str | None) -> tuple[int, int] | None:
    if not raw:
        return None
    sheet, row = raw.split(":")
    return int(sheet), int(row)


class ImportRunner(PolledWorker):
    """Runs queued imports in this process; start :meth:`run` in the app's lifespan."""

    model = ImportJob
    name = "import"

    def __init__(
        self,
        sessionmaker: async_sessionmaker[AsyncSession],
        *,
        allowlist: frozenset[str],
        haircuts: Mapping[str, Decimal],
        batch_rows: int,
        errors_kept: int,
        poll_interval_s: float = 2.0,
    ) -> None:
        super().__init__(sessionmaker, poll_interval_s=poll_interval_s)
        self._allowlist = allowlist
        self._haircuts = haircuts
        self._batch = batch_rows
        self._errors_kept = errors_kept

    async def _work(self, job_id: uuid.UUID) -> None:
        path = await self._spool(job_id)
        try:
            await self._process(job_id, path)
        except _TakenOver:
            log.warning("import_taken_over", job_id=str(job_id), worker=self.worker)
        except Exception as exc:  # a broken file or a bug: the job says so instead of retrying
            log.exception("import_failed", job_id=str(job_id))
            await self._fail(job_id, getattr(exc, "message", None) or f"import stopped: {exc}")
        finally:
            path.unlink(missing_ok=True)

    async def _spool(self, job_id: uuid.UUID) -> Path:
        """The stored file back on local disk, one chunk in memory at a time."""
        handle, name = tempfile.mkstemp(prefix="import-")
        async with self._sessions() as session:
            count = await session.scalar(
                select(func.count()).select_from(ImportChunk).where(ImportChunk.job_id == job_id)
            )
            with os.fdopen(handle, "wb") as out:
                for seq in range(count or 0):
                    data = await session.scalar(
                        select(ImportChunk.data).where(
                            ImportChunk.job_id == job_id, ImportChunk.seq == seq
                        )
                    )
                    out.write(data or b"")
        return Path(name)

    async def _process(self, job_id: uuid.UUID, path: Path) -> None:
        async with self._sessions() as session:
            job = await session.get(ImportJob, job_id)
            if job is None:
                return
            dry_run, fmt, filename, actor = job.dry_run, job.format, job.filename, job.actor
            kind = ImportKind(job.kind) if job.kind else None
            # A dry run keeps nothing, so an interrupted one starts over.
            progress = _Progress() if dry_run else _Progress.of(job)
            resume = None if dry_run else _cursor(job.cursor)
        ledger = await to_thread.run_sync(
            lambda: LedgerFile(path, fmt, kind=kind, filename=filename)
        )
        with ledger:
            total = await to_thread.run_sync(ledger.estimated_rows)
            ctx = RowContext(
                actor=actor, allowlist=self._allowlist, haircuts=self._haircuts,
                today=business_today(),
            )  # fmt: skip
            async with self._sessions() as work, self._sessions() as side:
                sink = side if dry_run else work
                if dry_run:
                    await sink.execute(delete(ImportRow).where(ImportRow.job_id == job_id))
                await self._commit(sink, job_id, progress, [], cursor=None, total=total)
                pending: list[dict[str, Any]] = []
                position: tuple[int, int] | None = None
                for index, plan in enumerate(ledger.plans):
                    batch: list[tuple[int, Cells]] = []
                    statistics = Statistics()
                    for number, cells in ledger.rows(plan):
                        if resume is not None and (index, number) <= resume:
                            continue
                        position = (index, number)
                        batch.append((number, cells))
                        if len(pending) + len(batch) >= self._batch:
                            pending += await self._rows(work, ledger, plan, batch, ctx, progress)
                            batch = []
                            await self._commit(sink, job_id, progress, pending, cursor=position)
                            work.expunge_all()
                            analysed = await statistics.after_batch(work, plan.kind, len(pending))
                            if analysed and not dry_run:  # release ANALYZE's lock at once
                                await work.commit()
                            pending = []
                    pending += await self._rows(work, ledger, plan, batch, ctx, progress)
                await self._commit(sink, job_id, progress, pending, cursor=position, final=True)
                if dry_run:
                    await work.rollback()
        log.info("import_finished", job_id=str(job_id), rows=progress.done, dry_run=dry_run)

    async def _rows(
        self,
        work: AsyncSession,
        ledger: LedgerFile,
        plan: SheetPlan,
        batch: list[tuple[int, Cells]],
        ctx: RowContext,
        progress: _Progress,
    ) -> list[dict[str, Any]]:
        """The batch's outcome records in file order: planned inserts in groups, the rest (and
        any group the database refuses) row by row."""
        if not batch:
            return []
        inserts = await plan_batch(work, plan.kind, [cells for _, cells in batch], ctx)
        outcomes: list[dict[str, Any]] = []
        group: list[tuple[int, Cells, Insert]] = []
        for (number, cells), planned in zip(batch, inserts, strict=True):
            if planned is not None:
                group.append((number, cells, planned))
                if len(group) >= GROUP_ROWS:
                    outcomes += await self._group(work, ledger, plan, group, ctx, progress)
                    group = []
                continue
            outcomes += await self._group(work, ledger, plan, group, ctx, progress)
            group = []
            outcomes.append(await self._row(work, ledger, plan, number, cells, ctx, progress))
        outcomes += await self._group(work, ledger, plan, group, ctx, progress)
        return outcomes

    async def _group(
        self,
        work: AsyncSession,
        ledger: LedgerFile,
        plan: SheetPlan,
        group: list[tuple[int, Cells, Insert]],
        ctx: RowContext,
        progress: _Progress,
    ) -> list[dict[str, Any]]:
        """Planned inserts in one savepoint; if the database refuses it, each row on its own."""
        if not group:
            return []
        try:
            async with work.begin_nested():
                results = await insert_group(work, plan.kind, [i for _, _, i in group], ctx)
        except (DBAPIError, DomainError):
            return [
                await self._row(work, ledger, plan, number, cells, ctx, progress)
                for number, cells, _ in group
            ]
        sheet = self._sheet(ledger, plan)
        outcomes = []
        for (number, _, _), result in zip(group, results, strict=True):
            progress.count(plan.kind, result.outcome)
            outcomes.append(self._written(sheet, number, result))
        return outcomes

    @staticmethod
    def _sheet(ledger: LedgerFile, plan: SheetPlan) -> str:
        return plan.title if ledger.format == "xlsx" else plan.kind.value

    @staticmethod
    def _written(sheet: str, number: int, result: RowResult) -> dict[str, Any]:
        return {
            "sheet": sheet,
            "row": number,
            "outcome": result.outcome,
            "key": result.key[:200],
            "entity_id": result.entity_id,
            "errors": None,
        }

    async def _row(
        self,
        work: AsyncSession,
        ledger: LedgerFile,
        plan: SheetPlan,
        number: int,
        cells: dict[str, object],
        ctx: RowContext,
        progress: _Progress,
    ) -> dict[str, Any]:
        """Write one row in its own savepoint; the row's outcome record."""
        sheet = self._sheet(ledger, plan)
        errors: list[tuple[str | None, str]]
        try:
            async with work.begin_nested():
                result = await WRITERS[plan.kind](work, cells, ctx)
        except RowRejected as exc:
            errors = exc.errors
        except DomainError as exc:
            errors = domain_errors(exc, default=KEYS[plan.kind][0])
        except ValidationError as exc:  # a stored record no longer valid under the schema
            errors = [(str(e["loc"][0]) if e["loc"] else None, e["msg"]) for e in exc.errors()]
        except DBAPIError as exc:  # a constraint the schemas do not know; the row alone fails
            errors = [(None, f"the database refused the row: {str(exc.orig).splitlines()[0]}")]
        else:
            progress.count(plan.kind, result.outcome)
            return self._written(sheet, number, result)
        progress.count(plan.kind, "rejected")
        listed = [
            {
                "row": number,
                "column": ledger.header_of(plan, column) if column else None,
                "message": message,
                "sheet": sheet,
            }
            for column, message in errors
        ]
        room = self._errors_kept - len(progress.errors)
        progress.errors.extend(listed[: max(room, 0)])
        key = cells.get(KEYS[plan.kind][0])
        return {
            "sheet": sheet,
            "row": number,
            "outcome": "rejected",
            "key": None if key is None else str(key)[:200],
            "entity_id": None,
            "errors": listed,
        }

    async def _commit(
        self,
        session: AsyncSession,
        job_id: uuid.UUID,
        progress: _Progress,
        rows: list[dict[str, Any]],
        *,
        cursor: tuple[int, int] | None,
        total: int | None = None,
        final: bool = False,
    ) -> None:
        """Commit the batch with the job's progress, if the job is still this worker's."""
        for outcome in rows:
            outcome["job_id"] = job_id
        job = await session.get(ImportJob, job_id, with_for_update=True, populate_existing=True)
        if job is None or job.worker != self.worker or job.status != "running":
            await session.rollback()
            raise _TakenOver
        if rows:
            await session.execute(insert(ImportRow), rows)
        job.rows_done = progress.done
        job.rows_imported = progress.imported
        job.rows_rejected = progress.rejected
        job.outcomes = copy.deepcopy(progress.outcomes)
        job.errors = list(progress.errors)
        if cursor is not None:
            job.cursor = f"{cursor[0]}:{cursor[1]}"
        if total is not None:
            job.rows_total = max(total, progress.done)
        job.heartbeat_at = utc_now()
        if final:
            job.status = "succeeded"
            job.rows_total = progress.done
            job.finished_at = utc_now()
            await session.execute(delete(ImportChunk).where(ImportChunk.job_id == job_id))
        await session.commit()

    async def _fail(self, job_id: uuid.UUID, message: str) -> None:
        async with self._sessions() as session, session.begin():
            job = await session.get(ImportJob, job_id, with_for_update=True)
            if job is None or job.worker != self.worker or job.status != "running":
                return
            job.status = "failed"
            job.message = message[:2000]
            job.finished_at = utc_now()
            await session.execute(delete(ImportChunk).where(ImportChunk.job_id == job_id))
