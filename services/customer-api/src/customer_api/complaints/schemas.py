"""Complaints and their handling events at the HTTP boundary."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Annotated

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationInfo,
    computed_field,
    field_validator,
)

from guarantee_shared.clock import utc_now
from guarantee_shared.text import FreeText, Label, Note, OneLine


class Severity(StrEnum):
    low = "low"
    medium = "medium"
    high = "high"


class ComplaintStatus(StrEnum):
    open = "open"
    assigned = "assigned"
    responded = "responded"
    resolved = "resolved"
    closed = "closed"


class ComplaintEventType(StrEnum):
    assign = "assign"
    respond = "respond"
    resolve = "resolve"
    close = "close"


Category = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=50), OneLine
]
Description = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=2000), FreeText
]
# Events that must say what was done; close and assign may carry a note but need none.
NOTE_REQUIRED = frozenset({ComplaintEventType.respond, ComplaintEventType.resolve})


class ComplaintIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    customer_id: uuid.UUID
    category: Category = Field(description="Free classification, e.g. fee, service, process")
    severity: Severity = Field(description="Sets due_at: high 2 days, medium 5, low 10 (default)")
    description: Description


class ComplaintOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    customer_id: uuid.UUID
    category: str
    severity: Severity
    description: str
    status: ComplaintStatus
    assignee: str | None
    due_at: datetime
    resolved_at: datetime | None
    closed_at: datetime | None
    actor: str
    version: int
    created_at: datetime
    updated_at: datetime

    @computed_field(description="Resolved after due_at, or unresolved and past it now")
    def breached(self) -> bool:
        return (self.resolved_at or utc_now()) > self.due_at


class ComplaintEventIn(BaseModel):
    """``assign`` needs an ``assignee``; ``respond`` and ``resolve`` need a ``note``."""

    model_config = ConfigDict(extra="forbid")

    type: ComplaintEventType
    assignee: Label | None = Field(default=None, validate_default=True)
    note: Note | None = Field(default=None, validate_default=True)

    @field_validator("assignee")
    @classmethod
    def _assignee_for_assign(cls, value: str | None, info: ValidationInfo) -> str | None:
        kind = info.data.get("type")
        if kind is ComplaintEventType.assign and value is None:
            raise ValueError("an assign event needs an assignee")
        if kind is not None and kind is not ComplaintEventType.assign and value is not None:
            raise ValueError(f"a {kind} event takes no assignee")
        return value

    @field_validator("note")
    @classmethod
    def _note_when_required(cls, value: str | None, info: ValidationInfo) -> str | None:
        kind = info.data.get("type")
        if kind in NOTE_REQUIRED and not (value and value.strip()):
            raise ValueError(f"a {kind} event needs a note saying what was done")
        return value


class ComplaintEventOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    complaint_id: uuid.UUID
    seq: int = Field(description="Position in the complaint's history, from 1")
    type: ComplaintEventType
    assignee: str | None
    note: str | None
    status_after: ComplaintStatus
    actor: str
    created_at: datetime


class ComplaintEventResult(BaseModel):
    event: ComplaintEventOut
    complaint: ComplaintOut
