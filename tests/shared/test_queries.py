"""The shared query kit on a real PostgreSQL: keyset pages in every key shape, get-or-404."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import DateTime, ForeignKey, Numeric, String, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.orm import DeclarativeBase, InstrumentedAttribute, Mapped, mapped_column

from guarantee_shared.db.engine import asyncpg_url
from guarantee_shared.db.queries import SortKey, ensure_exists, get_or_404, keyset_page
from guarantee_shared.errors import InvalidInput, NotFound
from guarantee_shared.pagination import encode_cursor
from tests.support.database import create_database, drop_database


class Base(DeclarativeBase):
    pass


class Owner(Base):
    __tablename__ = "owners"
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)


class Thing(Base):
    __tablename__ = "things"
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    owner_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("owners.id"))
    seq: Mapped[int]
    name: Mapped[str] = mapped_column(String(50))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    score: Mapped[Decimal | None] = mapped_column(Numeric(8, 2))


@pytest.fixture(scope="module")
def db_url(pg_admin_url: str) -> Iterator[str]:
    url = create_database(pg_admin_url, prefix="test_kit")
    yield url
    drop_database(pg_admin_url, url)


@pytest.fixture(scope="module")
async def maker(db_url: str) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    engine = create_async_engine(asyncpg_url(db_url))
    async with engine.begin() as conn:
        await conn.run_sync(Base.metadata.create_all)
    owner = uuid.uuid4()
    start = datetime(2026, 1, 1, tzinfo=UTC)
    things = [
        Thing(
            id=uuid.uuid4(),
            owner_id=owner,
            seq=i,
            name=f"n{i % 4}",  # repeated names: the id breaks ties
            at=start + timedelta(hours=i % 5),
            score=None if i % 3 == 0 else Decimal(i % 7) / 4,  # NULLs and repeats
        )
        for i in range(23)
    ]
    maker = async_sessionmaker(engine, expire_on_commit=False)
    async with maker.begin() as session:
        session.add(Owner(id=owner))
        await session.flush()
        session.add_all(things)
    yield maker
    await engine.dispose()


Order = list[InstrumentedAttribute[Any] | SortKey]


async def _walk(
    session: AsyncSession, order: Order, *, descending: bool, limit: int
) -> list[uuid.UUID]:
    seen: list[uuid.UUID] = []
    cursor: str | None = None
    while True:
        rows, cursor = await keyset_page(
            session, select(Thing), order, limit=limit, cursor=cursor, descending=descending
        )
        assert len(rows) <= limit
        seen.extend(r.id for r in rows)
        if cursor is None:
            return seen


@pytest.mark.parametrize("descending", [False, True])
@pytest.mark.parametrize("limit", [1, 3, 22, 23, 50])
@pytest.mark.parametrize(
    "order",
    [
        [Thing.id],
        [Thing.seq],
        [Thing.name, Thing.id],
        [Thing.at, Thing.id],
        [Thing.score, Thing.id],  # nullable
        [Thing.score, Thing.name, Thing.id],  # nullable, then text
    ],
    ids=["uuid", "int", "text", "timestamp", "nullable", "nullable-text"],
)
async def test_pages_walk_the_whole_ordered_list_once(
    maker: async_sessionmaker[AsyncSession], order: Order, descending: bool, limit: int
) -> None:
    async with maker() as session:
        columns = [k.expression for k in order]  # type: ignore[union-attr]
        ordering = [c.desc() if descending else c.asc() for c in columns]
        expected = list(await session.scalars(select(Thing.id).order_by(*ordering)))
        assert await _walk(session, order, descending=descending, limit=limit) == expected


async def test_an_expression_key_pages_like_its_column(
    maker: async_sessionmaker[AsyncSession],
) -> None:
    key = SortKey(
        expression=func.coalesce(Thing.score, -1),
        value=lambda t: t.score if t.score is not None else Decimal(-1),
        type=Decimal,
    )
    async with maker() as session:
        expected = list(
            await session.scalars(
                select(Thing.id).order_by(func.coalesce(Thing.score, -1).desc(), Thing.id.desc())
            )
        )
        assert await _walk(session, [key, Thing.id], descending=True, limit=4) == expected


async def test_a_cursor_of_another_order_is_refused(
    maker: async_sessionmaker[AsyncSession],
) -> None:
    async with maker() as session:
        _, by_name = await keyset_page(
            session, select(Thing), [Thing.name, Thing.id], limit=2, cursor=None
        )
        assert by_name is not None
        with pytest.raises(InvalidInput):
            await keyset_page(session, select(Thing), [Thing.at, Thing.id], limit=2, cursor=by_name)
        null_name = encode_cursor([None, str(uuid.uuid4())])  # NULL where a key cannot be NULL
        with pytest.raises(InvalidInput):
            await keyset_page(
                session, select(Thing), [Thing.name, Thing.id], limit=2, cursor=null_name
            )


async def test_get_or_404(maker: async_sessionmaker[AsyncSession]) -> None:
    async with maker() as session:
        thing = (await session.scalars(select(Thing).limit(1))).one()
        assert (await get_or_404(session, Thing, thing.id)).id == thing.id
        assert await get_or_404(session, Thing, thing.id, owner_id=thing.owner_id) is thing
        missing = uuid.uuid4()
        with pytest.raises(NotFound, match=f"No thing with id {missing}"):
            await get_or_404(session, Thing, missing)
        other = uuid.uuid4()
        with pytest.raises(NotFound, match=f"for owner {other}"):
            await get_or_404(session, Thing, thing.id, owner_id=other)
        await ensure_exists(session, Owner, thing.owner_id)
        with pytest.raises(NotFound, match="No owner with id"):
            await ensure_exists(session, Owner, missing)


async def test_for_update_reads_the_row_afresh_under_the_lock(
    maker: async_sessionmaker[AsyncSession],
) -> None:
    async with maker() as reader, maker() as writer:
        thing = (await reader.scalars(select(Thing).order_by(Thing.seq).limit(1))).one()
        thing_id, thing_name = thing.id, thing.name
        rename = update(Thing).where(Thing.id == thing_id)
        async with writer.begin():
            await writer.execute(rename.values(name="renamed"))
        stale = await get_or_404(reader, Thing, thing_id)
        assert stale.name == thing_name  # the identity map's copy
        locked = await get_or_404(reader, Thing, thing_id, for_update=True)
        assert locked.name == "renamed"
        await reader.rollback()
        async with writer.begin():
            await writer.execute(rename.values(name=thing_name))
