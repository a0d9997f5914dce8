"""Idempotency-Key for creating POSTs (docs/CONTRACT.md), for any service with a key table.

The key row is written in the same transaction as the thing created, so a replayed response
always describes committed data. A transaction-scoped advisory lock on the key tells a
concurrent duplicate that the first is still in flight (409) without blocking it.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any

from fastapi import Header, Request
from fastapi.responses import Response
from pydantic import BaseModel
from sqlalchemy import DateTime, Integer, LargeBinary, String, delete, func, select
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from guarantee_shared.db.engine import SessionDep
from guarantee_shared.errors import Conflict, InvalidInput
from guarantee_shared.web.auth import CurrentPrincipal

_REPLAYED_HEADERS = ("location", "etag", "content-type")


class IdempotencyKeyColumns:
    """The key table's columns; a service maps them in its own schema:
    ``class IdempotencyKey(IdempotencyKeyColumns, Base): __tablename__ = "idempotency_keys"``."""

    # sort_order keeps the primary key (principal, key) first and in that order, as created.
    principal: Mapped[str] = mapped_column(String(200), primary_key=True, sort_order=-2)
    key: Mapped[str] = mapped_column(String(255), primary_key=True, sort_order=-1)
    route: Mapped[str] = mapped_column(String(200))
    request_hash: Mapped[str] = mapped_column(String(64))
    status_code: Mapped[int] = mapped_column(Integer)
    response_headers: Mapped[dict[str, str]] = mapped_column(JSONB)
    response_body: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class Idempotency:
    def __init__(
        self,
        session: AsyncSession,
        *,
        model: type[IdempotencyKeyColumns],
        principal: str,
        key: str | None,
        route: str,
        ttl_hours: int,
    ) -> None:
        self.session = session
        self.model = model
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
        row = await self.session.get(self.model, {"principal": self.principal, "key": self.key})
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
            row = self.model()
            row.principal = self.principal
            row.key = self.key
            row.route = self.route
            row.request_hash = self._hash
            row.status_code = response.status_code
            row.response_headers = headers
            row.response_body = bytes(response.body)
            self.session.add(row)
            await self.session.flush()
        return response

    async def run(
        self,
        body: BaseModel,
        create: Callable[[], Awaitable[Response]],
        *,
        view: Callable[[Any], Any] | None = None,
    ) -> Response:
        """The idempotent create: the stored response for a replay, else ``create()``'s
        response, remembered under the key in the same transaction.

        ``view`` renders the JSON body for the caller asking (e.g. masks what its scopes do not
        show); it applies to the first answer and to every replay alike, while the key keeps
        the whole response, so a replay never shows more than its caller may see.
        """
        response = await self.replay(body)
        if response is None:
            response = await self.remember(await create())
        return response if view is None else _rendered(response, view)

    def _lock_name(self) -> str:
        return f"idempotency:{self.principal}:{self.key}"


def _rendered(response: Response, view: Callable[[Any], Any]) -> Response:
    headers = {k: v for k, v in response.headers.items() if k != "content-length"}
    return Response(
        content=json.dumps(
            view(json.loads(bytes(response.body))), ensure_ascii=False, separators=(",", ":")
        ),
        status_code=response.status_code,
        headers=headers,
    )


def idempotency_dependency(
    model: type[IdempotencyKeyColumns],
) -> Callable[..., Idempotency]:
    """The dependency for ``Annotated[Idempotency, Depends(idempotency_dependency(Model))]``."""

    def dependency(
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
            model=model,
            principal=principal.sub,
            key=idempotency_key,
            route=f"{request.method} {request.url.path}",
            ttl_hours=request.app.state.settings.idempotency_ttl_hours,
        )

    return dependency


async def purge_expired_keys(
    session: AsyncSession, model: type[IdempotencyKeyColumns], *, ttl_hours: int
) -> None:
    cutoff = datetime.now(UTC) - timedelta(hours=ttl_hours)
    await session.execute(delete(model).where(model.created_at < cutoff))
