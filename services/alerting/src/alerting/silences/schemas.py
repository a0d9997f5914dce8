"""Silences at the HTTP boundary (Alertmanager's model, equality matchers)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from guarantee_shared.text import Note, OneLine
from guarantee_shared.types import AwareDateTime


class Matcher(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: Annotated[str, StringConstraints(min_length=1, max_length=63), OneLine] = Field(
        description="A label: alertname, severity, indicator, scope, subject, rule_id or a "
        "rule's own label"
    )
    value: Annotated[str, StringConstraints(max_length=300), OneLine]


class SilenceFields(BaseModel):
    model_config = ConfigDict(extra="forbid")

    matchers: list[Matcher] = Field(min_length=1, max_length=20)
    starts_at: AwareDateTime | None = Field(default=None, description="Default: now")
    ends_at: AwareDateTime
    comment: Note | None = None

    @model_validator(mode="after")
    def _window(self) -> SilenceFields:
        if self.starts_at is not None and self.ends_at <= self.starts_at:
            raise ValueError("ends_at must be after starts_at")
        return self


class SilenceOut(BaseModel):
    model_config = ConfigDict(from_attributes=True, extra="forbid")

    id: uuid.UUID
    matchers: list[Matcher]
    starts_at: datetime
    ends_at: datetime
    comment: str | None
    created_by: str
    created_at: datetime
    active: bool = False
    version: int
