"""Bearer tokens on the scoring routes: a memo in front of the shared verifier, and the check.

customer-api sends the same service token on every rating; checking its HS256 signature (or
fetching RS256 keys) each time costs more than scoring. A token that verified once is
remembered until its own ``exp`` and never longer, and a token that fails is never remembered,
so this accepts exactly what the shared verifier accepts. The memo is bounded.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from typing import Any

import jwt
from starlette.requests import Request

from guarantee_shared.errors import Forbidden, Unauthorized
from guarantee_shared.web.auth import Principal, TokenVerifier


class MemoTokenVerifier:
    """Same contract as :class:`~guarantee_shared.web.auth.TokenVerifier`, with a memo."""

    def __init__(self, inner: TokenVerifier, *, max_entries: int = 4096) -> None:
        self._inner = inner
        self._max_entries = max_entries
        self._memo: dict[str, tuple[Principal, float]] = {}

    async def verify(self, token: str) -> Principal:
        found = self._memo.get(token)
        if found is not None:
            principal, expires = found
            if time.time() < expires:
                return principal
            del self._memo[token]
        principal = await self._inner.verify(token)
        # The signature has just been checked; only the expiry is read back here.
        claims: dict[str, Any] = jwt.decode(token, options={"verify_signature": False})
        expires_at = claims.get("exp")
        if isinstance(expires_at, int | float):
            if len(self._memo) >= self._max_entries:
                self._memo.clear()  # simple and bounded; the next calls refill it
            self._memo[token] = (principal, float(expires_at))
        return principal


def _authorization(headers: Iterable[tuple[bytes, bytes]]) -> str:
    """The first Authorization header, as ``request.headers.get`` gives it, or ``""``.

    Read from the raw ASGI list: building the request's ``Headers`` costs more than the scan.
    """
    for name, value in headers:
        if name == b"authorization":
            return value.decode("latin-1")
    return ""


async def authorize(request: Request, scope: str) -> Principal:
    """The bearer check of ``guarantee_shared.web.auth.require(scope)``, as one plain call.

    Same verifier, same rules, same errors (401 without a valid bearer token, 403 without the
    scope; ``admin`` implies every scope), for routes that skip FastAPI's dependency solving.
    """
    scheme, _, token = _authorization(request.scope["headers"]).partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized("A bearer token is required")
    verifier: MemoTokenVerifier | TokenVerifier = request.app.state.token_verifier
    principal = await verifier.verify(token.strip())
    request.state.principal = principal
    if not principal.has(scope):
        raise Forbidden(f"The token lacks the scope {scope}", missing_scopes=[scope])
    return principal
