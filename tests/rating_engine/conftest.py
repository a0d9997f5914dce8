"""The rating engine in-process: its settings, app, compiled v1 ruleset and HTTP clients."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import FastAPI

from guarantee_shared.web.auth import issue_token
from rating_engine.app import create_app
from rating_engine.compiled import CompiledRuleset
from rating_engine.settings import RatingEngineSettings

BASE_URL = "http://rating-engine.test"


@pytest.fixture(scope="session")
def engine_settings() -> RatingEngineSettings:
    return RatingEngineSettings(environment="test", log_level="WARNING")


@pytest.fixture(scope="session")
def engine_app(engine_settings: RatingEngineSettings) -> FastAPI:
    return create_app(engine_settings)


@pytest.fixture(scope="session")
def rules(engine_app: FastAPI) -> CompiledRuleset:
    ruleset: CompiledRuleset = engine_app.state.rating_service.ruleset("v1")
    return ruleset


def token_for(settings: RatingEngineSettings, *scopes: str) -> str:
    secret = settings.auth_jwt_secret.get_secret_value()
    return issue_token(secret, sub="risk-officer@example.com", scopes=list(scopes))


@pytest.fixture(scope="session")
def score_token(engine_settings: RatingEngineSettings) -> str:
    return token_for(engine_settings, "ratings:score")


@pytest.fixture
async def engine(engine_app: FastAPI, score_token: str) -> AsyncIterator[httpx.AsyncClient]:
    """A client holding a token with the ``ratings:score`` scope."""
    transport = httpx.ASGITransport(app=engine_app)
    headers = {"Authorization": f"Bearer {score_token}"}
    async with httpx.AsyncClient(transport=transport, base_url=BASE_URL, headers=headers) as c:
        yield c


@pytest.fixture
async def anon(engine_app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=engine_app)
    async with httpx.AsyncClient(transport=transport, base_url=BASE_URL) as c:
        yield c
