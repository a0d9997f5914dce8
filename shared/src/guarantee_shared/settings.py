"""Settings base: every service reads the variables of docs/ARCHITECTURE.md the same way."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, SecretStr, field_validator, model_validator
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
    # Checked on every token when set (the `iss` and `aud` the identity provider issues with);
    # the tokens a service signs for itself carry them too.
    auth_issuer: str | None = None
    auth_audience: str | None = None
    # The longest lifetime (exp - iat) a token may have, so a token leaked or minted for a
    # month is not accepted for that month.
    auth_max_token_ttl_s: int = Field(default=86_400, gt=0)
    # /metrics needs `Authorization: Bearer <METRICS_TOKEN>` when set; production needs it set
    # (guarantee_shared.web.app.build_app refuses to start otherwise).
    metrics_token: SecretStr | None = None
    # How this service introduces itself to its peers (token `sub`), and an optional token
    # issued for it by the identity provider (see guarantee_shared.web.auth.ServiceToken).
    service_name: str = "guarantee-service"
    service_token: SecretStr | None = None
    log_level: str = "INFO"
    log_format: Literal["json", "console"] = "json"
    max_body_bytes: int = 1_048_576
    # Strict-Transport-Security max-age on answers to requests that came over TLS; 0: none.
    hsts_max_age_s: int = Field(default=31_536_000, ge=0)
    idempotency_ttl_hours: int = 24
    # Shutdown (guarantee_shared.web.server): after SIGTERM, seconds /readyz answers 503 while
    # requests are still served, so load balancers stop sending any (None: 5 in production,
    # else 0); then seconds in-flight requests get to finish before they are cancelled.
    shutdown_drain_s: float | None = Field(default=None, ge=0)
    shutdown_timeout_s: int = Field(default=20, ge=0)

    customer_api_url: str = "http://127.0.0.1:8001"
    rating_engine_url: str = "http://127.0.0.1:8002"
    alerting_url: str = "http://127.0.0.1:8003"

    @field_validator("auth_issuer", "auth_audience", "metrics_token", mode="before")
    @classmethod
    def _empty_is_unset(cls, value: object) -> object:
        # `METRICS_TOKEN=` in an .env file means "not set", never "the empty token".
        return None if isinstance(value, str) and not value.strip() else value

    @model_validator(mode="after")
    def _drain_default(self) -> ServiceSettings:
        if self.shutdown_drain_s is None:
            self.shutdown_drain_s = 5.0 if self.environment == "production" else 0.0
        return self

    @model_validator(mode="after")
    def _refuse_dev_secret_in_production(self) -> ServiceSettings:
        if self.environment == "production":
            if self.metrics_token is not None and len(self.metrics_token.get_secret_value()) < 32:
                raise ValueError("METRICS_TOKEN must be at least 32 characters in production")
            if self.auth_jwt_secret.get_secret_value() == DEV_JWT_SECRET and not self.auth_jwks_url:
                raise ValueError(
                    "ENVIRONMENT=production needs AUTH_JWKS_URL or a non-default AUTH_JWT_SECRET"
                )
            if len(self.auth_jwt_secret.get_secret_value()) < 32 and not self.auth_jwks_url:
                raise ValueError("AUTH_JWT_SECRET must be at least 32 characters in production")
        return self
