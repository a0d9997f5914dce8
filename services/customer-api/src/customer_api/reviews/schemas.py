"""Verifications and surveys at the HTTP boundary."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from customer_api.facts.schemas import PastDate
from guarantee_shared.text import Label, Note


class Outcome(StrEnum):
    confirmed = "confirmed"
    corrected = "corrected"
    unreachable = "unreachable"


class Channel(StrEnum):
    """How a survey was taken: a closed set, so the review report can compare channels."""

    phone = "phone"
    visit = "visit"
    online = "online"
    email = "email"
    other = "other"


class VerificationIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    verified_on: PastDate = Field(description="The day the facts were checked; not in the future")
    verified_by: Label = Field(description="Who checked them")
    outcome: Outcome = Field(
        description="confirmed: facts hold; corrected: facts were fixed; unreachable: the "
        "customer could not be reached (the next review is then due after the shortest interval)"
    )
    note: Note | None = None


class VerificationOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    customer_id: uuid.UUID
    verified_on: date
    verified_by: str
    outcome: Outcome
    note: str | None
    interval_days: int = Field(description="Days to the next review this verification set")
    next_review_due: date
    actor: str
    version: int
    created_at: datetime


class SurveyIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    surveyed_on: PastDate
    score: Annotated[int, Field(ge=1, le=5, strict=True)] = Field(
        description="Satisfaction, 1 (very dissatisfied) to 5 (very satisfied)"
    )
    channel: Channel
    comment: Note | None = None


class SurveyOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    customer_id: uuid.UUID
    surveyed_on: date
    score: int
    channel: Channel
    comment: str | None
    actor: str
    version: int
    created_at: datetime
