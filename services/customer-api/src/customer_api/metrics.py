"""Prometheus metrics of customer-api beyond the HTTP ones (served by the shared /metrics probe).

Module-level collectors on the default registry, as prometheus_client intends: one per process.
"""

from __future__ import annotations

from prometheus_client import Counter

PARTNER_DELIVERIES = Counter(
    "customer_api_partner_deliveries_total",
    "Webhook delivery attempts of partner events, by outcome (delivered, failed, dead)",
    ["status"],
)
