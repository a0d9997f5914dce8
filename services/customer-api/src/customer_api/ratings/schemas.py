"""Rating history, partner disclosure and job progress at the HTTP boundary."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from guarantee_shared.schemas.rating import RatingResult


class RatingOut(BaseModel):
    """One entry of a customer's rating history: the engine's full answer and what it answered."""

    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    customer_id: uuid.UUID
    rated_at: datetime
    as_of: date
    model_version: str
    request_hash: str = Field(description="SHA-256 of the rating request the engine answered")
    result: RatingResult
    actor: str
    job_id: uuid.UUID | None
    source: Literal["model", "override"] = Field(
        description="`override`: an approved rating_override of the previous rating's grade, "
        "tier or class, in effect until the next rating"
    )
    requested_by: str | None = Field(description="Who asked for the override")
    approved_by: str | None = Field(description="Who approved the override")


class PartnerRating(BaseModel):
    """What a partner bank may see of a rating (docs/CONTRACT.md: exactly these fields)."""

    credit_code: str
    name: str
    credit_grade: str
    risk_tier: str
    customer_class: str
    score: float
    rated_at: datetime
    model_version: str


class JobOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    kind: str
    status: str = Field(description="queued, running, succeeded or failed")
    total: int
    done: int = Field(description="Items handled so far, failed ones included")
    failed: int
    errors: list[dict[str, Any]] = Field(description="The first failures, with the reason")
    message: str | None
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None


class RerunRequest(BaseModel):
    """Optional body of POST /v1/customers/{id}/rate and POST /v1/ratings/rerun."""

    model_config = ConfigDict(extra="forbid")

    model_version: str | None = Field(
        default=None,
        min_length=1,  # "" would silently mean the active ruleset
        max_length=40,
        description="Ruleset version (GET /v1/models on the rating engine lists them); the "
        "engine's active one if unset. An unknown version is 422",
    )
