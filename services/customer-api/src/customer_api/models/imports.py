"""Ledger imports: the job, the uploaded file (kept in chunks until processed), row outcomes."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    ForeignKey,
    Identity,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from customer_api.models.base import Base, func_now, new_id


class ImportJob(Base):
    """One uploaded file being imported; ``cursor`` is the last row committed, for resuming."""

    __tablename__ = "import_jobs"
    __table_args__ = (
        CheckConstraint(
            "status IN ('queued', 'running', 'succeeded', 'failed', 'cancelled')", name="status"
        ),
        CheckConstraint("format IN ('csv', 'xlsx')", name="format"),
        Index("ix_import_jobs_status_created", "status", "created_at"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    status: Mapped[str] = mapped_column(String(12), default="queued")
    dry_run: Mapped[bool]
    filename: Mapped[str] = mapped_column(String(255))
    format: Mapped[str] = mapped_column(String(4))
    # The record kind of a CSV file (an XLSX workbook names its kinds by sheet).
    kind: Mapped[str | None] = mapped_column(String(30))
    size_bytes: Mapped[int] = mapped_column(BigInteger)
    sha256: Mapped[str] = mapped_column(String(64))
    rows_total: Mapped[int] = mapped_column(Integer, default=0)
    rows_done: Mapped[int] = mapped_column(Integer, default=0)
    rows_imported: Mapped[int] = mapped_column(Integer, default=0)
    rows_rejected: Mapped[int] = mapped_column(Integer, default=0)
    # {"customers": {"created": n, "updated": n, "unchanged": n, "rejected": n}, ...}
    outcomes: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict)
    errors: Mapped[list[dict[str, Any]]] = mapped_column(JSONB, default=list)
    cursor: Mapped[str | None] = mapped_column(String(64))
    actor: Mapped[str] = mapped_column(String(200))
    worker: Mapped[str | None] = mapped_column(String(100))
    heartbeat_at: Mapped[datetime | None]
    message: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(server_default=func_now())
    started_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]


class ImportChunk(Base):
    """A slice of the uploaded file, so any replica can process (or resume) the job."""

    __tablename__ = "import_chunks"

    job_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("import_jobs.id", ondelete="CASCADE"), primary_key=True
    )
    seq: Mapped[int] = mapped_column(Integer, primary_key=True)
    data: Mapped[bytes] = mapped_column(LargeBinary)


class ImportRow(Base):
    """What happened to one row of the file: created, updated, unchanged or rejected."""

    __tablename__ = "import_rows"
    __table_args__ = (Index("ix_import_rows_job_id", "job_id", "id"),)

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    job_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("import_jobs.id", ondelete="CASCADE"))
    sheet: Mapped[str] = mapped_column(String(30))
    row: Mapped[int] = mapped_column(Integer)
    outcome: Mapped[str] = mapped_column(String(10))
    key: Mapped[str | None] = mapped_column(String(200))
    entity_id: Mapped[uuid.UUID | None]
    errors: Mapped[list[dict[str, Any]] | None] = mapped_column(JSONB)
