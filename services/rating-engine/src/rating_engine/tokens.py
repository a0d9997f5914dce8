"""The bearer check of the scoring routes, which skip FastAPI's dependency solving for speed.

Same verifier (with its memo of verified tokens), same rules and errors as
``guarantee_shared.web.auth.require``: 401 without a valid bearer token, 403 without the scope.
"""

from __future__ import annotations

from collections.abc import Iterable

from starlette.requests import Request

from guarantee_shared.web.auth import Principal, TokenVerifier, bearer_token, ensure_scopes


def _authorization(headers: Iterable[tuple[bytes, bytes]]) -> str | None:
    """The first Authorization header, as ``request.headers.get`` gives it.

    Read from the raw ASGI list: building the request's ``Headers`` costs more than the scan.
    """
    for name, value in headers:
        if name == b"authorization":
            return value.decode("latin-1")
    return None


async def authorize(request: Request, scope: str) -> Principal:
    token = bearer_token(_authorization(request.scope["headers"]))
    verifier: TokenVerifier = request.app.state.token_verifier
    principal = await verifier.verify(token)
    request.state.principal = principal
    return ensure_scopes(principal, scope)
