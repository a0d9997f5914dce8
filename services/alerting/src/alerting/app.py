"""create_app(settings): the alerting application. No import-time side effects."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

import httpx
from anyio import to_thread
from fastapi import FastAPI, Request

from alerting import __version__
from alerting.alerts.router import router as alerts_router
from alerting.channels.router import deliveries_router
from alerting.channels.router import router as channels_router
from alerting.evaluator import Evaluator
from alerting.migrate import SCRIPT_LOCATION
from alerting.models import SCHEMA, IdempotencyKey
from alerting.outbox import DeliveryWorker
from alerting.rules.router import router as rules_router
from alerting.settings import AlertingSettings
from alerting.silences.router import router as silences_router
from guarantee_shared.clients.customer_api import CustomerApiClient
from guarantee_shared.db.embedded import resolve_database_url
from guarantee_shared.db.engine import create_engine, create_sessionmaker
from guarantee_shared.db.idempotency import purge_expired_keys
from guarantee_shared.db.migrations import pending_reason
from guarantee_shared.db.outage import install_outage_handlers
from guarantee_shared.logging import get_logger
from guarantee_shared.web.app import build_app
from guarantee_shared.web.auth import ServiceToken

log = get_logger(__name__)

DESCRIPTION = """
The early-warning mechanism (风险预警机制) of the guarantee platform: rules on customer-api's
portfolio indicators, regulatory figures and customer signals, evaluated every
`ALERT_POLL_INTERVAL_S` as Prometheus evaluates alerting rules (inactive → pending → firing →
resolved, one alert per rule and subject), and notifications through an outbox to signed
webhooks (Standard Webhooks; CloudEvents 1.0 or Alertmanager payload version 4).

Errors are RFC 9457 problem+json. Lists are keyset-paginated (`limit`, `cursor` →
`next_cursor`). Changing or deleting a rule, silence or channel needs `If-Match` with its
`ETag`; creating `POST`s accept `Idempotency-Key`.
"""


async def _database_ready(request: Request) -> str | None:
    return await pending_reason(request.app.state.engine, SCRIPT_LOCATION, SCHEMA)


async def _purge_loop(app: FastAPI, settings: AlertingSettings) -> None:
    while True:
        try:
            async with app.state.sessionmaker() as session, session.begin():
                await purge_expired_keys(
                    session, IdempotencyKey, ttl_hours=settings.idempotency_ttl_hours
                )
        except Exception:  # housekeeping; a failed round is retried next hour
            log.exception("idempotency_purge_failed")
        await asyncio.sleep(3600)


def create_app(
    settings: AlertingSettings | None = None,
    *,
    customer_api_transport: httpx.AsyncBaseTransport | None = None,
    webhook_transport: httpx.AsyncBaseTransport | None = None,
) -> FastAPI:
    """Build the app; the transports let tests reach in-process peers and receivers."""
    settings = settings or AlertingSettings()

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        url = await to_thread.run_sync(
            resolve_database_url, settings.database_url, settings.data_dir
        )
        app.state.engine = create_engine(url, application_name="alerting")
        app.state.sessionmaker = create_sessionmaker(app.state.engine)
        client = CustomerApiClient(
            settings.customer_api_url,
            token=ServiceToken(settings, scopes=("portfolio:read",)),
            timeout=httpx.Timeout(settings.customer_api_timeout_s, connect=2.0),
            attempts=2,
            retry_timeout_s=settings.customer_api_timeout_s,
            transport=customer_api_transport,
        )
        app.state.evaluator = evaluator = Evaluator(
            engine=app.state.engine,
            sessionmaker=app.state.sessionmaker,
            client=client,
            settings=settings,
        )
        app.state.delivery_worker = worker = DeliveryWorker(
            app.state.sessionmaker,
            settings,
            replica=evaluator.replica,
            transport=webhook_transport,
        )
        tasks = [asyncio.create_task(_purge_loop(app, settings))]
        if settings.alert_evaluator_enabled:
            tasks.append(asyncio.create_task(evaluator.run_forever()))
        if settings.delivery_worker_enabled:
            tasks.append(asyncio.create_task(worker.run_forever()))
        log.info("alerting_started", port=settings.alerting_port, replica=evaluator.replica)
        try:
            yield
        finally:
            for task in tasks:
                task.cancel()
            for task in tasks:
                with contextlib.suppress(asyncio.CancelledError):
                    await task
            await worker.aclose()
            await client.aclose()
            await app.state.engine.dispose()

    app = build_app(
        settings,
        service="alerting",
        title="alerting",
        version=__version__,
        description=DESCRIPTION,
        lifespan=lifespan,
        readiness={"database": _database_ready},
    )
    install_outage_handlers(app)
    app.include_router(rules_router)
    app.include_router(alerts_router)
    app.include_router(silences_router)
    app.include_router(channels_router)
    app.include_router(deliveries_router)
    return app
