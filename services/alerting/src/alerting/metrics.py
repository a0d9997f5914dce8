"""Prometheus metrics of alerting (served by the shared /metrics probe).

Module-level collectors on the default registry, as prometheus_client intends: one per process.
Indicator gauges and alert counts are set by the replica that ran the latest cycle.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

from prometheus_client import Counter, Gauge, Histogram

INDICATOR = Gauge(
    "guarantee_indicator",
    "Every indicator value alerting evaluated in its latest cycle",
    ["indicator", "scope", "subject"],
)
ALERTS = Gauge("guarantee_alerts", "Alerts by state and severity", ["state", "severity"])
CUSTOMER_API_UP = Gauge(
    "alerting_customer_api_up", "1 when the latest cycle could read every source from customer-api"
)
EVALUATION_SECONDS = Histogram(
    "alerting_evaluation_duration_seconds",
    "Duration of one evaluation cycle (fetch, evaluate, persist)",
    buckets=(0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120),
)
CYCLES = Counter("alerting_evaluations_total", "Evaluation cycles run", ["outcome"])
DELIVERIES = Counter("alerting_deliveries_total", "Webhook delivery attempts", ["status"])

STATES = ("inactive", "pending", "firing", "resolved")
SEVERITIES = ("info", "warning", "critical")


def publish_indicators(values: Iterable[tuple[str, str, str, Decimal]]) -> None:
    """Replace the indicator gauges with this cycle's values (subjects gone are dropped)."""
    INDICATOR.clear()
    for indicator, scope, subject, value in values:
        INDICATOR.labels(indicator=indicator, scope=scope, subject=subject).set(float(value))


def publish_alert_counts(counts: dict[tuple[str, str], int]) -> None:
    for state in STATES:
        for severity in SEVERITIES:
            ALERTS.labels(state=state, severity=severity).set(counts.get((state, severity), 0))
