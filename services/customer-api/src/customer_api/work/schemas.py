"""Review campaigns and review tasks at the HTTP boundary."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from enum import StrEnum
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from customer_api.customers.schemas import CustomerFilter, Subject
from guarantee_shared.text import FreeText, Name, Note
from guarantee_shared.types import Date


class TaskStatus(StrEnum):
    open = "open"
    in_progress = "in_progress"
    done = "done"
    cancelled = "cancelled"


class TaskEventType(StrEnum):
    start = "start"
    complete = "complete"
    reassign = "reassign"
    cancel = "cancel"


class CampaignIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: Name
    due_on: Date = Field(description="When every task of the campaign is due")
    filter: CustomerFilter = Field(
        default_factory=CustomerFilter,
        description="The customers to review, as the filters of GET /v1/customers; only "
        "active customers get a task",
    )
    assign_to: Subject | None = Field(
        default=None,
        description="Give every task to this `sub` instead of each customer's account manager",
    )


class AssigneeProgress(BaseModel):
    assignee: str | None = Field(description="null: the unassigned queue")
    tasks_total: int
    done: int
    overdue: int


class CampaignRecord(BaseModel):
    """The campaign as stored (what the audit log keeps)."""

    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    name: str
    due_on: date
    filter: dict[str, Any]
    assign_to: str | None
    actor: str
    version: int
    created_at: datetime
    updated_at: datetime


class Progress(BaseModel):
    tasks_total: int = 0
    done: int = 0
    cancelled: int = 0
    overdue: int = 0


class CampaignOut(CampaignRecord):
    tasks_total: int = Field(description="Every task of the campaign, cancelled ones included")
    done: int
    cancelled: int
    overdue: int = Field(description="Open or in progress and past due_on")
    findings_open: int = Field(description="Open findings on the campaign's customers")
    by_assignee: list[AssigneeProgress] = Field(description="Largest share first")


class TaskOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    campaign_id: uuid.UUID
    customer_id: uuid.UUID
    assignee: str | None
    status: TaskStatus
    due_on: date
    opened_at: datetime
    completed_at: datetime | None
    version: int
    updated_at: datetime


class TaskEventIn(BaseModel):
    """``reassign`` needs ``assignee`` (null sends the task back to the unassigned queue)."""

    model_config = ConfigDict(extra="forbid")

    type: TaskEventType
    assignee: Subject | None = None
    note: Note | None = None

    @model_validator(mode="after")
    def _assignee_for_reassign(self) -> TaskEventIn:
        given = "assignee" in self.model_fields_set
        if self.type is TaskEventType.reassign and not given:
            raise ValueError("a reassign event needs an assignee (null for the unassigned queue)")
        if self.type is not TaskEventType.reassign and given:
            raise ValueError(f"a {self.type.value} event takes no assignee")
        return self


class FindingSeverity(StrEnum):
    low = "low"
    medium = "medium"
    high = "high"


class FindingStatus(StrEnum):
    open = "open"
    resolved = "resolved"
    waived = "waived"


class FindingEventType(StrEnum):
    resolve = "resolve"


class FindingIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    severity: FindingSeverity
    description: Annotated[
        str, StringConstraints(strip_whitespace=True, min_length=1, max_length=2000), FreeText
    ]
    due_on: Date = Field(description="When it must be put right; overdue the day after")
    owner: Subject | None = Field(
        default=None, description="Who puts it right (a `sub`); default the account manager"
    )


class FindingOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    customer_id: uuid.UUID
    severity: FindingSeverity
    description: str
    due_on: date
    owner: str | None
    status: FindingStatus
    resolved_at: datetime | None
    resolution_note: str | None
    actor: str
    version: int
    created_at: datetime
    updated_at: datetime


class FindingEventIn(BaseModel):
    """``resolve`` needs a ``note`` saying what was done."""

    model_config = ConfigDict(extra="forbid")

    type: FindingEventType
    note: Annotated[
        str, StringConstraints(strip_whitespace=True, min_length=1, max_length=2000), FreeText
    ]
