"""Bearer JWT auth with scopes: HS256 with a shared secret, or RS256 keys from a JWKS URL."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Annotated, Any

import jwt
from anyio import to_thread
from fastapi import Depends, Request, Security
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from guarantee_shared.errors import Forbidden, Unauthorized
from guarantee_shared.settings import ServiceSettings

ADMIN_SCOPE = "admin"
SCOPES = (
    "customers:read",
    "customers:write",
    "contracts:read",
    "contracts:write",
    "pii:read",
    "portfolio:read",
    "ratings:read",
    "ratings:score",
    "alerts:read",
    "alerts:write",
    "approvals:decide",
    ADMIN_SCOPE,
)


@dataclass(frozen=True)
class Principal:
    sub: str
    scopes: frozenset[str] = field(default_factory=frozenset)
    # The `partner` claim: the code of the partner bank whose token this is. A partner sees
    # only what concerns its own customers; no claim is the company's own staff or systems.
    partner: str | None = None

    def has(self, scope: str) -> bool:
        return ADMIN_SCOPE in self.scopes or scope in self.scopes


LEEWAY_S = 30  # clock skew allowed between the issuer and this service
SERVICE_TOKEN_TTL_S = 600


class TokenVerifier:
    """Verifies a bearer token and returns its principal; raises 401 on anything wrong.

    A token must be signed (HS256 with the secret, or RS256 by a JWKS key), unexpired, with a
    non-empty string ``sub``, a string ``scope``, a lifetime (``exp`` − ``iat``, or ``exp`` −
    now without ``iat``) of at most ``AUTH_MAX_TOKEN_TTL_S``, and the ``iss`` and ``aud`` of
    ``AUTH_ISSUER`` and ``AUTH_AUDIENCE`` where those are set.

    Peers send the same service token on every call, and checking a signature (or fetching
    RS256 keys) costs more than many requests' work: a token that passed every check above is
    remembered until its own ``exp`` and never longer, a token that fails is never remembered.
    Every check is a function of the token and of settings fixed for the verifier's life, so a
    remembered token is one that would pass again. Bounded memo.
    """

    MAX_REMEMBERED = 4096

    def __init__(self, settings: ServiceSettings) -> None:
        self._memo: dict[str, tuple[Principal, float]] = {}
        self._secret = settings.auth_jwt_secret.get_secret_value()
        self._issuer = settings.auth_issuer
        self._audience = settings.auth_audience
        self._max_ttl_s = settings.auth_max_token_ttl_s
        self._required = ["exp", "sub", *(["iss"] if self._issuer else []),
                          *(["aud"] if self._audience else [])]  # fmt: skip
        self._jwks = (
            jwt.PyJWKClient(settings.auth_jwks_url, cache_keys=True, lifespan=300)
            if (settings.auth_jwks_url)
            else None
        )

    async def verify(self, token: str) -> Principal:
        remembered = self._memo.get(token)
        if remembered is not None:
            if time.time() < remembered[1]:
                return remembered[0]
            del self._memo[token]
        try:
            if self._jwks is not None:
                jwks = self._jwks
                key: Any = (await to_thread.run_sync(jwks.get_signing_key_from_jwt, token)).key
                algorithms = ["RS256"]
            else:
                key, algorithms = self._secret, ["HS256"]
            claims = jwt.decode(
                token,
                key,
                algorithms=algorithms,
                options={"require": self._required},
                issuer=self._issuer,
                audience=self._audience,
                leeway=LEEWAY_S,
            )
        except jwt.PyJWKClientError as exc:
            raise Unauthorized(f"The token's signing key could not be found: {exc}") from exc
        except jwt.PyJWTError as exc:
            raise Unauthorized(f"The bearer token is not valid: {exc}") from exc
        sub, scope, exp = claims.get("sub"), claims.get("scope", ""), claims["exp"]
        if not isinstance(scope, str) or not isinstance(sub, str):
            raise Unauthorized("The bearer token's sub and scope claims must be strings")
        if isinstance(exp, bool) or not isinstance(exp, int | float):
            raise Unauthorized("The bearer token's exp claim must be a number")  # PyJWT takes "1"
        if not sub.strip():
            # An empty sub would act, and be written in the audit log, as nobody.
            raise Unauthorized("The bearer token's sub claim is empty")
        issued = claims.get("iat")
        start = issued if isinstance(issued, int | float) else time.time()
        if exp - start > self._max_ttl_s + LEEWAY_S:
            raise Unauthorized(
                f"The bearer token lives longer than the {self._max_ttl_s} s this service accepts",
                max_token_ttl_s=self._max_ttl_s,
            )
        partner = claims.get("partner")
        if partner is not None and (not isinstance(partner, str) or not partner):
            raise Unauthorized("The bearer token's partner claim must be a non-empty string")
        principal = Principal(sub=sub, scopes=frozenset(scope.split()), partner=partner)
        if len(self._memo) >= self.MAX_REMEMBERED:
            self._memo.clear()  # simple and bounded; the next calls refill it
        self._memo[token] = (principal, float(exp))
        return principal


def issue_token(
    secret: str,
    *,
    sub: str,
    scopes: list[str] | tuple[str, ...],
    ttl_s: int = 3600,
    issuer: str | None = None,
    audience: str | None = None,
    partner: str | None = None,
) -> str:
    """An HS256 token for development, tests and the demo, and the tokens a service signs for
    itself (:class:`ServiceToken`); ``issuer`` and ``audience`` become ``iss`` and ``aud``,
    ``partner`` the claim of a partner bank's token."""
    now = int(time.time())
    claims: dict[str, Any] = {"sub": sub, "scope": " ".join(scopes), "iat": now, "exp": now + ttl_s}
    if issuer is not None:
        claims["iss"] = issuer
    if audience is not None:
        claims["aud"] = audience
    if partner is not None:
        claims["partner"] = partner
    return jwt.encode(claims, secret, algorithm="HS256")


