"""The CloudEvents 1.0 JSON envelope, sent in the HTTP binding's structured mode."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

# Structured mode's media type: plain application/json would make a CloudEvents SDK read the
# body as binary-mode data rather than as an event.
MEDIA_TYPE = "application/cloudevents+json; charset=utf-8"


def rfc3339(moment: datetime | None) -> str | None:
    """An aware timestamp as RFC 3339, UTC written ``Z``."""
    if moment is None:
        return None
    return moment.isoformat().replace("+00:00", "Z")


def cloudevent(
    *, id: str, source: str, type: str, subject: str, time: datetime, data: dict[str, Any]
) -> bytes:
    """One event as the bytes every attempt sends (``id`` is the outbox message's id, so a
    receiver that drops repeated ``webhook-id`` values also drops repeated events)."""
    event = {
        "specversion": "1.0",
        "id": id,
        "source": source,
        "type": type,
        "subject": subject,
        "time": rfc3339(time),
        "datacontenttype": "application/json",
        "data": data,
    }
    return json.dumps(event, ensure_ascii=False, separators=(",", ":")).encode()
