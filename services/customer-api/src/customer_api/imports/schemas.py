"""Import jobs, row outcomes and templates at the HTTP boundary."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from customer_api.imports.columns import ImportKind


class TemplateFormat(StrEnum):
    xlsx = "xlsx"
    csv = "csv"


class RowOutcome(StrEnum):
    created = "created"
    updated = "updated"
    unchanged = "unchanged"
    rejected = "rejected"


class RowError(BaseModel):
    row: int = Field(description="The row as a spreadsheet numbers it (the header is row 1)")
    column: str | None = Field(description="The column as the file names it; null for the row")
    message: str
    sheet: str | None = Field(default=None, description="The sheet (XLSX) or the record kind")


class ImportOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    status: str = Field(description="queued, running, succeeded, failed or cancelled")
    dry_run: bool = Field(description="true: everything validated and tried, nothing kept")
    filename: str
    format: str
    kind: ImportKind | None = Field(description="The record kind of a CSV file")
    size_bytes: int
    rows_total: int = Field(description="Data rows in the file (an estimate until finished)")
    rows_done: int = Field(description="Rows handled so far")
    rows_imported: int = Field(description="Rows created, updated or found unchanged")
    rows_rejected: int
    outcomes: dict[str, dict[str, int]] = Field(
        description="Per kind: created, updated, unchanged and rejected counts"
    )
    errors: list[RowError] = Field(description="The first rejected rows' errors, in file order")
    message: str | None = Field(description="Why the job failed, when it did")
    actor: str
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None


class ImportRowOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    sheet: str
    row: int
    outcome: RowOutcome
    key: str | None = Field(description="The record's key: credit code, contract number …")
    entity_id: uuid.UUID | None = Field(description="The record created, updated or unchanged")
    errors: list[dict[str, Any]] | None


class ImportRequest(BaseModel):
    """What an Idempotency-Key is compared on: the file's digest and the options."""

    filename: str
    sha256: str
    dry_run: bool
    kind: ImportKind | None
