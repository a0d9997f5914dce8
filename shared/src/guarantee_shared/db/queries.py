"""The query shapes every service repeats: one row or 404, and one keyset page of a list."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, Select, and_, false, or_, select, true, tuple_
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

from guarantee_shared.errors import NotFound
from guarantee_shared.pagination import decode_cursor, encode_cursor

M = TypeVar("M")
T = TypeVar("T")


def _label(model: type[Any]) -> str:
    """``CreditEvent`` → ``credit event``: how a 404 names what was not found."""
    return re.sub(r"(?<!^)(?=[A-Z])", " ", model.__name__).lower()


async def get_or_404(
    session: AsyncSession,
    model: type[M],
    ident: Any,
    *,
    for_update: bool = False,
    for_share: bool = False,
    **parent: Any,
) -> M:
    """The ``model`` row whose ``id`` is ``ident`` (and whose columns match ``parent``, e.g.
    ``customer_id=…`` for a resource nested under a customer), or :class:`NotFound`.

    ``for_update`` locks the row for the transaction (``FOR NO KEY UPDATE``) and reads it
    afresh under the lock;
    ``for_share`` takes the share lock instead (holds off writers, not other readers).
    """
    query = select(model).where(getattr(model, "id") == ident)  # noqa: B009 - any mapped model
    for name, value in parent.items():
        query = query.where(getattr(model, name) == value)
    if for_update or for_share:
        # FOR NO KEY UPDATE for an update (what the UPDATE itself takes, so foreign-key checks
        # of rows referring to this one do not wait on it), FOR SHARE to hold writers off.
        shared = for_share and not for_update
        query = query.with_for_update(read=shared, key_share=not shared)
        query = query.execution_options(populate_existing=True)
    row = await session.scalar(query)
    if row is None:
        owner = "".join(
            f" for {n.removesuffix('_id').replace('_', ' ')} {v}" for n, v in parent.items()
        )
        raise NotFound(f"No {_label(model)} with id {ident}{owner}")
    return row


async def ensure_exists(session: AsyncSession, model: type[Any], ident: Any) -> None:
    """:class:`NotFound` unless a ``model`` row has the id ``ident`` (reads only the id)."""
    found = await session.scalar(select(model.id).where(model.id == ident))
    if found is None:
        raise NotFound(f"No {_label(model)} with id {ident}")


@dataclass(frozen=True)
class SortKey:
    """One part of a keyset order: the SQL to order by, how to read it off a row, its type.

    Most keys are plain columns (pass the mapped attribute to :func:`keyset_page`); a key
    computed in SQL (an indexed expression) says how to compute the same value from a row.
    """

    expression: ColumnElement[Any]
    value: Callable[[Any], Any]
    type: type
    nullable: bool = False

    @classmethod
    def of(cls, attribute: InstrumentedAttribute[Any]) -> SortKey:
        column = attribute.property.columns[0]
        return cls(
            expression=attribute.expression,
            value=lambda row: getattr(row, attribute.key),
            type=column.type.python_type,
            nullable=bool(column.nullable),
        )


def _after(
    keys: Sequence[SortKey], last: Sequence[Any], *, descending: bool
) -> ColumnElement[bool]:
    """Rows strictly after ``last`` in the order of ``keys`` (PostgreSQL sorts NULL as the
    largest value: last ascending, first descending)."""
    if not any(key.nullable for key in keys):
        if len(keys) == 1:
            column, value = keys[0].expression, last[0]
            single: ColumnElement[bool] = column < value if descending else column > value
            return single
        row, bound = tuple_(*(k.expression for k in keys)), tuple_(*last)
        return row < bound if descending else row > bound
    # With a NULL in play a row comparison is unknown, so spell the lexicographic order out.
    clauses: list[ColumnElement[bool]] = []
    equal: list[ColumnElement[bool]] = []
    for key, value in zip(keys, last, strict=True):
        column = key.expression
        beyond: ColumnElement[bool]
        if value is None:
            beyond = column.is_not(None) if descending else false()
            same = column.is_(None)
        else:
            beyond = column < value if descending else or_(column > value, column.is_(None))
            same = column == value
        clauses.append(and_(*equal, beyond) if equal else beyond)
        equal.append(same)
    return or_(*clauses) if clauses else true()


async def keyset_page(
    session: AsyncSession,
    query: Select[T],
    order: Sequence[InstrumentedAttribute[Any] | SortKey],
    *,
    limit: int,
    cursor: str | None,
    descending: bool = False,
) -> tuple[list[T], str | None]:
    """One page of ``query`` (filters applied, no order) in the order of ``order``, whose last
    part must be unique (the id). The cursor is the last row's key, so the cost of a page does
    not grow with how deep one pages; a cursor this list did not issue is a 422.
    """
    keys = [k if isinstance(k, SortKey) else SortKey.of(k) for k in order]
    if cursor is not None:
        last = decode_cursor(
            cursor, types=[k.type for k in keys], nullable=[k.nullable for k in keys]
        )
        query = query.where(_after(keys, last, descending=descending))
    ordering = [k.expression.desc() if descending else k.expression.asc() for k in keys]
    rows = list((await session.scalars(query.order_by(*ordering).limit(limit + 1))).all())
    if len(rows) <= limit:
        return rows, None
    tail = rows[limit - 1]
    return rows[:limit], encode_cursor([k.value(tail) for k in keys])
