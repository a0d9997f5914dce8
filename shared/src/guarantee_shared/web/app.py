"""The parts of a FastAPI app that every service builds the same way."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from contextlib import AbstractAsyncContextManager

from fastapi import FastAPI

from guarantee_shared.logging import configure_logging
from guarantee_shared.ratelimit import RouteClass
from guarantee_shared.settings import ServiceSettings
from guarantee_shared.web.auth import TokenVerifier
from guarantee_shared.web.docs import install_docs
from guarantee_shared.web.headers import SecurityHeaders
from guarantee_shared.web.middleware import ServiceMiddleware
from guarantee_shared.web.openapi import install_openapi
from guarantee_shared.web.probes import ReadinessCheck, probes_router
from guarantee_shared.web.problems import install_problem_handlers
from guarantee_shared.web.ratelimit import install_rate_limits
from guarantee_shared.web.routing import DecimalJSONRoute

Lifespan = Callable[[FastAPI], AbstractAsyncContextManager[None]]


def build_app(
    settings: ServiceSettings,
    *,
    service: str,
    title: str,
    version: str,
    description: str,
    lifespan: Lifespan | None = None,
    readiness: dict[str, ReadinessCheck] | None = None,
    body_limit_overrides: dict[str, int] | None = None,
    rate_limit_routes: Mapping[str, RouteClass] | None = None,
) -> FastAPI:
    if settings.environment == "production" and settings.metrics_token is None:
        # /metrics exposes portfolio figures; production serves it only to a scraper with the
        # token. One listener and a bearer token, rather than a second port, keeps one server
        # per process and works with any Prometheus (authorization.credentials_file).
        raise RuntimeError("ENVIRONMENT=production needs METRICS_TOKEN (32+ characters)")
    configure_logging(level=settings.log_level, fmt=settings.log_format)
    app = FastAPI(
        title=title,
        version=version,
        description=description,
        lifespan=lifespan,
        # FastAPI's own pages load their scripts from a CDN; install_docs serves them locally.
        docs_url=None,
        redoc_url=None,
    )
    app.router.route_class = DecimalJSONRoute
    app.state.settings = settings
    # Set by guarantee_shared.web.server when a signal asks the process to stop: /readyz fails.
    app.state.draining = False
    app.state.token_verifier = TokenVerifier(settings)
    install_problem_handlers(app)
    # The probe routes go straight into the app's own route list rather than through
    # include_router: FastAPI matches an included router by walking it with per-route scope
    # bookkeeping, several microseconds on every request that is not a probe.
    app.router.routes.extend(probes_router(readiness or {}).routes)
    install_docs(app)
    install_openapi(app)
    install_rate_limits(app, settings, service=service, routes=rate_limit_routes)
    app.add_middleware(
        ServiceMiddleware,
        service=service,
        max_bytes=settings.max_body_bytes,
        overrides=body_limit_overrides,
        security=SecurityHeaders(hsts_max_age_s=settings.hsts_max_age_s),
    )
    return app
