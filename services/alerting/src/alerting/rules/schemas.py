"""Alert rules at the HTTP boundary."""

from __future__ import annotations

import re
import uuid
from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Annotated

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    PlainSerializer,
    StringConstraints,
    WithJsonSchema,
)

from alerting import sources
from alerting.evaluation import Op
from guarantee_shared.text import Name, Note, OneLine
from guarantee_shared.types import DecimalInput

RESERVED_LABELS = frozenset({"alertname", "severity", "indicator", "scope", "subject", "rule_id"})
_LABEL_NAME = re.compile(r"^[a-zA-Z_][a-zA-Z0-9_]{0,62}$")


class Severity(StrEnum):
    info = "info"
    warning = "warning"
    critical = "critical"


def _labels(value: dict[str, str]) -> dict[str, str]:
    if len(value) > 20:
        raise ValueError("at most 20 labels")
    for name in value:
        if not _LABEL_NAME.match(name):
            raise ValueError(f"label name {name!r} must match [a-zA-Z_][a-zA-Z0-9_]*")
        if name in RESERVED_LABELS:
            raise ValueError(f"label {name!r} is set by alerting itself")
    return value


Labels = Annotated[
    dict[str, Annotated[str, StringConstraints(max_length=200), OneLine]], AfterValidator(_labels)
]
Threshold = Annotated[
    Decimal,
    Field(allow_inf_nan=False, max_digits=24, decimal_places=6, ge=-(10**17), le=10**17),
    # A JSON number, as the schema says: no strings (Decimal() would read "+1_0" or "１").
    DecimalInput(None, floats=True, signed=True, error="a threshold is a JSON number, like 0.05"),
    PlainSerializer(lambda d: float(d), return_type=float, when_used="json"),
    WithJsonSchema({"type": "number", "minimum": -(10**17), "maximum": 10**17}),
]
ScopeValue = Annotated[str, StringConstraints(min_length=1, max_length=200), OneLine]
MatchToken = Annotated[str, StringConstraints(min_length=1, max_length=80), OneLine]


class RuleFields(BaseModel):
    """What a client writes: ``POST`` takes it whole, ``PUT`` replaces it whole."""

    model_config = ConfigDict(extra="forbid")

    name: Name
    indicator: str = Field(
        max_length=80,
        description="A portfolio indicator field, a regulatory figure (leverage, "
        "leverage_utilisation, single_customer_concentration, group_concentration), a signal "
        "kind, or customer_api_up",
        examples=["overdue_rate"],
    )
    scope: str = Field(
        default=sources.PORTFOLIO,
        max_length=40,
        description="portfolio, or a group_by value (risk_tier, customer … ; customer for signals)",
    )
    scope_value: Annotated[str, StringConstraints(min_length=1, max_length=200), OneLine] | None = (
        Field(default=None, description="Keep only this group (e.g. high); unset: every group")
    )
    match: list[MatchToken] | None = Field(
        default=None,
        max_length=50,
        description="Signal indicators only: count signals whose value (or value:grade) is "
        'listed, e.g. ["litigation", "tax_credit_grade:C"]',
    )
    op: Op
    threshold: Threshold
    for_cycles: int = Field(default=1, ge=1, le=1000, strict=True)  # no "3", 3.0 or true
    severity: Severity
    labels: Labels = Field(default_factory=dict)
    description: Note | None = None
    enabled: bool = True


class RuleOut(RuleFields):
    model_config = ConfigDict(from_attributes=True, extra="forbid")

    id: uuid.UUID
    version: int
    created_at: datetime
    updated_at: datetime
