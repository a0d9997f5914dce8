"""alerting configuration (environment variables of docs/ARCHITECTURE.md, plus its own)."""

from __future__ import annotations

import httpx
from pydantic import Field, model_validator

from guarantee_shared.outbox.settings import DeliverySettings


class AlertingSettings(DeliverySettings):
    """alerting's own settings; the webhook delivery ones (DELIVERY_*, WEBHOOK_ALLOW_PRIVATE)
    are shared with every service that delivers webhooks."""

    host: str = "127.0.0.1"
    alerting_port: int = 8003
    service_name: str = "alerting"
    alert_poll_interval_s: float = Field(default=60.0, gt=0)
    # Replicas that only serve the API (or tests that drive cycles through POST /v1/evaluate)
    # switch the evaluator off.
    alert_evaluator_enabled: bool = True
    customer_api_timeout_s: float = Field(default=10.0, gt=0)
    # EXTERNAL_URL: the address people and receivers reach this service at, where links in
    # notifications point (CloudEvents source, Alertmanager externalURL and generatorURL).
    # Empty: ALERTING_URL, the address its peers use, which every deployment sets.
    external_url: str = ""

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
