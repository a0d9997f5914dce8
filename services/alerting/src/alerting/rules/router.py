"""/v1/rules: thin handlers over rules.service."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import Query
from fastapi.responses import Response

from alerting.deps import AlertsRead, AlertsWrite, IdempotencyDep, SessionDep
from alerting.models import Rule
from alerting.rules import service
from alerting.rules.schemas import RuleFields, RuleOut
from guarantee_shared.pagination import DEFAULT_LIMIT, Page, page_of
from guarantee_shared.web.http import CursorQuery, IfMatchDep, LimitQuery, json_response
from guarantee_shared.web.routing import api_router

router = api_router(prefix="/v1/rules", tags=["rules"])


def _respond(rule: Rule, *, status_code: int = 200) -> Response:
    return json_response(
        RuleOut.model_validate(rule),
        status_code=status_code,
        version=rule.version,
        location=f"/v1/rules/{rule.id}" if status_code == 201 else None,
    )


@router.post("", status_code=201, response_model=RuleOut, summary="Create a rule")
async def create_rule(
    body: RuleFields, session: SessionDep, _: AlertsWrite, idempotency: IdempotencyDep
) -> Response:
    async def create() -> Response:
        rule = await service.create(session, body)
        return _respond(rule, status_code=201)

    return await idempotency.run(body, create)


@router.get("", response_model=Page[RuleOut], summary="List rules, by name")
async def list_rules(
    session: SessionDep,
    _: AlertsRead,
    indicator: Annotated[str | None, Query(max_length=80)] = None,
    enabled: bool | None = None,
    limit: LimitQuery = DEFAULT_LIMIT,
    cursor: CursorQuery = None,
) -> Page[RuleOut]:
    return page_of(
        RuleOut,
        await service.list_rules(
            session, indicator=indicator, enabled=enabled, limit=limit, cursor=cursor
        ),
    )


@router.get("/{rule_id}", response_model=RuleOut, summary="One rule")
async def get_rule(rule_id: uuid.UUID, session: SessionDep, _: AlertsRead) -> Response:
    return _respond(await service.get(session, rule_id))


@router.put("/{rule_id}", response_model=RuleOut, summary="Replace a rule (If-Match)")
async def put_rule(
    rule_id: uuid.UUID,
    body: RuleFields,
    session: SessionDep,
    _: AlertsWrite,
    expected_version: IfMatchDep,
) -> Response:
    rule = await service.get(session, rule_id, for_update=True)
    return _respond(await service.replace(session, rule, body, expected_version=expected_version))


@router.delete("/{rule_id}", status_code=204, summary="Delete a rule and its alerts (If-Match)")
async def delete_rule(
    rule_id: uuid.UUID, session: SessionDep, _: AlertsWrite, expected_version: IfMatchDep
) -> Response:
    rule = await service.get(session, rule_id, for_update=True)
    await service.delete(session, rule, expected_version=expected_version)
    return Response(status_code=204)
