"""customer-api configuration (environment variables of docs/ARCHITECTURE.md)."""

from __future__ import annotations

from decimal import Decimal
from types import MappingProxyType
from typing import Annotated

from pydantic import Field, ValidationInfo, field_validator
from pydantic_settings import NoDecode

from guarantee_shared.outbox.settings import DeliverySettings

# Default collateral haircuts by kind (DOMAIN §8, ours). COLLATERAL_HAIRCUTS (a JSON object)
# overrides some or all of them without a release.
DEFAULT_COLLATERAL_HAIRCUTS = MappingProxyType(
    {
        "deposit": Decimal("0.0"),
        "real_estate": Decimal("0.3"),
        "equity_pledge": Decimal("0.5"),
        "receivables": Decimal("0.4"),
        "equipment": Decimal("0.5"),
        "corporate_guarantee": Decimal("0.7"),
        "personal_guarantee": Decimal("0.8"),
        "other": Decimal("0.8"),
    }
)

DEFAULT_REVIEW_INTERVAL_DAYS = MappingProxyType({"low": 180, "medium": 90, "high": 30})
DEFAULT_COMPLAINT_DUE_DAYS = MappingProxyType({"high": 2, "medium": 5, "low": 10})


class CustomerApiSettings(DeliverySettings):
    """customer-api's own settings; the webhook delivery ones (DELIVERY_*,
    WEBHOOK_ALLOW_PRIVATE: partners' rating.changed events) are shared with alerting."""

    host: str = "127.0.0.1"
    customer_api_port: int = 8001
    # The guarantee company's own net assets, for leverage and concentration (DOMAIN §9).
    guarantor_net_assets: Decimal = Field(default=Decimal("500000000.00"), gt=0)
    guarantor_guarantee_investments: Decimal = Field(default=Decimal("0"), ge=0)
    # DOMAIN §14: an unrated or stale-rated customer is a violation, not a warning.
    policy_require_rating: bool = False
    # Days an approval stays open to decide, and an approved one to use.
    approval_ttl_days: int = Field(default=30, gt=0, le=3650)
    # Early-pilot credit codes that fail the GB 32100 check but are real (DOMAIN §7).
    uscc_allowlist: Annotated[frozenset[str], NoDecode] = frozenset()
    demo_data: bool = True
    rating_engine_timeout_s: float = 5.0
    service_name: str = "customer-api"
    collateral_haircuts: dict[str, Decimal] = Field(
        default_factory=lambda: dict(DEFAULT_COLLATERAL_HAIRCUTS)
    )
    # DOMAIN §5: days between verifications by risk tier, used when the latest rating does not
    # carry its own interval; unrated customers are scheduled as medium (ours).
    review_interval_days: dict[str, int] = Field(
        default_factory=lambda: dict(DEFAULT_REVIEW_INTERVAL_DAYS)
    )
    # DOMAIN §11: days from a complaint's creation to its due time, by severity.
    complaint_due_days: dict[str, int] = Field(
        default_factory=lambda: dict(DEFAULT_COMPLAINT_DUE_DAYS)
    )
    # DOMAIN §16: the PD of a customer without a rating, and the least LGD of a customer.
    default_pd: Decimal = Field(default=Decimal("0.05"), gt=0, le=1)
    lgd_floor: Decimal = Field(default=Decimal("0.10"), ge=0, le=1)
    # DOMAIN §16 reserves (融资性担保公司管理暂行办法 art. 30): the unearned-premium reserve as a
    # share of the year's fee income; the compensation reserve added yearly as a share of the
    # year-end liability, until the accumulated reserve reaches the cap share of it.
    unearned_premium_reserve_rate: Decimal = Field(default=Decimal("0.50"), ge=0, le=1)
    compensation_reserve_rate: Decimal = Field(default=Decimal("0.01"), ge=0, le=1)
    compensation_reserve_cap: Decimal = Field(default=Decimal("0.10"), ge=0, le=1)
    # Ledger imports: the largest accepted upload, rows per committed batch, errors kept.
    import_max_bytes: int = Field(default=200 * 1024 * 1024, gt=0)
    import_batch_rows: int = Field(default=500, ge=1, le=10_000)
    import_errors_kept: int = Field(default=1000, ge=1)

    @field_validator("uscc_allowlist", mode="before")
    @classmethod
    def _split(cls, value: object) -> object:
        if isinstance(value, str):
            return frozenset(code.strip().upper() for code in value.split(",") if code.strip())
        return value

    @field_validator("collateral_haircuts")
    @classmethod
    def _haircuts(cls, value: dict[str, Decimal]) -> dict[str, Decimal]:
        unknown = sorted(set(value) - set(DEFAULT_COLLATERAL_HAIRCUTS))
        if unknown:
            raise ValueError(f"unknown collateral kinds: {', '.join(unknown)}")
        outside = sorted(kind for kind, haircut in value.items() if not 0 <= haircut <= 1)
        if outside:
            raise ValueError(f"haircuts must be between 0 and 1: {', '.join(outside)}")
        return {**DEFAULT_COLLATERAL_HAIRCUTS, **value}

    @field_validator("review_interval_days", "complaint_due_days")
    @classmethod
    def _per_level(cls, value: dict[str, int], info: ValidationInfo) -> dict[str, int]:
        defaults = (
            DEFAULT_REVIEW_INTERVAL_DAYS
            if info.field_name == "review_interval_days"
            else DEFAULT_COMPLAINT_DUE_DAYS
        )
        unknown = sorted(set(value) - {"low", "medium", "high"})
        if unknown:
            raise ValueError(f"unknown levels: {', '.join(unknown)} (low, medium, high)")
        if any(days < 1 for days in value.values()):
            raise ValueError("every interval must be at least 1 day")
        return {**defaults, **value}
