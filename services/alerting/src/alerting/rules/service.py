"""Rules: create, list, change, delete. Services flush; the request commits."""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from alerting import sources
from alerting.models import Rule
from alerting.rules.schemas import RuleFields
from guarantee_shared.db.queries import get_or_404, keyset_page
from guarantee_shared.errors import Conflict, InvalidInput
from guarantee_shared.versions import check_version


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
    return await get_or_404(session, Rule, rule_id, for_update=for_update)


async def list_rules(
    session: AsyncSession,
    *,
    indicator: str | None,
    enabled: bool | None,
    limit: int,
    cursor: str | None,
) -> tuple[list[Rule], str | None]:
    """By name."""
    query = select(Rule)
    if indicator is not None:
        query = query.where(Rule.indicator == indicator)
    if enabled is not None:
        query = query.where(Rule.enabled.is_(enabled))
    return await keyset_page(session, query, [Rule.name, Rule.id], limit=limit, cursor=cursor)


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
