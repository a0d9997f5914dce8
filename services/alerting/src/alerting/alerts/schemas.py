"""Alerts at the HTTP boundary."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, PlainSerializer, WithJsonSchema

Number = Annotated[
    Decimal,
    PlainSerializer(lambda d: float(d), return_type=float, when_used="json"),
    WithJsonSchema({"type": "number"}),
]


class AlertStateFilter(StrEnum):
    inactive = "inactive"
    pending = "pending"
    firing = "firing"
    resolved = "resolved"


class AlertOut(BaseModel):
    model_config = ConfigDict(from_attributes=True, extra="forbid")

    id: uuid.UUID
    rule_id: uuid.UUID
    fingerprint: str = Field(description="Stable per rule and subject")
    state: str = Field(description="pending, firing, resolved (inactive: pending that recovered)")
    severity: str
    subject: str = Field(description="portfolio, <scope>=<group key>, or customer=<id>")
    value: Number | None = Field(description="The latest value evaluated; null without data")
    threshold: Number
    labels: dict[str, str]
    started_at: datetime | None = Field(description="When the current episode began breaching")
    fired_at: datetime | None
    resolved_at: datetime | None
    last_evaluated_at: datetime
    acknowledged_by: str | None
    acknowledged_at: datetime | None


class AlertEvent(BaseModel):
    """One state change, as the SSE stream sends it (event ``alert``, id = ``transition_id``)."""

    model_config = ConfigDict(extra="forbid")

    transition_id: int
    from_state: str
    to_state: str
    suppressed: bool = Field(description="A silence matched: no notification was sent")
    at: datetime
    alert: AlertOut
