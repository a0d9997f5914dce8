"""Idempotency-Key for creating POSTs (CONTRACT.md); the same design as customer-api's.

The key row is written in the same transaction as the thing created, so a replayed response
always describes committed data. A transaction-scoped advisory lock on the key tells a
concurrent duplicate that the first is still in flight (409) without blocking it.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta
from typing import Annotated

from fastapi import Depends, Header, Request
from fastapi.responses import Response
from pydantic import BaseModel
from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from alerting.models import IdempotencyKey
from guarantee_shared.db.engine import SessionDep
from guarantee_shared.errors import Conflict, InvalidInput
from guarantee_shared.web.auth import CurrentPrincipal

_REPLAYED_HEADERS = ("location", "etag", "content-type")


class Idempotency:
    def __init__(
        self, session: AsyncSession, *, principal: str, key: str | None, route: str, ttl_hours: int
    ) -> None:
        self.session = session
        self.principal = principal
        self.key = key
        self.route = route
        self.ttl = timedelta(hours=ttl_hours)
        self._hash = ""

    async def replay(self, body: BaseModel) -> Response | None:
        """The stored response for this key, or None when the request should run."""
        if self.key is None:
            return None
        self._hash = hashlib.sha256(body.model_dump_json().encode()).hexdigest()
        locked = await self.session.scalar(
            select(func.pg_try_advisory_xact_lock(func.hashtextextended(self._lock_name(), 0)))
        )
        if not locked:
            raise Conflict("A request with this Idempotency-Key is still in flight; retry later")
        row = await self.session.get(IdempotencyKey, (self.principal, self.key))
        if row is not None and row.created_at < datetime.now(UTC) - self.ttl:
            await self.session.delete(row)
            await self.session.flush()
            row = None
        if row is None:
            return None
        if row.request_hash != self._hash or row.route != self.route:
            raise InvalidInput(
                "This Idempotency-Key was used with a different request body",
                loc=["header", "Idempotency-Key"],
                kind="idempotency_key_reused",
            )
        return Response(
            content=row.response_body,
            status_code=row.status_code,
            headers={**row.response_headers, "Idempotent-Replayed": "true"},
        )

    async def remember(self, response: Response) -> Response:
        """Store ``response`` under the key, in the request's transaction."""
        if self.key is not None:
            headers = {k: v for k, v in response.headers.items() if k in _REPLAYED_HEADERS}
            self.session.add(
                IdempotencyKey(
                    principal=self.principal,
                    key=self.key,
                    route=self.route,
                    request_hash=self._hash,
                    status_code=response.status_code,
                    response_headers=headers,
                    response_body=bytes(response.body),
                )
            )
            await self.session.flush()
        return response

    def _lock_name(self) -> str:
        return f"idempotency:{self.principal}:{self.key}"


def _idempotency(
    request: Request,
    session: SessionDep,
    principal: CurrentPrincipal,
    idempotency_key: Annotated[
        str | None,
        Header(
            min_length=1,
            max_length=255,
            pattern=r"^[\x21-\x7e]+$",
            description="Replays the first response for the same key and body (kept 24 h)",
        ),
    ] = None,
) -> Idempotency:
    # The concrete path, not the route template: the same key and body sent for another
    # customer or contract is another request, never a replay of the first.
    return Idempotency(
        session,
        principal=principal.sub,
        key=idempotency_key,
        route=f"{request.method} {request.url.path}",
        ttl_hours=request.app.state.settings.idempotency_ttl_hours,
    )


IdempotencyDep = Annotated[Idempotency, Depends(_idempotency)]


async def purge_expired_keys(session: AsyncSession, *, ttl_hours: int) -> None:
    cutoff = datetime.now(UTC) - timedelta(hours=ttl_hours)
    await session.execute(delete(IdempotencyKey).where(IdempotencyKey.created_at < cutoff))
