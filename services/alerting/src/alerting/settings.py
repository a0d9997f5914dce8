"""alerting configuration (environment variables of docs/ARCHITECTURE.md, plus its own)."""

from __future__ import annotations

import httpx
from pydantic import Field, model_validator

from guarantee_shared.settings import ServiceSettings


class AlertingSettings(ServiceSettings):
    host: str = "127.0.0.1"
    alerting_port: int = 8003
    service_name: str = "alerting"
    alert_poll_interval_s: float = Field(default=60.0, gt=0)
    # Replicas that only serve the API (or tests that drive cycles through POST /v1/evaluate)
    # switch the loops off; every replica can still deliver when asked to.
    alert_evaluator_enabled: bool = True
    delivery_worker_enabled: bool = True
    # Webhook targets on private, loopback, link-local, carrier-grade NAT or any other
    # special-purpose address (channels.targets) reach inside the network the service runs in
    # (SSRF); refused unless allowed. None: allowed except in production.
    webhook_allow_private: bool | None = None
    delivery_max_attempts: int = Field(default=8, ge=1, le=50)
    delivery_backoff_base_s: float = Field(default=2.0, gt=0)
    delivery_backoff_max_s: float = Field(default=3600.0, gt=0)
    delivery_timeout_s: float = Field(default=10.0, gt=0)
    delivery_poll_interval_s: float = Field(default=1.0, gt=0)
    delivery_batch_size: int = Field(default=20, ge=1, le=500)
    customer_api_timeout_s: float = Field(default=10.0, gt=0)
    # EXTERNAL_URL: the address people and receivers reach this service at, where links in
    # notifications point (CloudEvents source, Alertmanager externalURL and generatorURL).
    # Empty: ALERTING_URL, the address its peers use, which every deployment sets.
    external_url: str = ""

    @model_validator(mode="after")
    def _private_default(self) -> AlertingSettings:
        if self.webhook_allow_private is None:
            self.webhook_allow_private = self.environment != "production"
        return self

    @model_validator(mode="after")
    def _external_url_default(self) -> AlertingSettings:
        self.external_url = self.external_url or self.alerting_url
        try:
            url = httpx.URL(self.external_url)
        except httpx.InvalidURL as exc:
            raise ValueError(f"external_url does not parse: {exc}") from exc
        if url.scheme not in ("http", "https") or not url.host:
            raise ValueError(
                "external_url (EXTERNAL_URL, else ALERTING_URL) must be an absolute http(s) URL"
            )
        return self

    @property
    def allow_private_targets(self) -> bool:
        return bool(self.webhook_allow_private)

    @property
    def claim_lease_s(self) -> float:
        """How long a claimed delivery stays invisible to other workers: longer than one send,
        so a live worker is never doubled; a crashed worker's claim comes back after it."""
        return self.delivery_timeout_s * 2 + 1
