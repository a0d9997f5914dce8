"""/metrics carries portfolio figures: with METRICS_TOKEN only a scraper holding it reads them,
and production does not start without one. The probes stay open."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from alerting.app import create_app as create_alerting_app
from alerting.settings import AlertingSettings
from customer_api.app import create_app as create_customer_app
from customer_api.settings import CustomerApiSettings
from rating_engine.app import create_app as create_engine_app
from rating_engine.settings import RatingEngineSettings
from tests.shared.test_docs import UNUSED_DB

METRICS_TOKEN = "m" * 40
SECRET = "s" * 40
SETTINGS = {
    "customer-api": (CustomerApiSettings, create_customer_app, {"database_url": UNUSED_DB}),
    "rating-engine": (RatingEngineSettings, create_engine_app, {}),
    "alerting": (AlertingSettings, create_alerting_app, {"database_url": UNUSED_DB}),
}


@pytest.fixture(params=sorted(SETTINGS))
async def guarded(request: pytest.FixtureRequest) -> AsyncIterator[httpx.AsyncClient]:
    settings_class, create, extra = SETTINGS[request.param]
    settings = settings_class(
        environment="test", log_level="WARNING", metrics_token=METRICS_TOKEN, **extra
    )
    transport = httpx.ASGITransport(app=create(settings))
    async with httpx.AsyncClient(transport=transport, base_url="http://service.test") as c:
        yield c


@pytest.mark.parametrize(
    "authorization",
    [
        None,
        "",
        f"Bearer {METRICS_TOKEN[:-1]}",
        f"Bearer {METRICS_TOKEN}x",
        f"Basic {METRICS_TOKEN}",
    ],
    ids=["none", "empty", "prefix", "longer", "basic"],
)
async def test_metrics_without_the_token_are_401(
    guarded: httpx.AsyncClient, authorization: str | None
) -> None:
    headers = {} if authorization is None else {"Authorization": authorization}
    response = await guarded.get("/metrics", headers=headers)
    assert response.status_code == 401
    assert response.headers["content-type"] == "application/problem+json"
    assert response.headers["www-authenticate"] == "Bearer"
    assert "http_requests_total" not in response.text


async def test_metrics_with_the_token_and_the_probes_without_one(
    guarded: httpx.AsyncClient,
) -> None:
    metrics = await guarded.get("/metrics", headers={"Authorization": f"Bearer {METRICS_TOKEN}"})
    assert metrics.status_code == 200
    assert "http_requests_total" in metrics.text
    assert (await guarded.get("/healthz")).status_code == 200
    # /readyz answers (503 here: these apps have no database) without any token.
    assert (await guarded.get("/readyz")).status_code in (200, 503)


@pytest.mark.parametrize("service", sorted(SETTINGS))
def test_production_does_not_start_without_a_metrics_token(service: str) -> None:
    settings_class, create, extra = SETTINGS[service]
    production = {"environment": "production", "auth_jwt_secret": SECRET, **extra}
    with pytest.raises(RuntimeError, match="METRICS_TOKEN"):
        create(settings_class(**production))
    assert create(settings_class(**production, metrics_token=METRICS_TOKEN)) is not None


async def test_without_a_metrics_token_outside_production_metrics_stay_open() -> None:
    app = create_engine_app(RatingEngineSettings(environment="test", log_level="WARNING"))
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://service.test"
    ) as client:
        assert (await client.get("/metrics")).status_code == 200
