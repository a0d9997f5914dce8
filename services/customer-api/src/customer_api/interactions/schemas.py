"""Customer interactions at the HTTP boundary."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from enum import StrEnum
from typing import Annotated, Self

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from customer_api.facts.schemas import PastDate
from guarantee_shared.text import FreeText, Label
from guarantee_shared.types import Date


class InteractionKind(StrEnum):
    visit = "visit"
    call = "call"
    meeting = "meeting"
    message = "message"


class Need(StrEnum):
    """What the customer asked for or may need: the tags the account plan is built from."""

    new_financing = "new_financing"
    renewal = "renewal"
    larger_limit = "larger_limit"
    lower_fee = "lower_fee"
    advisory = "advisory"
    other = "other"


Summary = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=4000), FreeText
]


class InteractionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kind: InteractionKind
    occurred_on: PastDate = Field(description="The day it happened; not in the future")
    by: Label | None = Field(
        default=None, description="Who spoke with the customer; default the caller"
    )
    summary: Summary = Field(description="What was said and agreed")
    needs: list[Need] = Field(default_factory=list, max_length=len(Need))
    follow_up_on: Date | None = Field(
        default=None,
        description="When the customer is to be contacted again; overdue from the day after "
        "while no later interaction exists",
    )

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        if len(set(self.needs)) != len(self.needs):
            raise ValueError("needs lists each tag once")
        if self.follow_up_on is not None and self.follow_up_on < self.occurred_on:
            raise ValueError("follow_up_on must not be before occurred_on")
        return self


class InteractionOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    customer_id: uuid.UUID
    kind: InteractionKind
    occurred_on: date
    by: str
    summary: str
    needs: list[Need]
    follow_up_on: date | None
    actor: str
    version: int
    created_at: datetime