class ServiceToken:
    """The bearer token one service presents to another (a callable, for the typed clients).

    ``SERVICE_TOKEN`` — a token issued by the identity provider — is used as given (production,
    RS256). Unset, the service signs its own short-lived HS256 token with AUTH_JWT_SECRET,
    carrying ``AUTH_ISSUER`` and ``AUTH_AUDIENCE`` and living no longer than
    ``AUTH_MAX_TOKEN_TTL_S``, so its peers (configured alike) accept it; it is renewed halfway.
    """

    def __init__(self, settings: ServiceSettings, *, scopes: tuple[str, ...]) -> None:
        self._fixed = settings.service_token
        self._secret = settings.auth_jwt_secret.get_secret_value()
        self._scopes = scopes
        self._sub = settings.service_name
        self._issuer = settings.auth_issuer
        self._audience = settings.auth_audience
        self._ttl_s = min(SERVICE_TOKEN_TTL_S, settings.auth_max_token_ttl_s)
        self._token = ""
        self._renew_at = 0.0

    def __call__(self) -> str:
        if self._fixed is not None:
            return self._fixed.get_secret_value()
        if time.monotonic() >= self._renew_at:
            self._token = issue_token(
                self._secret,
                sub=self._sub,
                scopes=self._scopes,
                ttl_s=self._ttl_s,
                issuer=self._issuer,
                audience=self._audience,
            )
            self._renew_at = time.monotonic() + self._ttl_s / 2
        return self._token


_bearer = HTTPBearer(auto_error=False, description="JWT with `sub`, `scope` and `exp` claims")


async def current_principal(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Principal:
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise Unauthorized("A bearer token is required")
    verifier: TokenVerifier = request.app.state.token_verifier
    principal = await verifier.verify(credentials.credentials)
    request.state.principal = principal
    return principal


CurrentPrincipal = Annotated[Principal, Depends(current_principal)]


def ensure_scopes(principal: Principal, *scopes: str) -> Principal:
    """``principal`` if it has every one of ``scopes`` (``admin`` implies all), else 403."""
    missing = [s for s in scopes if not principal.has(s)]
    if missing:
        raise Forbidden(f"The token lacks the scope {' '.join(missing)}", missing_scopes=missing)
    return principal


def bearer_token(authorization: str | None) -> str:
    """The token of an ``Authorization: Bearer …`` header, else 401."""
    scheme, _, token = (authorization or "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized("A bearer token is required")
    return token.strip()


def require(*scopes: str) -> Callable[[Principal], Awaitable[Principal]]:
    """A dependency that needs every one of ``scopes`` (``admin`` implies all).

    The scopes go through FastAPI's ``Security`` so that the operation's security requirement
    in the OpenAPI document names them (guarantee_shared.web.openapi documents 403 from it).
    """

    # A default rather than Annotated: with postponed annotations, an Annotated naming the
    # local ``scopes`` could not be resolved when FastAPI reads the signature.
    async def check(
        principal: Principal = Security(current_principal, scopes=list(scopes)),
    ) -> Principal:
        return ensure_scopes(principal, *scopes)

    return check
