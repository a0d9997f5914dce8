"""/v1/policy: judge a guarantee before it is written (DOMAIN §14)."""

from __future__ import annotations

from customer_api.deps import ContractsRead, PolicyLimitsDep, SessionDep
from customer_api.policy import service
from customer_api.policy.schemas import FindingOut, PolicyCheckIn, PolicyCheckOut
from guarantee_shared.web.routing import api_router

router = api_router(prefix="/v1/policy", tags=["policy"])


@router.post(
    "/check",
    response_model=PolicyCheckOut,
    summary="Would this guarantee pass the policy? Writes nothing",
    description="The rules an `activate` event runs (DOMAIN §14): `knockout`, `limit`, "
    "`single_customer`, `related_group`, `leverage`, `related_party`; an unrated or "
    "stale-rated customer is a `rating` warning, or a violation when the service requires "
    "ratings. `allowed` is true when there is no violation.",
    responses={404: {"description": "No such customer"}},
)
async def check(
    body: PolicyCheckIn, session: SessionDep, _: ContractsRead, limits: PolicyLimitsDep
) -> PolicyCheckOut:
    result = await service.check(
        session,
        customer_id=body.customer_id,
        product=body.product.value,
        amount=body.principal,
        guarantee_ratio=body.guarantee_ratio,
        limits=limits,
    )
    outcome = result.outcome
    return PolicyCheckOut(
        allowed=outcome.allowed,
        violations=[FindingOut.model_validate(v) for v in outcome.violations],
        warnings=[FindingOut.model_validate(w) for w in outcome.warnings],
        exposure=result.exposure,
    )
