"""Models shared by several alerting routers."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field


class CycleSummary(BaseModel):
    """What one evaluation cycle did."""

    model_config = ConfigDict(extra="forbid")

    cycle_id: int
    trigger: str = Field(description="schedule or manual")
    replica: str = Field(description="host:pid of the replica that ran it")
    started_at: datetime
    finished_at: datetime
    duration_ms: int
    customer_api_up: bool
    unavailable: list[str] = Field(
        description="Sources that could not be fetched; their rules kept their state"
    )
    error: str | None
    rules: int = Field(description="Enabled rules evaluated")
    observations: int = Field(description="Subject values evaluated")
    transitions: int = Field(description="Alert state changes")
    notifications: int = Field(description="Outbox messages written")
    firing: int = Field(description="Alerts firing after the cycle")
