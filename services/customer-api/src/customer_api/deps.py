"""Dependencies declared once as Annotated aliases."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends, Path, Request, Security

from customer_api.imports.runner import ImportRunner
from customer_api.models import IdempotencyKey
from customer_api.policy.service import PolicyLimits
from customer_api.ratings.jobs import JobRunner
from customer_api.risk.service import ReserveRules, RiskParameters
from customer_api.settings import CustomerApiSettings
from guarantee_shared.clients.alerting import AlertingClient
from guarantee_shared.clients.rating_engine import RatingEngineClient
from guarantee_shared.db.engine import SessionDep
from guarantee_shared.db.idempotency import Idempotency, idempotency_dependency
from guarantee_shared.errors import Forbidden
from guarantee_shared.web.auth import (
    ADMIN_SCOPE,
    Principal,
    ServiceToken,
    current_principal,
    ensure_scopes,
    require,
)


def _settings(request: Request) -> CustomerApiSettings:
    settings: CustomerApiSettings = request.app.state.settings
    return settings


SettingsDep = Annotated[CustomerApiSettings, Depends(_settings)]


def _policy_limits(settings: SettingsDep) -> PolicyLimits:
    return PolicyLimits(
        net_assets=settings.guarantor_net_assets,
        guarantee_investments=settings.guarantor_guarantee_investments,
        require_rating=settings.policy_require_rating,
    )


PolicyLimitsDep = Annotated[PolicyLimits, Depends(_policy_limits)]


def _rating_client(request: Request) -> RatingEngineClient:
    client: RatingEngineClient = request.app.state.rating_client
    return client


def _job_runner(request: Request) -> JobRunner:
    runner: JobRunner = request.app.state.job_runner
    return runner


def _import_runner(request: Request) -> ImportRunner:
    runner: ImportRunner = request.app.state.import_runner
    return runner


async def alerting_client(settings: SettingsDep) -> AsyncIterator[AlertingClient]:
    """A short-lived client per request: alerts are read rarely (the review report), never
    required, and the alerting service may not be deployed at all."""
    token = ServiceToken(settings, scopes=("alerts:read",))
    async with AlertingClient(settings.alerting_url, token=token) as client:
        yield client


def _risk_parameters(settings: SettingsDep) -> RiskParameters:
    return RiskParameters(default_pd=settings.default_pd, lgd_floor=settings.lgd_floor)


def _reserve_rules(settings: SettingsDep) -> ReserveRules:
    return ReserveRules(
        unearned_premium_rate=settings.unearned_premium_reserve_rate,
        compensation_rate=settings.compensation_reserve_rate,
        compensation_cap=settings.compensation_reserve_cap,
    )


# The configured figures of docs/DOMAIN.md §16 that expected loss and reserves use.
RiskParametersDep = Annotated[RiskParameters, Depends(_risk_parameters)]
ReserveRulesDep = Annotated[ReserveRules, Depends(_reserve_rules)]
RatingClientDep = Annotated[RatingEngineClient, Depends(_rating_client)]
JobRunnerDep = Annotated[JobRunner, Depends(_job_runner)]
ImportRunnerDep = Annotated[ImportRunner, Depends(_import_runner)]
AlertingClientDep = Annotated[AlertingClient, Depends(alerting_client)]

CustomersRead = Annotated[Principal, Depends(require("customers:read"))]
CustomersWrite = Annotated[Principal, Depends(require("customers:write"))]
ContractsRead = Annotated[Principal, Depends(require("contracts:read"))]
ContractsWrite = Annotated[Principal, Depends(require("contracts:write"))]
PortfolioRead = Annotated[Principal, Depends(require("portfolio:read"))]
RatingsRead = Annotated[Principal, Depends(require("ratings:read"))]
ApprovalsDecide = Annotated[Principal, Depends(require("approvals:decide"))]
AdminOnly = Annotated[Principal, Depends(require("admin"))]
# An import writes customers and contracts: both scopes in one check, so that a 403 names every
# scope the caller lacks rather than the first.
ImportsWrite = Annotated[Principal, Depends(require("customers:write", "contracts:write"))]


async def _manages_partner(
    code: Annotated[str, Path(max_length=64, description="The partner's code")],
    # Documented as admin (the company's staff); the partner's own token is the exception.
    principal: Principal = Security(current_principal, scopes=[ADMIN_SCOPE]),
) -> Principal:
    """``admin``, or the partner's own token (its ``partner`` claim is ``code``, with
    ``ratings:read``): a bank's integrator registers its own endpoint and secret."""
    if principal.partner is None or principal.has(ADMIN_SCOPE):
        return ensure_scopes(principal, ADMIN_SCOPE)
    if principal.partner != code:
        raise Forbidden("A partner's token manages only that partner's subscriptions")
    return ensure_scopes(principal, "ratings:read")


# The subscriptions and deliveries of the partner named by the path's {code}.
PartnerManager = Annotated[Principal, Depends(_manages_partner)]

__all__ = [
    "AdminOnly",
    "AlertingClientDep",
    "ContractsRead",
    "ContractsWrite",
    "CustomersRead",
    "CustomersWrite",
    "IdempotencyDep",
    "ImportRunnerDep",
    "ImportsWrite",
    "JobRunnerDep",
    "PartnerManager",
    "PortfolioRead",
    "RatingClientDep",
    "RatingsRead",
    "ReserveRulesDep",
    "RiskParametersDep",
    "SessionDep",
    "SettingsDep",
]

# Creating POSTs take an Idempotency-Key (docs/CONTRACT.md); keys live in this service's schema.
IdempotencyDep = Annotated[Idempotency, Depends(idempotency_dependency(IdempotencyKey))]
