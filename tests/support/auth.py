"""Bearer tokens for tests, minted with the development secret."""

from __future__ import annotations

from guarantee_shared.settings import DEV_JWT_SECRET
from guarantee_shared.web.auth import issue_token

ALL_SCOPES = (
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
)


def bearer(
    *scopes: str,
    sub: str = "tester@example.com",
    secret: str = DEV_JWT_SECRET,
    issuer: str | None = None,
    audience: str | None = None,
    partner: str | None = None,
) -> dict[str, str]:
    token = issue_token(
        secret, sub=sub, scopes=list(scopes), issuer=issuer, audience=audience, partner=partner
    )
    return {"Authorization": "Bearer " + token}
