"""Accept an upload as an import job, and read jobs and their row outcomes. Flushes only.

The upload is streamed to a temporary file (never held whole), its headers are checked at once
— a file whose sheets or columns are wrong is a 422 and no job — and it is then stored in the
database in 1 MiB chunks with the job, so whichever replica picks the job up can read it, and a
job interrupted by a restart resumes where its last committed batch ended.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from anyio import to_thread
from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from customer_api.imports.columns import ImportKind
from customer_api.imports.reader import ImportFileError, LedgerFile, detect_format
from customer_api.imports.schemas import RowOutcome
from customer_api.models import ImportChunk, ImportJob, ImportRow
from guarantee_shared.clock import utc_now
from guarantee_shared.db.queries import ensure_exists, get_or_404, keyset_page
from guarantee_shared.errors import Conflict, InvalidInput

CHUNK_BYTES = 1024 * 1024


class Readable(Protocol):
    """An uploaded file as the web layer hands it over (Starlette's ``UploadFile`` is one)."""

    async def read(self, size: int = -1) -> bytes: ...


@dataclass
class Upload:
    path: Path
    filename: str
    sha256: str
    size: int
    format: str = "csv"
    kind: ImportKind | None = None
    kinds: list[ImportKind] = field(default_factory=list)

    def discard(self) -> None:
        self.path.unlink(missing_ok=True)


def _file_problem(exc: ImportFileError) -> InvalidInput:
    problem = InvalidInput(exc.message, loc=["body", "file"], kind="import_file")
    if exc.problems:
        problem.extra["errors"] = [
            {"loc": ["body", "file", p.column], "msg": p.message, "type": "import_column"}
            for p in exc.problems
        ]
    return problem


def _inspect(upload: Upload) -> list[ImportKind]:
    with LedgerFile(upload.path, upload.format, kind=upload.kind, filename=upload.filename) as f:
        return [plan.kind for plan in f.plans]


async def receive(file: Readable, *, filename: str, kind: ImportKind | None) -> Upload:
    """Spool the upload to a temporary file, hash it, and check its format and headers."""
    handle, name = tempfile.mkstemp(prefix="import-")
    digest = hashlib.sha256()
    size = 0
    upload = Upload(path=Path(name), filename=filename, sha256="", size=0)
    try:
        with os.fdopen(handle, "wb") as out:
            while chunk := await file.read(CHUNK_BYTES):
                size += len(chunk)
                digest.update(chunk)
                out.write(chunk)
        if size == 0:
            raise InvalidInput("the file is empty", loc=["body", "file"])
        upload.sha256, upload.size = digest.hexdigest(), size
        upload.format = detect_format(upload.path, upload.filename)
        upload.kind = kind if upload.format == "csv" else None
        upload.kinds = await to_thread.run_sync(_inspect, upload)
        if upload.format == "csv":
            upload.kind = upload.kinds[0]
    except ImportFileError as exc:
        upload.discard()
        raise _file_problem(exc) from exc
    except BaseException:
        upload.discard()
        raise
    return upload


async def create_job(
    session: AsyncSession, upload: Upload, *, dry_run: bool, actor: str
) -> ImportJob:
    """The queued job with the file stored beside it, chunk by chunk."""
    job = ImportJob(
        id=uuid.uuid4(),
        status="queued",
        dry_run=dry_run,
        filename=upload.filename[:255],
        format=upload.format,
        kind=upload.kind.value if upload.kind else None,
        size_bytes=upload.size,
        sha256=upload.sha256,
        outcomes={k.value: {} for k in upload.kinds},
        errors=[],
        actor=actor,
    )
    session.add(job)
    await session.flush()
    with upload.path.open("rb") as source:
        seq = 0
        while data := source.read(CHUNK_BYTES):
            chunk = ImportChunk(job_id=job.id, seq=seq, data=data)
            session.add(chunk)
            await session.flush()
            session.expunge(chunk)  # keep only the chunk in hand in memory
            seq += 1
    await session.refresh(job)
    return job


async def get_job(session: AsyncSession, job_id: uuid.UUID) -> ImportJob:
    return await get_or_404(session, ImportJob, job_id)


async def cancel(session: AsyncSession, job_id: uuid.UUID) -> ImportJob:
    """Stop a queued or running import; batches already committed stay (re-importing the file
    later completes it, as updates are by key)."""
    job = await get_or_404(session, ImportJob, job_id, for_update=True)
    if job.status not in ("queued", "running"):
        raise Conflict(f"The import is {job.status}; only a queued or running one can be cancelled")
    job.status = "cancelled"
    job.finished_at = utc_now()
    await session.execute(delete(ImportChunk).where(ImportChunk.job_id == job_id))
    await session.flush()
    await session.refresh(job)
    return job


async def list_rows(
    session: AsyncSession,
    job_id: uuid.UUID,
    *,
    outcome: RowOutcome | None,
    limit: int,
    cursor: str | None,
) -> tuple[Sequence[ImportRow], str | None]:
    """Row outcomes in file order, keyset on the row record's id."""
    await ensure_exists(session, ImportJob, job_id)
    query = select(ImportRow).where(ImportRow.job_id == job_id)
    if outcome is not None:
        query = query.where(ImportRow.outcome == outcome.value)
    return await keyset_page(session, query, [ImportRow.id], limit=limit, cursor=cursor)
