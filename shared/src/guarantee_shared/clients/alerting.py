"""Typed client of the alerting service's alert history (CONTRACT.md, alerting: ``GET /v1/alerts``).

Readers use it for figures that are useful with alerts and still meaningful without them (the
review report's warning effectiveness), so it is deliberately small and quick to give up: short
timeouts, no retries, and every failure — transport error, 4xx/5xx, a body that breaks the
contract — raised as one :class:`~guarantee_shared.errors.PeerUnavailable` for the caller to
turn into "alerts unavailable".
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import datetime
from types import TracebackType

import httpx
from pydantic import BaseModel, ConfigDict, ValidationError

from guarantee_shared.errors import PeerUnavailable

DEFAULT_TIMEOUT = httpx.Timeout(2.0, connect=1.0)
PAGE_SIZE = 500
PEER = "alerting"

TokenSource = str | Callable[[], str]


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


class AlertingClient:
    """Reads alerting at ``base_url``; use as ``async with`` or call :meth:`aclose`."""

    def __init__(
        self,
        base_url: str,
        *,
        token: TokenSource,
        timeout: httpx.Timeout = DEFAULT_TIMEOUT,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self._token = token
        self._http = httpx.AsyncClient(base_url=base_url, timeout=timeout, transport=transport)

    async def __aenter__(self) -> AlertingClient:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._http.aclose()

    def _headers(self) -> dict[str, str]:
        token = self._token() if callable(self._token) else self._token
        return {"Authorization": f"Bearer {token}"}

    async def alerts(self, *, max_pages: int = 20) -> list[AlertRecord]:
        """Every alert but inactive ones (pending, firing, resolved), up to ``max_pages`` pages."""
        found: list[AlertRecord] = []
        cursor: str | None = None
        for _ in range(max_pages):
            params = {"limit": str(PAGE_SIZE)}
            if cursor is not None:
                params["cursor"] = cursor
            try:
                response = await self._http.get(
                    "/v1/alerts", params=params, headers=self._headers()
                )
            except httpx.HTTPError as exc:
                raise PeerUnavailable(f"{PEER} did not answer: {exc!r}", peer=PEER) from exc
            if response.status_code != 200:
                raise PeerUnavailable(
                    f"{PEER} answered {response.status_code} to GET /v1/alerts", peer=PEER
                )
            try:
                page = _AlertPage.model_validate_json(response.content)
            except ValidationError as exc:
                raise PeerUnavailable(f"{PEER} broke the alert contract", peer=PEER) from exc
            found.extend(page.items)
            cursor = page.next_cursor
            if cursor is None:
                break
        return found


__all__ = ["AlertRecord", "AlertingClient"]
