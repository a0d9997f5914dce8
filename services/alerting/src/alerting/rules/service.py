"""Rules: create, list, change, delete. Services flush; the request commits."""

from __future__ import annotations

import uuid

from sqlalchemy import select, tuple_
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from alerting import sources
from alerting.models import Rule
from alerting.rules.schemas import RuleFields
from guarantee_shared.errors import Conflict, InvalidInput, NotFound
from guarantee_shared.pagination import bad_cursor, decode_cursor, encode_cursor
from guarantee_shared.web.http import check_version


def _check(fields: RuleFields) -> None:
    problem = sources.rule_problem(
        indicator=fields.indicator,
        scope=fields.scope,
        scope_value=fields.scope_value,
        match=fields.match,
    )
    if problem is not None:
        field, message = problem
        raise InvalidInput(message, loc=["body", field])


def _values(fields: RuleFields) -> dict[str, object]:
    _check(fields)
    values = fields.model_dump()
    values["op"] = fields.op.value
    values["severity"] = fields.severity.value
    return values


async def _flush(session: AsyncSession, name: str) -> None:
    try:
        async with session.begin_nested():
            await session.flush()
    except IntegrityError as exc:
        raise Conflict(f"A rule named {name!r} exists already", field="name") from exc


async def create(session: AsyncSession, fields: RuleFields) -> Rule:
    rule = Rule(id=uuid.uuid4(), **_values(fields))
    session.add(rule)
    await _flush(session, fields.name)
    await session.refresh(rule)
    return rule


async def get(session: AsyncSession, rule_id: uuid.UUID, *, for_update: bool = False) -> Rule:
    rule = await session.get(Rule, rule_id, with_for_update=for_update)
    if rule is None:
        raise NotFound(f"No rule {rule_id}")
    return rule


async def list_rules(
    session: AsyncSession,
    *,
    indicator: str | None,
    enabled: bool | None,
    limit: int,
    cursor: str | None,
) -> tuple[list[Rule], str | None]:
    query = select(Rule).order_by(Rule.name, Rule.id).limit(limit + 1)
    if indicator is not None:
        query = query.where(Rule.indicator == indicator)
    if enabled is not None:
        query = query.where(Rule.enabled.is_(enabled))
    if cursor is not None:
        name, last_id = decode_cursor(cursor, types=(str, str))
        try:
            after = uuid.UUID(last_id)
        except ValueError as exc:
            raise bad_cursor() from exc
        query = query.where(tuple_(Rule.name, Rule.id) > tuple_(name, after))
    rows = list(await session.scalars(query))
    more = len(rows) > limit
    rows = rows[:limit]
    return rows, encode_cursor([rows[-1].name, str(rows[-1].id)]) if more else None


async def replace(
    session: AsyncSession, rule: Rule, fields: RuleFields, *, expected_version: int
) -> Rule:
    check_version(current=rule.version, expected=expected_version)
    for key, value in _values(fields).items():
        setattr(rule, key, value)
    await _flush(session, fields.name)
    await session.refresh(rule)
    return rule


async def delete(session: AsyncSession, rule: Rule, *, expected_version: int) -> None:
    check_version(current=rule.version, expected=expected_version)
    await session.delete(rule)
    await session.flush()
