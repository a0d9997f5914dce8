"""/v1/partners: the registry of partner banks (scope admin), and each partner's webhook
subscriptions and deliveries (admin, or the partner's own token)."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import Body, Path, Response

from customer_api.deps import AdminOnly, IdempotencyDep, PartnerManager, SessionDep, SettingsDep
from customer_api.models import Partner, PartnerSubscription
from customer_api.partners import service
from customer_api.partners.schemas import (
    DeliveryOut,
    DeliveryStatus,
    PartnerChange,
    PartnerFields,
    PartnerOut,
    SubscriptionFields,
    SubscriptionOut,
)
from guarantee_shared.pagination import DEFAULT_LIMIT, Page, page_of
from guarantee_shared.web.http import CursorQuery, IfMatchDep, LimitQuery, json_response
from guarantee_shared.web.patch import apply_patch, merge_patch_doc
from guarantee_shared.web.routing import api_router

router = api_router(prefix="/v1/partners", tags=["partners"])

CodePath = Annotated[str, Path(max_length=64, description="The partner's code")]


def _respond(partner: Partner, *, status_code: int = 200) -> Response:
    location = f"/v1/partners/{partner.code}" if status_code == 201 else None
    return json_response(
        PartnerOut.model_validate(partner),
        status_code=status_code,
        version=partner.version,
        location=location,
    )


@router.post(
    "",
    status_code=201,
    response_model=PartnerOut,
    summary="Register a partner bank",
    responses={
        409: {"description": "The code exists, or a lender name is another partner's (named)"}
    },
)
async def create_partner(
    body: PartnerFields, session: SessionDep, principal: AdminOnly, idempotency: IdempotencyDep
) -> Response:
    async def create() -> Response:
        partner = await service.create(session, body, actor=principal.sub)
        return _respond(partner, status_code=201)

    return await idempotency.run(body, create)


@router.get("", response_model=Page[PartnerOut], summary="List partners, by code")
async def list_partners(
    session: SessionDep, _: AdminOnly, limit: LimitQuery = DEFAULT_LIMIT, cursor: CursorQuery = None
) -> Page[PartnerOut]:
    return page_of(PartnerOut, await service.list_partners(session, limit=limit, cursor=cursor))


@router.get("/{code}", response_model=PartnerOut, summary="One partner, with its ETag")
async def get_partner(code: CodePath, session: SessionDep, _: AdminOnly) -> Response:
    return _respond(await service.get(session, code))


@router.patch(
    "/{code}",
    response_model=PartnerOut,
    summary="Rename a partner or replace its lender names (JSON merge patch, If-Match)",
    description="The code cannot change: the partner's tokens carry it.",
    openapi_extra=merge_patch_doc(PartnerChange),
    responses={409: {"description": "A lender name is another partner's (named)"}},
)
async def patch_partner(
    code: CodePath,
    patch: Annotated[dict[str, Any], Body(media_type="application/merge-patch+json")],
    session: SessionDep,
    principal: AdminOnly,
    expected_version: IfMatchDep,
) -> Response:
    partner = await service.get(session, code, for_update=True)
    fields = apply_patch(PartnerChange, PartnerOut.model_validate(partner), patch)
    partner = await service.update(
        session, partner, fields, actor=principal.sub, expected_version=expected_version
    )
    return _respond(partner)


def _subscription_response(
    code: str, subscription: PartnerSubscription, *, status_code: int = 200
) -> Response:
    location = (
        f"/v1/partners/{code}/subscriptions/{subscription.id}" if status_code == 201 else None
    )
    return json_response(
        SubscriptionOut.model_validate(subscription),
        status_code=status_code,
        version=subscription.version,
        location=location,
    )


_MANAGED: dict[int | str, dict[str, Any]] = {
    403: {"description": "Neither admin nor this partner's own token"},
    404: {"description": "No such partner (or subscription)"},
}


@router.post(
    "/{code}/subscriptions",
    status_code=201,
    response_model=SubscriptionOut,
    summary="Subscribe to a partner's events (a signed webhook)",
    description="Events are CloudEvents 1.0 (structured mode), signed the Standard Webhooks way "
    "with `secret`, sent at least once with a `webhook-id` that stays the same on every retry. "
    "Scope admin, or the partner's own token.",
    responses={**_MANAGED, 422: {"description": "A refused URL (`url_refused`) or secret"}},
)
async def create_subscription(
    code: CodePath,
    body: SubscriptionFields,
    session: SessionDep,
    principal: PartnerManager,
    settings: SettingsDep,
    idempotency: IdempotencyDep,
) -> Response:
    async def create() -> Response:
        partner = await service.for_caller(session, code, claimed=principal.partner == code)
        subscription = await service.create_subscription(
            session,
            partner,
            body,
            actor=principal.sub,
            allow_private=settings.allow_private_targets,
        )
        return _subscription_response(code, subscription, status_code=201)

    return await idempotency.run(body, create)


@router.get(
    "/{code}/subscriptions",
    response_model=Page[SubscriptionOut],
    summary="A partner's subscriptions (never their secrets)",
    responses=_MANAGED,
)
async def list_subscriptions(
    code: CodePath,
    session: SessionDep,
    principal: PartnerManager,
    limit: LimitQuery = DEFAULT_LIMIT,
    cursor: CursorQuery = None,
) -> Page[SubscriptionOut]:
    partner = await service.for_caller(session, code, claimed=principal.partner == code)
    return page_of(
        SubscriptionOut,
        await service.list_subscriptions(session, partner, limit=limit, cursor=cursor),
    )


@router.get(
    "/{code}/subscriptions/{subscription_id}",
    response_model=SubscriptionOut,
    summary="One subscription, with its ETag",
    responses=_MANAGED,
)
async def get_subscription(
    code: CodePath, subscription_id: uuid.UUID, session: SessionDep, principal: PartnerManager
) -> Response:
    partner = await service.for_caller(session, code, claimed=principal.partner == code)
    return _subscription_response(
        code, await service.get_subscription(session, partner, subscription_id)
    )


@router.delete(
    "/{code}/subscriptions/{subscription_id}",
    status_code=204,
    summary="Unsubscribe (If-Match); its undelivered events are dropped",
    responses=_MANAGED,
)
async def delete_subscription(
    code: CodePath,
    subscription_id: uuid.UUID,
    session: SessionDep,
    principal: PartnerManager,
    expected_version: IfMatchDep,
) -> Response:
    partner = await service.for_caller(session, code, claimed=principal.partner == code)
    subscription = await service.get_subscription(
        session, partner, subscription_id, for_update=True
    )
    await service.delete_subscription(
        session, subscription, actor=principal.sub, expected_version=expected_version
    )
    return Response(status_code=204)


@router.get(
    "/{code}/deliveries",
    response_model=Page[DeliveryOut],
    summary="The partner's events and how their delivery went, newest first",
    responses=_MANAGED,
)
async def list_deliveries(
    code: CodePath,
    session: SessionDep,
    principal: PartnerManager,
    subscription_id: uuid.UUID | None = None,
    status: DeliveryStatus | None = None,
    limit: LimitQuery = DEFAULT_LIMIT,
    cursor: CursorQuery = None,
) -> Page[DeliveryOut]:
    partner = await service.for_caller(session, code, claimed=principal.partner == code)
    return page_of(
        DeliveryOut,
        await service.list_deliveries(
            session,
            partner,
            subscription_id=subscription_id,
            status=status,
            limit=limit,
            cursor=cursor,
        ),
    )
