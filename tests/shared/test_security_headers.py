"""Security headers on every service's answers (the real apps, in-process and as a process).

Data answers: nosniff, a CSP that loads nothing and forbids framing, no-store, no referrer;
HSTS only for a request that came over TLS. Pages that set their own policy (docs, the
review report) and assets with their own Cache-Control keep theirs.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from guarantee_shared.web.headers import API_CSP
from rating_engine.app import create_app as create_engine_app
from rating_engine.settings import RatingEngineSettings
from tests.shared.test_docs import APPS
from tests.support.processes import running

DATA_HEADERS = {
    "x-content-type-options": "nosniff",
    "content-security-policy": API_CSP,
    "x-frame-options": "DENY",
    "cache-control": "no-store",
    "referrer-policy": "no-referrer",
}
HSTS = "max-age=31536000; includeSubDomains"


@pytest.fixture(params=sorted(APPS))
async def service(request: pytest.FixtureRequest) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=APPS[request.param]())
    async with httpx.AsyncClient(transport=transport, base_url="http://service.test") as c:
        yield c


def _security(response: httpx.Response) -> dict[str, str]:
    return {name: response.headers.get(name, "") for name in DATA_HEADERS}


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [
        ("GET", "/healthz", 200),
        ("GET", "/openapi.json", 200),
        ("GET", "/v1/nowhere", 404),
        ("POST", "/v1/nowhere", 404),
    ],
)
async def test_every_answer_carries_the_security_headers(
    service: httpx.AsyncClient, method: str, path: str, status: int
) -> None:
    response = await service.request(method, path)
    assert response.status_code == status
    assert _security(response) == DATA_HEADERS
    assert "strict-transport-security" not in response.headers  # plain HTTP


async def test_an_oversized_body_refused_by_the_middleware_carries_them_too(
    service: httpx.AsyncClient,
) -> None:
    too_large = await service.post(
        "/v1/anything", content=b"x" * (2 * 1024 * 1024), headers={"Content-Type": "text/plain"}
    )
    assert too_large.status_code == 413
    assert _security(too_large) == DATA_HEADERS


async def test_a_problem_answer_carries_them_too() -> None:
    app = create_engine_app(RatingEngineSettings(environment="test", log_level="WARNING"))
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://service.test"
    ) as client:
        unauthorised = await client.post("/v1/score", json={})
    assert unauthorised.status_code == 401
    assert unauthorised.headers["content-type"] == "application/problem+json"
    assert _security(unauthorised) == DATA_HEADERS


async def test_an_unexpected_error_answers_a_problem_with_them_and_the_request_id() -> None:
    app = create_engine_app(RatingEngineSettings(environment="test", log_level="WARNING"))

    @app.get("/v1/broken")
    async def broken() -> None:
        raise RuntimeError("a bug")

    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://service.test") as client:
        response = await client.get("/v1/broken", headers={"X-Request-ID": "trace-me-500"})
    assert response.status_code == 500
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["status"] == 500
    assert "a bug" not in response.text  # the log has it, the caller does not
    assert response.headers["x-request-id"] == "trace-me-500"
    assert _security(response) == DATA_HEADERS


async def test_hsts_is_sent_on_a_request_that_came_over_tls(service: httpx.AsyncClient) -> None:
    response = await service.get("https://service.test/healthz")
    assert response.headers["strict-transport-security"] == HSTS
    assert _security(response) == DATA_HEADERS


async def test_hsts_can_be_switched_off() -> None:
    app = create_engine_app(
        RatingEngineSettings(environment="test", log_level="WARNING", hsts_max_age_s=0)
    )
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="https://service.test"
    ) as client:
        response = await client.get("/healthz")
    assert "strict-transport-security" not in response.headers


async def test_documentation_assets_keep_their_own_cache_control(
    service: httpx.AsyncClient,
) -> None:
    asset = await service.get("/docs/assets/swagger-ui.css")
    assert asset.status_code == 200
    assert asset.headers["cache-control"] == "public, max-age=86400"  # no customer data
    assert asset.headers["x-content-type-options"] == "nosniff"


@pytest.mark.integration
def test_behind_a_tls_proxy_hsts_follows_x_forwarded_proto(tmp_path: Path) -> None:
    # uvicorn with proxy_headers (the services' __main__) trusts X-Forwarded-Proto from the
    # addresses in FORWARDED_ALLOW_IPS (127.0.0.1 by default): there the request was https.
    env = {"ENVIRONMENT": "test", "LOG_LEVEL": "WARNING"}
    with running(
        "rating_engine", port_env="RATING_ENGINE_PORT", env=env, tmp_path=tmp_path
    ) as engine:
        proxied = httpx.get(f"{engine.url}/healthz", headers={"X-Forwarded-Proto": "https"})
        direct = httpx.get(f"{engine.url}/healthz")
    with running(
        "rating_engine",
        port_env="RATING_ENGINE_PORT",
        # A proxy this service does not trust: its X-Forwarded-Proto is ignored.
        env={**env, "FORWARDED_ALLOW_IPS": "10.0.0.1"},
        tmp_path=tmp_path,
    ) as untrusting:
        spoofed = httpx.get(f"{untrusting.url}/healthz", headers={"X-Forwarded-Proto": "https"})
    assert proxied.headers["strict-transport-security"] == HSTS
    assert "strict-transport-security" not in direct.headers
    assert "strict-transport-security" not in spoofed.headers
    assert _security(proxied) == DATA_HEADERS
