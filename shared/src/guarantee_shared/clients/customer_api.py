"""Typed client of customer-api's portfolio read model (docs/CONTRACT.md, Portfolio).

Same shape as :mod:`guarantee_shared.clients.rating_engine`: one ``httpx.AsyncClient``, explicit
timeouts, a bearer token from a string or a callable, the caller's request id forwarded, and
bounded ``stamina`` retries on transport errors and 502/503/504 (every call here is a GET, so
retrying is safe). A peer that stays down, answers 5xx or breaks the contract raises
:class:`~guarantee_shared.errors.PeerUnavailable`; a refused request (4xx) raises
:class:`CustomerApiRejected`.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from datetime import date

import httpx

from guarantee_shared.clients.base import PeerRejected, ServiceClient
from guarantee_shared.schemas.portfolio import (
    GroupBy,
    IndicatorGroup,
    IndicatorReport,
    Period,
    RegulatoryFigures,
    Signal,
    SignalKind,
    SignalPage,
)

DEFAULT_TIMEOUT = httpx.Timeout(10.0, connect=2.0)
PAGE_SIZE = 500


class CustomerApiRejected(PeerRejected):
    """customer-api refused the request (4xx): a bad query or a token it does not accept."""

    title = "customer-api rejected the request"
    slug = "customer-api-rejected"


class CustomerApiClient(ServiceClient):
    """Reads customer-api at ``base_url``; use as ``async with`` or call :meth:`aclose`."""

    peer = "customer-api"
    peer_title = "customer-api"
    rejected = CustomerApiRejected
    default_timeout = DEFAULT_TIMEOUT

    async def indicators(
        self,
        *,
        group_by: GroupBy = GroupBy.NONE,
        period: Period = Period.YTD,
        as_of: date | None = None,
        limit: int | None = None,
        cursor: str | None = None,
        request_id: str | None = None,
    ) -> IndicatorReport:
        """One answer of ``GET /v1/portfolio/indicators`` (one page for ``group_by=customer``)."""
        params: dict[str, str] = {"group_by": group_by.value, "period": period.value}
        if as_of is not None:
            params["as_of"] = as_of.isoformat()
        if limit is not None:
            params["limit"] = str(limit)
        if cursor is not None:
            params["cursor"] = cursor
        response = await self._get(
            "/v1/portfolio/indicators", httpx.QueryParams(params), request_id
        )
        return self._parse(response, IndicatorReport.model_validate_json)

    async def all_indicators(
        self,
        *,
        group_by: GroupBy = GroupBy.NONE,
        period: Period = Period.YTD,
        as_of: date | None = None,
        request_id: str | None = None,
    ) -> IndicatorReport:
        """Every group, following ``next_cursor`` (only ``group_by=customer`` pages)."""
        report = await self.indicators(
            group_by=group_by,
            period=period,
            as_of=as_of,
            limit=PAGE_SIZE if group_by is GroupBy.CUSTOMER else None,
            request_id=request_id,
        )
        groups: list[IndicatorGroup] = list(report.groups)
        cursor = report.next_cursor
        while cursor is not None:
            page = await self.indicators(
                group_by=group_by,
                period=period,
                as_of=as_of,
                limit=PAGE_SIZE,
                cursor=cursor,
                request_id=request_id,
            )
            groups.extend(page.groups)
            cursor = page.next_cursor
        return report.model_copy(update={"groups": groups, "next_cursor": None})

    async def signals(
        self,
        *,
        since: date | None = None,
        kinds: Sequence[SignalKind] = (),
        limit: int = PAGE_SIZE,
        cursor: str | None = None,
        request_id: str | None = None,
    ) -> SignalPage:
        """One page of ``GET /v1/portfolio/signals``."""
        params: list[tuple[str, str | int | float | bool | None]] = [("limit", str(limit))]
        if since is not None:
            params.append(("since", since.isoformat()))
        params.extend(("kind", kind.value) for kind in kinds)
        if cursor is not None:
            params.append(("cursor", cursor))
        response = await self._get("/v1/portfolio/signals", httpx.QueryParams(params), request_id)
        return self._parse(response, SignalPage.model_validate_json)

    async def iter_signals(
        self,
        *,
        since: date | None = None,
        kinds: Sequence[SignalKind] = (),
        request_id: str | None = None,
    ) -> AsyncIterator[Signal]:
        """Every signal, page after page."""
        cursor: str | None = None
        while True:
            page = await self.signals(
                since=since, kinds=kinds, cursor=cursor, request_id=request_id
            )
            for signal in page.items:
                yield signal
            cursor = page.next_cursor
            if cursor is None:
                return

    async def regulatory(self, *, request_id: str | None = None) -> RegulatoryFigures:
        """``GET /v1/portfolio/regulatory``: leverage and concentration against the limits."""
        response = await self._get("/v1/portfolio/regulatory", None, request_id)
        return self._parse(response, RegulatoryFigures.model_validate_json)

    async def _get(
        self, path: str, params: httpx.QueryParams | None, request_id: str | None
    ) -> httpx.Response:
        return await self._send("GET", path, params=params, request_id=request_id)
