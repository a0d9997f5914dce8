"""Typed client of the alerting service's alert history (``GET /v1/alerts``).

Readers use it for figures that are useful with alerts and still meaningful without them (the
review report's warning effectiveness), so it is quick to give up: short timeouts, one try, and
every failure — transport error, 4xx/5xx, a body that breaks the contract — raised as one
:class:`~guarantee_shared.errors.PeerUnavailable` for the caller to turn into "alerts
unavailable".
"""

from __future__ import annotations

import uuid
from datetime import datetime

import httpx
from pydantic import BaseModel, ConfigDict

from guarantee_shared.clients.base import ServiceClient
from guarantee_shared.errors import PeerUnavailable

PAGE_SIZE = 500


class AlertRecord(BaseModel):
    """The part of an alert its readers rely on; unknown fields are ignored."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    id: uuid.UUID
    rule_id: uuid.UUID
    subject: str
    state: str
    severity: str
    started_at: datetime | None = None
    fired_at: datetime | None = None
    resolved_at: datetime | None = None

    @property
    def customer_id(self) -> uuid.UUID | None:
        """The customer of a customer-level alert (subject ``customer=<id>``), else None."""
        prefix, _, value = self.subject.partition("=")
        if prefix != "customer":
            return None
        try:
            return uuid.UUID(value)
        except ValueError:
            return None


class _AlertPage(BaseModel):
    model_config = ConfigDict(extra="ignore")

    items: list[AlertRecord]
    next_cursor: str | None = None


class AlertingClient(ServiceClient):
    """Reads alerting at ``base_url``; use as ``async with`` or call :meth:`aclose`."""

    peer = "alerting"
    peer_title = "Alerting"
    # Its readers can do without it: a refusal is as good as no answer, and one try is enough.
    rejected = PeerUnavailable
    default_timeout = httpx.Timeout(2.0, connect=1.0)
    default_attempts = 1

    async def alerts(
        self, *, max_pages: int = 20, request_id: str | None = None
    ) -> list[AlertRecord]:
        """Every alert but inactive ones (pending, firing, resolved), up to ``max_pages`` pages."""
        found: list[AlertRecord] = []
        cursor: str | None = None
        for _ in range(max_pages):
            params = {"limit": str(PAGE_SIZE)}
            if cursor is not None:
                params["cursor"] = cursor
            response = await self._send("GET", "/v1/alerts", params=params, request_id=request_id)
            page = self._parse(response, _AlertPage.model_validate_json)
            found.extend(page.items)
            cursor = page.next_cursor
            if cursor is None:
                break
        return found


__all__ = ["AlertRecord", "AlertingClient"]
