"""The settings of a service that delivers webhooks (docs/ARCHITECTURE.md, Configuration)."""

from __future__ import annotations

from pydantic import Field, model_validator

from guarantee_shared.settings import ServiceSettings


class DeliverySettings(ServiceSettings):
    # Replicas that only serve the API (or tests that drive deliveries themselves) switch the
    # worker off; every replica can still deliver when asked to.
    delivery_worker_enabled: bool = True
    # Webhook targets on private, loopback, link-local, carrier-grade NAT or any other
    # special-purpose address (outbox.targets) reach inside the network the service runs in
    # (SSRF); refused unless allowed. None: allowed except in production.
    webhook_allow_private: bool | None = None
    delivery_max_attempts: int = Field(default=8, ge=1, le=50)
    delivery_backoff_base_s: float = Field(default=2.0, gt=0)
    delivery_backoff_max_s: float = Field(default=3600.0, gt=0)
    delivery_timeout_s: float = Field(default=10.0, gt=0)
    delivery_poll_interval_s: float = Field(default=1.0, gt=0)
    delivery_batch_size: int = Field(default=20, ge=1, le=500)

    @model_validator(mode="after")
    def _private_default(self) -> DeliverySettings:
        if self.webhook_allow_private is None:
            self.webhook_allow_private = self.environment != "production"
        return self

    @property
    def allow_private_targets(self) -> bool:
        return bool(self.webhook_allow_private)

    @property
    def claim_lease_s(self) -> float:
        """How long a claimed delivery stays invisible to other workers: longer than one send,
        so a live worker is never doubled; a crashed worker's claim comes back after it."""
        return self.delivery_timeout_s * 2 + 1
