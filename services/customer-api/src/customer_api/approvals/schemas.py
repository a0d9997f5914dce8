"""Bodies of /v1/approvals."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from guarantee_shared.schemas.rating import CreditGrade, CustomerClass, RiskTier
from guarantee_shared.text import Note
from guarantee_shared.types import PositiveMoney


class ApprovalKind(StrEnum):
    policy_override = "policy_override"
    rating_override = "rating_override"


class ApprovalStatus(StrEnum):
    pending = "pending"
    approved = "approved"
    rejected = "rejected"
    expired = "expired"
    consumed = "consumed"


class Decision(StrEnum):
    approve = "approve"
    reject = "reject"


class PolicyOverridePayload(BaseModel):
    model_config = ConfigDict(extra="forbid")

    amount: PositiveMoney = Field(description="The largest activation the override allows")


class RatingOverridePayload(BaseModel):
    model_config = ConfigDict(extra="forbid")

    risk_tier: RiskTier | None = None
    customer_class: CustomerClass | None = None
    credit_grade: CreditGrade | None = None

    @model_validator(mode="after")
    def _something(self) -> RatingOverridePayload:
        if self.risk_tier is None and self.customer_class is None and self.credit_grade is None:
            raise ValueError("name at least one of risk_tier, customer_class, credit_grade")
        return self


PAYLOADS: dict[ApprovalKind, type[BaseModel]] = {
    ApprovalKind.policy_override: PolicyOverridePayload,
    ApprovalKind.rating_override: RatingOverridePayload,
}


class ApprovalIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kind: ApprovalKind
    subject_id: uuid.UUID = Field(description="The contract (policy_override) or customer")
    reason: Note
    payload: dict[str, Any] = Field(
        description="policy_override: `amount`; rating_override: any of `risk_tier`, "
        "`customer_class`, `credit_grade`"
    )

    @model_validator(mode="after")
    def _payload_of_kind(self) -> ApprovalIn:
        # The kind picks the payload's shape; stored in its normal form (money as a string).
        try:
            parsed = PAYLOADS[self.kind].model_validate(self.payload)
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(part) for part in first["loc"])
            raise ValueError(f"payload{'.' + where if where else ''}: {first['msg']}") from None
        self.payload = parsed.model_dump(mode="json", exclude_none=True)
        return self


class DecisionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    decision: Decision
    comment: Note | None = None


class ApprovalOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    kind: ApprovalKind
    subject_id: uuid.UUID
    reason: str
    payload: dict[str, Any]
    status: ApprovalStatus
    requested_by: str
    requested_at: datetime
    expires_at: datetime
    decided_by: str | None
    decided_at: datetime | None
    comment: str | None
    consumed_at: datetime | None
    version: int
