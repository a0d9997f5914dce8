"""Engine and the request-scoped session: the request owns the transaction."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from typing import Annotated, TypeVar

from fastapi import Depends, Request
from sqlalchemy import Select
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.orm import InstrumentedAttribute

from guarantee_shared.pagination import decode_cursor, encode_cursor

T = TypeVar("T")


def asyncpg_url(url: str) -> str:
    """Accept ``postgresql://`` or ``postgres://`` URLs and use the asyncpg driver."""
    parsed = make_url(url)
    if parsed.drivername in ("postgresql", "postgres", "postgresql+psycopg", "postgresql+psycopg2"):
        parsed = parsed.set(drivername="postgresql+asyncpg")
    return parsed.render_as_string(hide_password=False)


def create_engine(url: str, *, application_name: str, pool_size: int = 10) -> AsyncEngine:
    return create_async_engine(
        asyncpg_url(url),
        pool_size=pool_size,
        max_overflow=pool_size,
        pool_pre_ping=True,
        connect_args={"server_settings": {"application_name": application_name}},
    )


def create_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False, autoflush=False)


async def _session(request: Request) -> AsyncIterator[AsyncSession]:
    maker: async_sessionmaker[AsyncSession] = request.app.state.sessionmaker
    async with maker() as session:
        try:
            yield session
        except BaseException:
            await session.rollback()
            raise
        else:
            await session.commit()


# scope="function": the commit happens before the response is sent, so a 2xx means durable.
SessionDep = Annotated[AsyncSession, Depends(_session, scope="function")]


async def page_by_int_key(
    session: AsyncSession,
    query: Select[T],
    key: InstrumentedAttribute[int],
    *,
    limit: int,
    cursor: str | None,
    descending: bool = False,
) -> tuple[Sequence[T], str | None]:
    """One keyset page of ``query`` (filters applied, no order) ordered by an integer column.

    The cost does not grow with how deep one pages: the cursor is the last key seen.
    """
    if cursor is not None:
        (last,) = decode_cursor(cursor, types=(int,))
        query = query.where(key < last if descending else key > last)
    ordered = query.order_by(key.desc() if descending else key.asc()).limit(limit + 1)
    rows = (await session.scalars(ordered)).all()
    next_cursor = None
    if len(rows) > limit:
        next_cursor = encode_cursor([getattr(rows[limit - 1], key.key)])
    return rows[:limit], next_cursor
