"""Notification bodies: what an alert's state change says, in the format its channel chose.

Signing (Standard Webhooks) and the CloudEvents envelope are shared with every service that
sends webhooks (:mod:`guarantee_shared.outbox`). Bodies are CloudEvents 1.0 JSON (``type``
``alert.firing`` / ``alert.resolved``, ``id`` = the webhook id) in the HTTP binding's
structured mode, whose media type is ``application/cloudevents+json``, or the Alertmanager
webhook payload, version "4", with one alert per message, as ``application/json``.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

from alerting.evaluation import Notify
from guarantee_shared.outbox import cloudevents
from guarantee_shared.outbox.cloudevents import rfc3339

# Alertmanager's zero time: endsAt of an alert still firing.
ZERO_TIME = "0001-01-01T00:00:00Z"


class Format(StrEnum):
    CLOUDEVENTS = "cloudevents"
    ALERTMANAGER = "alertmanager"

    @property
    def media_type(self) -> str:
        """The Content-Type a body of this format is sent with."""
        if self is Format.CLOUDEVENTS:
            return cloudevents.MEDIA_TYPE
        return "application/json"


def _number(value: Decimal | None) -> str | None:
    return None if value is None else format(value.normalize(), "f")


@dataclass(frozen=True)
class AlertNotice:
    """What a notification says about one alert at the moment its state changed."""

    alert_id: uuid.UUID
    rule_id: uuid.UUID
    rule_name: str
    fingerprint: str
    subject: str
    state: str
    severity: str
    indicator: str
    op: str
    value: Decimal | None
    threshold: Decimal
    labels: dict[str, str]
    started_at: datetime | None
    resolved_at: datetime | None
    description: str | None = None

    def summary(self) -> str:
        value = _number(self.value) if self.value is not None else "no value"
        return (
            f"{self.indicator} of {self.subject} is {value} "
            f"({self.op} {_number(self.threshold)}): {self.state}"
        )

    def annotations(self) -> dict[str, str]:
        notes = {"summary": self.summary()}
        if self.description:
            notes["description"] = self.description
        if self.value is not None:
            notes["value"] = _number(self.value) or ""
        notes["threshold"] = _number(self.threshold) or ""
        return notes

    def as_data(self) -> dict[str, Any]:
        return {
            "alert_id": str(self.alert_id),
            "rule_id": str(self.rule_id),
            "rule_name": self.rule_name,
            "fingerprint": self.fingerprint,
            "subject": self.subject,
            "state": self.state,
            "severity": self.severity,
            "indicator": self.indicator,
            "op": self.op,
            "value": _number(self.value),
            "threshold": _number(self.threshold),
            "labels": self.labels,
            "annotations": self.annotations(),
            "started_at": rfc3339(self.started_at),
            "resolved_at": rfc3339(self.resolved_at),
        }


def cloudevent(
    notice: AlertNotice, *, msg_id: str, kind: Notify, source: str, at: datetime
) -> bytes:
    return cloudevents.cloudevent(
        id=msg_id,
        source=source,
        type=f"alert.{kind}",
        subject=notice.subject,
        time=at,
        data=notice.as_data(),
    )


def _quote(value: str) -> str:
    return json.dumps(value, ensure_ascii=False)


def alertmanager(notice: AlertNotice, *, kind: Notify, receiver: str, external_url: str) -> bytes:
    """Alertmanager's webhook message (``version: "4"``), one alert per notification."""
    group_labels = {"alertname": notice.rule_name, "subject": notice.subject}
    group_key = "{}:{" + ",".join(f"{k}={_quote(v)}" for k, v in group_labels.items()) + "}"
    alert = {
        "status": kind,
        "labels": notice.labels,
        "annotations": notice.annotations(),
        "startsAt": rfc3339(notice.started_at) or ZERO_TIME,
        "endsAt": rfc3339(notice.resolved_at) if kind == "resolved" else ZERO_TIME,
        "generatorURL": f"{external_url.rstrip('/')}/v1/alerts/{notice.alert_id}",
        "fingerprint": notice.fingerprint,
    }
    message = {
        "version": "4",
        "groupKey": group_key,
        "truncatedAlerts": 0,
        "status": kind,
        "receiver": receiver,
        "groupLabels": group_labels,
        "commonLabels": notice.labels,
        "commonAnnotations": notice.annotations(),
        "externalURL": external_url,
        "alerts": [alert],
    }
    return json.dumps(message, ensure_ascii=False, separators=(",", ":")).encode()


def render(
    notice: AlertNotice,
    *,
    fmt: Format,
    msg_id: str,
    kind: Notify,
    receiver: str,
    external_url: str,
    at: datetime,
) -> bytes:
    if fmt is Format.ALERTMANAGER:
        return alertmanager(notice, kind=kind, receiver=receiver, external_url=external_url)
    return cloudevent(notice, msg_id=msg_id, kind=kind, source=external_url, at=at)
