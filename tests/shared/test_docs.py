"""/docs and /redoc of every service work offline: the pages reference only their own origin,
everything they reference answers with the right content type, and a browser cut off from the
internet renders them with the service's operations."""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI

from alerting.app import create_app as create_alerting_app
from alerting.settings import AlertingSettings
from customer_api.app import create_app as create_customer_app
from customer_api.settings import CustomerApiSettings
from rating_engine.app import create_app as create_engine_app
from rating_engine.settings import RatingEngineSettings
from tests.support.browser import chromium, run_chromium
from tests.support.processes import running

# Never connected to: the apps are built but their lifespans (which open the database) not run.
UNUSED_DB = "postgresql+asyncpg://nobody@127.0.0.1:1/unused"

APPS: dict[str, Callable[[], FastAPI]] = {
    "customer-api": lambda: create_customer_app(
        CustomerApiSettings(environment="test", log_level="WARNING", database_url=UNUSED_DB)
    ),
    "rating-engine": lambda: create_engine_app(
        RatingEngineSettings(environment="test", log_level="WARNING")
    ),
    "alerting": lambda: create_alerting_app(
        AlertingSettings(environment="test", log_level="WARNING", database_url=UNUSED_DB)
    ),
}
# What each kind of file the pages load must be served as.
CONTENT_TYPES = {
    ".js": "text/javascript",
    ".css": "text/css",
    ".png": "image/png",
    ".json": "application/json",
}
# src="…", href="…", ReDoc's spec-url="…" and Swagger UI's `url: '…'` / `… + '…'` settings.
REFERENCE = re.compile(r"""(?:\b(?:src|href|spec-url)=|\burl:\s*|\+\s*)["']([^"']+)["']""")


@pytest.fixture(params=sorted(APPS))
async def client(request: pytest.FixtureRequest) -> AsyncIterator[httpx.AsyncClient]:
    app = APPS[request.param]()
    transport = httpx.ASGITransport(app=app)
    # No Authorization header: the documentation is open like the probes.
    async with httpx.AsyncClient(transport=transport, base_url="http://service.test") as c:
        yield c


def _content_type(path: str) -> str:
    suffix = Path(path.split("?")[0]).suffix
    if path.endswith("/oauth2-redirect"):
        return "text/html"
    return CONTENT_TYPES[suffix]


@pytest.mark.parametrize("page", ["/docs", "/redoc"])
async def test_docs_pages_load_only_same_origin_assets(
    client: httpx.AsyncClient, page: str
) -> None:
    response = await client.get(page)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    html = response.text
    # No absolute URL of any kind: nothing is fetched from a CDN or fonts service.
    assert re.findall(r"(?:https?:)?//[\w.-]+", html) == []
    references = REFERENCE.findall(html)
    scripts = re.findall(r"<script[^>]+src=[\"']([^\"']+)", html)
    assert scripts, "the page loads no script"
    assert set(scripts) <= set(references)
    assert "/openapi.json" in references
    for reference in references:
        assert reference.startswith("/"), reference
        assert not reference.startswith("//"), reference
        asset = await client.get(reference)
        assert asset.status_code == 200, reference
        assert asset.headers["content-type"].startswith(_content_type(reference)), (
            reference,
            asset.headers["content-type"],
        )
    for script in scripts:  # the real bundles, not an empty stand-in
        assert len((await client.get(script)).content) > 500_000, script


def _policy(response: httpx.Response) -> dict[str, str]:
    return dict(
        directive.strip().split(" ", 1)
        for directive in response.headers["content-security-policy"].split(";")
    )


@pytest.mark.parametrize("page", ["/docs", "/docs/oauth2-redirect", "/redoc"])
async def test_docs_pages_allow_their_own_scripts_and_no_other(
    client: httpx.AsyncClient, page: str
) -> None:
    response = await client.get(page)
    policy = _policy(response)
    inline = re.findall(r"<script>(.*?)</script>", response.text, re.S)
    hashes = [
        "'sha256-" + base64.b64encode(hashlib.sha256(s.encode()).digest()).decode() + "'"
        for s in inline
    ]
    # The bundles from this origin, and exactly the page's inline scripts by hash: an injected
    # script (or a CDN's) does not run.
    assert policy["script-src"].split() == ["'self'", *hashes]
    assert "unsafe" not in policy["script-src"]
    assert policy["default-src"] == "'none'"
    assert policy["connect-src"] == "'self'"  # the spec and "Try it out", nothing else
    assert policy["frame-ancestors"] == "'none'"
    assert response.headers["cache-control"] == "no-store"
    if page == "/docs":
        assert len(inline) == 1  # Swagger UI's start-up, with this page's URLs
        assert policy["style-src"] == "'self'"  # Swagger UI needs no inline style


async def test_only_the_listed_doc_assets_are_served(client: httpx.AsyncClient) -> None:
    assert (await client.get("/docs/assets/core.py")).status_code == 404
    assert (await client.get("/docs/assets/..%2Fcore.py")).status_code == 404
    assert (await client.get("/docs/assets/swagger-ui.css")).status_code == 200


def test_a_browser_offline_renders_the_docs(tmp_path: Path) -> None:
    browser = chromium()
    env = {"ENVIRONMENT": "test", "LOG_LEVEL": "WARNING"}
    with running(
        "rating_engine", port_env="RATING_ENGINE_PORT", env=env, tmp_path=tmp_path
    ) as engine:
        rendered = {}
        for page in ("docs", "docs#/rating/score_v1_score_post", "redoc"):
            # Virtual time lets the page fetch its spec and draw it before the DOM is dumped.
            result = run_chromium(
                browser, tmp_path / f"profile-{page[:4]}", "--virtual-time-budget=30000",
                "--enable-logging=stderr", "--v=0", "--dump-dom", f"{engine.url}/{page}",
            )  # fmt: skip
            assert result.returncode == 0, result.stderr[-2000:]
            rendered[page] = result.stdout
            # The page's Content-Security-Policy blocked nothing of its own (ReDoc's footer
            # logo from its CDN may be refused: that is the policy working).
            blocked = [
                line
                for line in result.stderr.splitlines()
                if "CONSOLE" in line and "Content Security Policy" in line and "inline" in line
            ]
            assert blocked == [], blocked
    # Swagger UI drew one block per operation; ReDoc its three-panel layout with them.
    assert 'class="opblock-summary-path" data-path="/v1/score"' in rendered["docs"]
    assert 'data-path="/v1/score/batch"' in rendered["docs"]
    # Deep-linked, the operation is open: its schema and example are drawn too.
    assert "opblock-body" in rendered["docs#/rating/score_v1_score_post"]
    assert "redoc-wrap" in rendered["redoc"]
    assert "/v1/score/batch" in rendered["redoc"]
