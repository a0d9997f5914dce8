"""Webhook channels and deliveries at the HTTP boundary. A channel's secret is never shown."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from alerting.notifiers import Format
from alerting.rules.schemas import Severity
from guarantee_shared.outbox.targets import TargetRefused, parse_target


class ChannelFields(BaseModel):
    model_config = ConfigDict(extra="forbid")

    # Optional: the contract lists url and secret; a name is this service's extension.
    name: (
        Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
        | None
    ) = Field(
        default=None,
        description="Defaults to the URL's host; the Alertmanager payload's `receiver`",
    )
    url: Annotated[str, StringConstraints(min_length=1, max_length=2000)] = Field(
        description="http(s) URL; private and loopback targets only where configuration allows"
    )
    secret: Annotated[str, StringConstraints(min_length=16, max_length=500)] = Field(
        description="Signing key: `whsec_<base64>` (Standard Webhooks) or any string of 16+ "
        "characters (its UTF-8 bytes are the key). Write-only."
    )
    format: Format = Format.CLOUDEVENTS
    min_severity: Severity = Severity.info

    @model_validator(mode="after")
    def _name_defaults_to_the_host(self) -> ChannelFields:
        if self.name is None:
            try:
                host, _ = parse_target(self.url)
            except TargetRefused:
                host = self.url  # the service refuses such a URL, saying why, at loc url
            self.name = host[:200]
        return self


class ChannelOut(BaseModel):
    model_config = ConfigDict(from_attributes=True, extra="forbid")

    id: uuid.UUID
    name: str
    url: str
    format: Format
    min_severity: Severity
    enabled: bool
    disabled_reason: str | None = Field(description="Why delivery stopped (e.g. 410 Gone)")
    version: int
    created_at: datetime


class DeliveryOut(BaseModel):
    """One notification to one channel; ``id`` is its ``webhook-id`` on every attempt."""

    model_config = ConfigDict(from_attributes=True, extra="forbid")

    id: uuid.UUID
    alert_id: uuid.UUID
    channel_id: uuid.UUID
    kind: str = Field(description="firing or resolved")
    status: str = Field(description="pending (retrying until attempts run out), delivered, dead")
    attempts: int
    last_error: str | None
    next_attempt_at: datetime
    created_at: datetime
    delivered_at: datetime | None


class AttemptOut(BaseModel):
    model_config = ConfigDict(from_attributes=True, extra="forbid")

    attempt: int
    at: datetime
    status_code: int | None
    error: str | None
    duration_ms: int
    replica: str


class DeliveryDetail(DeliveryOut):
    attempt_log: list[AttemptOut]
