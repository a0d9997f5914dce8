"""customer-api configuration (environment variables of ARCHITECTURE.md)."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated

from guarantee_shared.settings import ServiceSettings
from pydantic import Field, field_validator
from pydantic_settings import NoDecode


class CustomerApiSettings(ServiceSettings):
    host: str = "127.0.0.1"
    customer_api_port: int = 8001
    # The guarantee company's own net assets, for leverage and concentration (DOMAIN §9).
    guarantor_net_assets: Decimal = Field(default=Decimal("500000000.00"), gt=0)
    guarantor_guarantee_investments: Decimal = Field(default=Decimal("0"), ge=0)
    # Early-pilot credit codes that fail the GB 32100 check but are real (DOMAIN §7).
    uscc_allowlist: Annotated[frozenset[str], NoDecode] = frozenset()
    demo_data: bool = True
    idempotency_ttl_hours: int = 24
    rating_engine_timeout_s: float = 5.0

    @field_validator("uscc_allowlist", mode="before")
    @classmethod
    def _split(cls, value: object) -> object:
        if isinstance(value, str):
            return frozenset(code.strip().upper() for code in value.split(",") if code.strip())
        return value
