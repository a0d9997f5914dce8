"""Settings base: every service reads the variables of docs/ARCHITECTURE.md the same way."""

from __future__ import annotations

from typing import Literal

from pydantic import SecretStr, model_validator
from pydantic_settings import SettingsConfigDict

from guarantee_shared.ratelimit import RateLimitSettings

# Known to everyone by design, so it is refused in production (see the validator below).
DEV_JWT_SECRET = "dev-only-secret-change-me-in-production-0123456789"  # noqa: S105


# The RATE_LIMIT_* variables come from RateLimitSettings (guarantee_shared/ratelimit.py).
class ServiceSettings(RateLimitSettings):
    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    environment: Literal["development", "test", "production"] = "development"
    database_url: str | None = None
    data_dir: str = ".data"
    auth_jwt_secret: SecretStr = SecretStr(DEV_JWT_SECRET)
    auth_jwks_url: str | None = None
    # How this service introduces itself to its peers (token `sub`), and an optional token
    # issued for it by the identity provider (see guarantee_shared.web.auth.ServiceToken).
    service_name: str = "guarantee-service"
    service_token: SecretStr | None = None
    log_level: str = "INFO"
    log_format: Literal["json", "console"] = "json"
    max_body_bytes: int = 1_048_576
    idempotency_ttl_hours: int = 24

    customer_api_url: str = "http://127.0.0.1:8001"
    rating_engine_url: str = "http://127.0.0.1:8002"
    alerting_url: str = "http://127.0.0.1:8003"

    @model_validator(mode="after")
    def _refuse_dev_secret_in_production(self) -> ServiceSettings:
        if self.environment == "production":
            if self.auth_jwt_secret.get_secret_value() == DEV_JWT_SECRET and not self.auth_jwks_url:
                raise ValueError(
                    "ENVIRONMENT=production needs AUTH_JWKS_URL or a non-default AUTH_JWT_SECRET"
                )
            if len(self.auth_jwt_secret.get_secret_value()) < 32 and not self.auth_jwks_url:
                raise ValueError("AUTH_JWT_SECRET must be at least 32 characters in production")
        return self
