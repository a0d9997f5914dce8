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


class BacktestGroup(BaseModel):
    """One grade or tier of the ratings in force: observed against predicted."""

    model_config = ConfigDict(from_attributes=True)

    key: str
    n: int = Field(description="Ratings in force in this group")
    defaults: int = Field(description="Of them, customers that defaulted within the horizon")
    default_rate: float | None = Field(description="defaults / n; null when n is 0")
    mean_pd: float | None = Field(description="Mean predicted one-year PD; null when n is 0")
    p_value: float | None = Field(
        description="Two-sided exact binomial test of `defaults` against n × `mean_pd`: a small "
        "value says the observed rate does not fit the predicted PD; null when n is 0"
    )


class BacktestOut(BaseModel):
    """The ratings in force at `cohort_date` (= as_of − horizon) against their outcomes."""

    model_config = ConfigDict(from_attributes=True)

    as_of: date = Field(description="End of the outcome window")
    horizon_months: int
    cohort_date: date = Field(
        description="as_of − horizon_months: each customer's latest rating issued on or before "
        "this day is the one tested"
    )
    previous_cohort_date: date = Field(
        description="cohort_date − horizon_months: the window `psi` compares against"
    )
    model_version: str | None = Field(description="Only ratings by this version, when named")
    n: int = Field(description="Customers with a rating in force at cohort_date")
    defaults: int = Field(
        description="Of them, those with a compensation (代偿) or a `default` credit event in "
        "(cohort_date, as_of]"
    )
    auc: float | None = Field(
        description="Area under the ROC curve of PD against the outcome; null when either "
        "class is empty"
    )
    gini: float | None = Field(description="2 · auc − 1 (accuracy ratio)")
    ks: float | None = Field(
        description="Kolmogorov–Smirnov distance between the PD distributions of defaulters and "
        "non-defaulters; null when either class is empty"
    )
    brier: float | None = Field(description="Mean of (pd − outcome)²; null when n is 0")
    psi: float | None = Field(
        description="Population stability index of the scores in force at cohort_date against "
        "those in force at previous_cohort_date, over the previous window's deciles; null when "
        "either window is empty"
    )
    previous_n: int = Field(description="Ratings in force at previous_cohort_date")
    by_grade: list[BacktestGroup] = Field(description="Every grade AAA … C in order, then others")
    by_tier: list[BacktestGroup] = Field(description="low, medium, high, then others")
    monotone: bool | None = Field(
        description="Whether default rates never fall from a better grade to a worse one "
        "(among grades with ratings; ties allowed); null with fewer than two such grades"
    )
