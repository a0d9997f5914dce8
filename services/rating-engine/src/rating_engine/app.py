"""The rating-engine app: ``create_app(settings)`` builds it; importing has no side effects."""

from __future__ import annotations

from fastapi import FastAPI

from guarantee_shared.ratelimit import RouteClass
from guarantee_shared.web.app import build_app
from rating_engine import __version__
from rating_engine.router import models, scoring
from rating_engine.service import RatingService
from rating_engine.settings import RatingEngineSettings

DESCRIPTION = (
    "Stateless scoring of guarantee customers: a rating request in, a rating out. Rules live in "
    "versioned ruleset files; the same request and model version always give the same rating."
)


def create_app(settings: RatingEngineSettings | None = None) -> FastAPI:
    """Build the app. Every ruleset is loaded and checked here, before anything is served:
    a broken one raises :class:`~rating_engine.ruleset.RulesetError` and the process stops.
    """
    settings = settings or RatingEngineSettings()
    service = RatingService.load(settings.rulesets_dir, active=settings.active_model_version)
    app = build_app(
        settings,
        service="rating-engine",
        title="rating-engine",
        version=__version__,
        description=DESCRIPTION,
        body_limit_overrides={"/v1/score/batch": settings.batch_max_body_bytes},
        # RATE_LIMIT_SCORE and RATE_LIMIT_SCORE_BATCH: a batch is one hit of its own budget,
        # counted before its body (up to 128 MiB) is read.
        rate_limit_routes={
            "POST /v1/score": RouteClass.SCORE,
            "POST /v1/score/batch": RouteClass.SCORE_BATCH,
        },
    )
    app.state.rating_service = service
    # The two hot routes go first in the app's own route list instead of through include_router:
    # FastAPI matches an included router twice per request, with scope bookkeeping each time,
    # and every route ahead of them costs a match. No other path overlaps theirs.
    app.router.routes[:0] = scoring.routes
    app.include_router(models)
    return app
