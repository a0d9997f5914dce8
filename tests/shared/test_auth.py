"""Bearer tokens: HS256 with the shared secret, RS256 from a real JWKS endpoint, scope checks."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm
from pydantic import ValidationError

from guarantee_shared.errors import Unauthorized
from guarantee_shared.settings import DEV_JWT_SECRET, ServiceSettings
from guarantee_shared.web.auth import Principal, ServiceToken, TokenVerifier, issue_token


async def test_hs256_token_yields_principal_with_scopes() -> None:
    verifier = TokenVerifier(ServiceSettings())
    principal = await verifier.verify(
        issue_token(DEV_JWT_SECRET, sub="risk-officer", scopes=["customers:read", "pii:read"])
    )
    assert principal == Principal("risk-officer", frozenset({"customers:read", "pii:read"}))
    assert principal.has("pii:read")
    assert not principal.has("contracts:write")
    assert Principal("root", frozenset({"admin"})).has("contracts:write")


async def test_a_partner_claim_is_carried_by_the_principal() -> None:
    verifier = TokenVerifier(ServiceSettings())
    token = issue_token(
        DEV_JWT_SECRET, sub="icbc-integration", scopes=["ratings:read"], partner="icbc"
    )
    principal = await verifier.verify(token)
    assert (principal.sub, principal.partner) == ("icbc-integration", "icbc")
    staff = await verifier.verify(issue_token(DEV_JWT_SECRET, sub="analyst", scopes=["admin"]))
    assert staff.partner is None


@pytest.mark.parametrize("claim", ["", 7, ["icbc"]], ids=["empty", "number", "list"])
async def test_a_partner_claim_that_is_not_a_code_is_401(claim: object) -> None:
    # Minted when the test runs, not when it is collected: a slow run must not expire it.
    claims = {"sub": "x", "scope": "ratings:read", "exp": time.time() + 600, "partner": claim}
    token = jwt.encode(claims, DEV_JWT_SECRET, algorithm="HS256")
    with pytest.raises(Unauthorized, match="partner claim"):
        await TokenVerifier(ServiceSettings()).verify(token)


@pytest.mark.parametrize(
    "token",
    [
        issue_token("another-secret-of-sufficient-length-000000", sub="x", scopes=["admin"]),
        issue_token(DEV_JWT_SECRET, sub="x", scopes=["admin"], ttl_s=-120),
        jwt.encode({"sub": "x", "scope": "admin"}, DEV_JWT_SECRET, algorithm="HS256"),
        "not-a-jwt",
    ],
    ids=["wrong-secret", "expired", "no-exp", "garbage"],
)
async def test_bad_tokens_are_401(token: str) -> None:
    with pytest.raises(Unauthorized):
        await TokenVerifier(ServiceSettings()).verify(token)


def test_production_refuses_the_development_secret() -> None:
    with pytest.raises(ValidationError, match="AUTH_JWKS_URL or a non-default AUTH_JWT_SECRET"):
        ServiceSettings(environment="production")
    ok = ServiceSettings(environment="production", auth_jwt_secret="s" * 40)
    assert ok.environment == "production"


@pytest.fixture
def jwks_server() -> Iterator[tuple[str, rsa.RSAPrivateKey]]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    jwk = json.loads(RSAAlgorithm.to_jwk(key.public_key()))
    body = json.dumps({"keys": [{**jwk, "kid": "k1", "use": "sig", "alg": "RS256"}]}).encode()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            return

    server = HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/jwks.json", key
    server.shutdown()
    server.server_close()


async def test_rs256_tokens_verify_against_jwks(jwks_server: tuple[str, rsa.RSAPrivateKey]) -> None:
    url, key = jwks_server
    verifier = TokenVerifier(ServiceSettings(auth_jwks_url=url))
    now = int(time.time())
    claims = {"sub": "bank-partner", "scope": "ratings:read", "exp": now + 60}
    token = jwt.encode(claims, key, algorithm="RS256", headers={"kid": "k1"})
    principal = await verifier.verify(token)
    assert principal.sub == "bank-partner"
    assert principal.scopes == frozenset({"ratings:read"})
    with pytest.raises(Unauthorized):
        await verifier.verify(issue_token(DEV_JWT_SECRET, sub="x", scopes=["admin"]))


def _hs256(**claims: object) -> str:
    now = int(time.time())
    return jwt.encode(
        {"sub": "officer", "scope": "customers:read", "iat": now, "exp": now + 600, **claims},
        DEV_JWT_SECRET,
        algorithm="HS256",
    )


CHECKED = ServiceSettings(
    auth_issuer="https://login.example.com/",
    auth_audience="guarantee-platform",
    auth_max_token_ttl_s=3600,
)
GOOD = {"iss": "https://login.example.com/", "aud": "guarantee-platform"}


async def test_a_token_with_the_configured_issuer_audience_and_lifetime_passes() -> None:
    principal = await TokenVerifier(CHECKED).verify(_hs256(**GOOD))
    assert principal.sub == "officer"


@pytest.mark.parametrize(
    ("claims", "settings"),
    [
        ({**GOOD, "iss": "https://evil.example.com/"}, CHECKED),
        ({"iss": "https://evil.example.com/"}, ServiceSettings(auth_issuer=GOOD["iss"])),
        ({"aud": "guarantee-platform"}, CHECKED),  # no iss
        ({**GOOD, "aud": "another-platform"}, CHECKED),
        ({"iss": "https://login.example.com/"}, CHECKED),  # no aud
        ({**GOOD, "exp": int(time.time()) + 2 * 3600}, CHECKED),  # lives 2 h > 1 h
        ({"iat": None, "exp": int(time.time()) + 30 * 86400}, ServiceSettings()),  # 30 days, no iat
        ({"exp": int(time.time()) + 86400 + 3600}, ServiceSettings()),  # default bound: one day
        ({"sub": ""}, ServiceSettings()),
        ({"sub": "  "}, ServiceSettings()),
        ({"exp": str(int(time.time()) + 60)}, ServiceSettings()),
    ],
    ids=[
        "wrong-issuer",
        "wrong-issuer-only-issuer-checked",
        "no-issuer",
        "wrong-audience",
        "no-audience",
        "longer-than-max-ttl",
        "month-long-without-iat",
        "longer-than-a-day",
        "empty-sub",
        "blank-sub",
        "string-exp",
    ],
)
async def test_tokens_failing_a_configured_check_are_401_every_time(
    claims: dict[str, object], settings: ServiceSettings
) -> None:
    token = _hs256(**claims) if claims.get("iat", 0) is not None else _without_iat(claims)
    verifier = TokenVerifier(settings)
    for _ in range(2):  # a refused token is never remembered: the second try is refused too
        with pytest.raises(Unauthorized):
            await verifier.verify(token)


def _without_iat(claims: dict[str, object]) -> str:
    body = {"sub": "officer", "scope": "customers:read", **claims}
    body.pop("iat")
    return jwt.encode(body, DEV_JWT_SECRET, algorithm="HS256")


async def test_a_remembered_token_is_held_to_the_checks_of_the_verifier_that_remembers_it() -> None:
    # One verifier per app: a token remembered by a lax one is still refused by a strict one.
    token = _hs256(exp=int(time.time()) + 7200)
    lax = TokenVerifier(ServiceSettings())
    strict = TokenVerifier(CHECKED)
    assert (await lax.verify(token)).sub == "officer"
    assert (await lax.verify(token)).sub == "officer"  # from its memo
    with pytest.raises(Unauthorized):
        await strict.verify(token)


async def test_self_minted_service_tokens_pass_the_configured_checks() -> None:
    settings = CHECKED.model_copy(update={"auth_max_token_ttl_s": 300})
    token = ServiceToken(settings, scopes=("ratings:score",))()
    claims = jwt.decode(token, options={"verify_signature": False})
    assert (claims["iss"], claims["aud"]) == (GOOD["iss"], GOOD["aud"])
    assert claims["exp"] - claims["iat"] <= 300  # never longer than its peers accept
    principal = await TokenVerifier(settings).verify(token)
    assert principal.scopes == frozenset({"ratings:score"})


def test_checks_are_read_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AUTH_ISSUER", "https://login.example.com/")
    monkeypatch.setenv("AUTH_AUDIENCE", "guarantee-platform")
    monkeypatch.setenv("AUTH_MAX_TOKEN_TTL_S", "900")
    monkeypatch.setenv("METRICS_TOKEN", "")  # empty in an .env file: not set
    settings = ServiceSettings()
    assert (settings.auth_issuer, settings.auth_audience) == (GOOD["iss"], GOOD["aud"])
    assert settings.auth_max_token_ttl_s == 900
    assert settings.metrics_token is None


def test_production_refuses_a_short_metrics_token() -> None:
    with pytest.raises(ValidationError, match="METRICS_TOKEN must be at least 32"):
        ServiceSettings(environment="production", auth_jwt_secret="s" * 40, metrics_token="short")
