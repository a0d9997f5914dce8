"""/docs (Swagger UI) and /redoc served with their scripts from the service itself.

FastAPI's own pages load Swagger UI and ReDoc from a CDN, which leaves them blank where the
service's users have no internet access (a bank's network). The assets here come from the
``fastapi-offline`` wheel (Swagger UI 5 under Apache-2.0, ReDoc 2 under MIT), pinned in
uv.lock; only its static files are used, served under ``/docs/assets/``.
"""

from __future__ import annotations

import re
from pathlib import Path

import fastapi_offline
from fastapi import FastAPI, Request
from fastapi.openapi.docs import (
    get_redoc_html,
    get_swagger_ui_html,
    get_swagger_ui_oauth2_redirect_html,
)
from fastapi.responses import FileResponse, HTMLResponse, Response
from starlette.exceptions import HTTPException

from guarantee_shared.web.headers import csp_hash

DOCS_URL = "/docs"
REDOC_URL = "/redoc"
OAUTH2_REDIRECT_URL = "/docs/oauth2-redirect"
ASSETS_URL = "/docs/assets"
_ASSETS_DIR = Path(fastapi_offline.__file__).parent / "static"
# The served files with their media types, fixed here rather than guessed from the host's
# mime.types (which names JavaScript differently from one distribution to the next).
ASSETS = {
    "swagger-ui-bundle.js": "text/javascript; charset=utf-8",
    "swagger-ui.css": "text/css; charset=utf-8",
    "redoc.standalone.js": "text/javascript; charset=utf-8",
    "favicon.png": "image/png",
}
# The files change only with the locked wheel; a day of caching spares the 2.8 MB per visit.
_CACHE_CONTROL = "public, max-age=86400"
_SWAGGER_STYLES = "'self'"


_INLINE_SCRIPT = re.compile(r"<script>(.*?)</script>", re.S)


def _with_csp(page: HTMLResponse, *, styles: str) -> HTMLResponse:
    """``page`` with a policy allowing its own origin's assets and exactly its inline scripts.

    The pages are FastAPI's, with one inline script that starts Swagger UI with this page's
    URLs (or finishes an OAuth2 redirect); its hash, taken from the page as served, is allowed
    and no other inline script is. Styles are per page (see the callers).
    """
    html = bytes(page.body).decode()
    scripts = " ".join(["'self'", *(csp_hash(s) for s in _INLINE_SCRIPT.findall(html))])
    page.headers["Content-Security-Policy"] = (
        f"default-src 'none'; script-src {scripts}; style-src {styles}; "
        "img-src 'self' data:; connect-src 'self'; worker-src 'self' blob:; "
        "frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
    )
    return page


def _root(request: Request) -> str:
    """The prefix a proxy serves the app under (ASGI root_path), as FastAPI's own pages use."""
    root: str = request.scope.get("root_path", "")
    return root.rstrip("/")


def install_docs(app: FastAPI) -> None:
    """Add the documentation pages to an app built with ``docs_url=None, redoc_url=None``."""
    missing = [name for name in ASSETS if not (_ASSETS_DIR / name).is_file()]
    if missing:  # a fastapi-offline release that moved its files: fail at start, not per visit
        raise RuntimeError(f"fastapi-offline no longer ships {missing} in {_ASSETS_DIR}")
    openapi_url = app.openapi_url or "/openapi.json"

    async def swagger_ui(request: Request) -> HTMLResponse:
        root = _root(request)
        page = get_swagger_ui_html(
            openapi_url=root + openapi_url,
            title=f"{app.title} - Swagger UI",
            swagger_js_url=f"{root}{ASSETS_URL}/swagger-ui-bundle.js",
            swagger_css_url=f"{root}{ASSETS_URL}/swagger-ui.css",
            swagger_favicon_url=f"{root}{ASSETS_URL}/favicon.png",
            oauth2_redirect_url=root + OAUTH2_REDIRECT_URL,
            # No validator badge: it would send the spec's URL to validator.swagger.io.
            swagger_ui_parameters={"validatorUrl": None},
        )
        return _with_csp(page, styles=_SWAGGER_STYLES)

    async def oauth2_redirect(request: Request) -> HTMLResponse:
        return _with_csp(get_swagger_ui_oauth2_redirect_html(), styles="'none'")

    async def redoc(request: Request) -> HTMLResponse:
        root = _root(request)
        page = get_redoc_html(
            openapi_url=root + openapi_url,
            title=f"{app.title} - ReDoc",
            redoc_js_url=f"{root}{ASSETS_URL}/redoc.standalone.js",
            redoc_favicon_url=f"{root}{ASSETS_URL}/favicon.png",
            with_google_fonts=False,
        )
        # ReDoc styles itself with styled-components, which write <style> elements at run time.
        return _with_csp(page, styles="'self' 'unsafe-inline'")

    async def asset(request: Request) -> Response:
        name = request.path_params["name"]
        media_type = ASSETS.get(name)
        if media_type is None:  # only the listed files, never a path into the package
            raise HTTPException(status_code=404)
        return FileResponse(
            _ASSETS_DIR / name, media_type=media_type, headers={"Cache-Control": _CACHE_CONTROL}
        )

    app.add_route(DOCS_URL, swagger_ui, include_in_schema=False)
    app.add_route(OAUTH2_REDIRECT_URL, oauth2_redirect, include_in_schema=False)
    app.add_route(REDOC_URL, redoc, include_in_schema=False)
    app.add_route(ASSETS_URL + "/{name}", asset, include_in_schema=False)
