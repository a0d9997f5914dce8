"""create_app(settings): the customer-api application. No import-time side effects."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

import httpx
from anyio import to_thread
from fastapi import FastAPI, Request

from customer_api import __version__
from customer_api.approvals.router import router as approvals_router
from customer_api.audit.router import router as audit_router
from customer_api.complaints.router import router as complaints_router
from customer_api.contracts.router import router as contracts_router
from customer_api.customers.router import me_router as my_customers_router
from customer_api.customers.router import router as customers_router
from customer_api.facts.router import router as facts_router
from customer_api.imports.router import router as imports_router
from customer_api.imports.runner import ImportRunner
from customer_api.industry_watch.router import router as industry_watch_router
from customer_api.interactions.router import router as interactions_router
from customer_api.migrate import SCRIPT_LOCATION
from customer_api.models import SCHEMA, IdempotencyKey
from customer_api.partners.events import delivery_worker
from customer_api.partners.router import router as partners_router
from customer_api.policy.router import router as policy_router
from customer_api.portfolio.router import router as portfolio_router
from customer_api.ratings.jobs import JobRunner
from customer_api.ratings.router import router as ratings_router
from customer_api.reports.router import router as reports_router
from customer_api.reviews.router import router as reviews_router
from customer_api.risk.router import router as risk_router
from customer_api.settings import CustomerApiSettings
from customer_api.stress.router import router as stress_router
from customer_api.work.router import (
    campaigns_router,
    customer_findings_router,
    findings_router,
    tasks_router,
)
from customer_api.work.router import me_router as my_tasks_router
from guarantee_shared.clients.rating_engine import RatingEngineClient
from guarantee_shared.db.embedded import resolve_database_url
from guarantee_shared.db.engine import create_engine, create_sessionmaker
from guarantee_shared.db.idempotency import purge_expired_keys
from guarantee_shared.db.migrations import pending_reason
from guarantee_shared.db.outage import install_outage_handlers
from guarantee_shared.logging import get_logger
from guarantee_shared.ratelimit import RouteClass
from guarantee_shared.web.app import build_app
from guarantee_shared.web.auth import ServiceToken

log = get_logger(__name__)

DESCRIPTION = """
Customer records of a financing-guarantee company (融资担保客户梳理): profiles, financial
statements, credit events, guarantee contracts with their event ledger and collateral, portfolio
indicators and regulatory figures, and the audit log.

Errors are RFC 9457 problem+json. Money is a decimal string with two fraction digits.
Lists are keyset-paginated (`limit`, `cursor` → `next_cursor`). Writes to an existing resource
need `If-Match` with its `ETag`; creating `POST`s accept `Idempotency-Key`.
"""


async def _database_ready(request: Request) -> str | None:
    return await pending_reason(request.app.state.engine, SCRIPT_LOCATION, SCHEMA)


async def _purge_loop(app: FastAPI, settings: CustomerApiSettings) -> None:
    while True:
        try:
            async with app.state.sessionmaker() as session, session.begin():
                await purge_expired_keys(
                    session, IdempotencyKey, ttl_hours=settings.idempotency_ttl_hours
                )
        except Exception:  # the purge is housekeeping; a failed round is retried next hour
            log.exception("idempotency_purge_failed")
        await asyncio.sleep(3600)


def create_app(
    settings: CustomerApiSettings | None = None,
    *,
    rating_transport: httpx.AsyncBaseTransport | None = None,
    webhook_transport: httpx.AsyncBaseTransport | None = None,
) -> FastAPI:
    """Build the app; the transports let tests reach an in-process rating engine and webhook
    receivers."""
    settings = settings or CustomerApiSettings()

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        url = await to_thread.run_sync(
            resolve_database_url, settings.database_url, settings.data_dir
        )
        app.state.engine = create_engine(url, application_name="customer-api")
        app.state.sessionmaker = create_sessionmaker(app.state.engine)
        app.state.rating_client = RatingEngineClient(
            settings.rating_engine_url,
            token=ServiceToken(settings, scopes=("ratings:score",)),
            timeout=httpx.Timeout(settings.rating_engine_timeout_s, connect=2.0),
            transport=rating_transport,
        )
        app.state.job_runner = JobRunner(
            app.state.sessionmaker,
            app.state.rating_client,
            guarantor_net_assets=settings.guarantor_net_assets,
        )
        app.state.import_runner = ImportRunner(
            app.state.sessionmaker,
            allowlist=settings.uscc_allowlist,
            haircuts=settings.collateral_haircuts,
            batch_rows=settings.import_batch_rows,
            errors_kept=settings.import_errors_kept,
        )
        # Partners' rating.changed events, through the outbox the ratings write.
        app.state.delivery_worker = delivery_worker(
            app.state.sessionmaker,
            settings,
            replica=app.state.job_runner.worker,
            transport=webhook_transport,
        )
        tasks = [
            asyncio.create_task(_purge_loop(app, settings)),
            asyncio.create_task(app.state.job_runner.run()),
            asyncio.create_task(app.state.import_runner.run()),
        ]
        if settings.delivery_worker_enabled:
            tasks.append(asyncio.create_task(app.state.delivery_worker.run_forever()))
        log.info("customer_api_started", port=settings.customer_api_port)
        try:
            yield
        finally:
            for task in tasks:
                task.cancel()
            for task in tasks:
                with contextlib.suppress(asyncio.CancelledError):
                    await task
            await app.state.delivery_worker.aclose()
            await app.state.rating_client.aclose()
            await app.state.engine.dispose()

    app = build_app(
        settings,
        service="customer-api",
        title="customer-api",
        version=__version__,
        description=DESCRIPTION,
        lifespan=lifespan,
        readiness={"database": _database_ready},
        body_limit_overrides={"/v1/imports": settings.import_max_bytes},
        # The partner banks' look-up has a budget of its own (RATE_LIMIT_PARTNER).
        rate_limit_routes={
            "GET /v1/ratings/{credit_code}": RouteClass.PARTNER,
            "POST /v1/ratings/lookup": RouteClass.PARTNER,
        },
    )
    install_outage_handlers(app)
    app.include_router(customers_router)
    app.include_router(my_customers_router)
    app.include_router(facts_router)
    app.include_router(contracts_router)
    app.include_router(ratings_router)
    app.include_router(portfolio_router)
    app.include_router(risk_router)
    app.include_router(stress_router)
    app.include_router(audit_router)
    app.include_router(reviews_router)
    app.include_router(complaints_router)
    app.include_router(imports_router)
    app.include_router(reports_router)
    app.include_router(partners_router)
    app.include_router(campaigns_router)
    app.include_router(tasks_router)
    app.include_router(my_tasks_router)
    app.include_router(customer_findings_router)
    app.include_router(findings_router)
    app.include_router(policy_router)
    app.include_router(approvals_router)
    app.include_router(industry_watch_router)
    app.include_router(interactions_router)
    return app
