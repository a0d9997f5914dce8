"""Every operation of a service's OpenAPI document against every kind of token.

For each operation the document lists:

- no token, a malformed one, one signed with ``alg: none``, one signed with another key, an
  expired one and one not yet valid → 401 with ``WWW-Authenticate: Bearer``, as problem+json;
- a token with exactly one scope, for every scope → 403 naming the ``missing_scopes`` unless
  that scope is one the operation needs (or ``admin``), and then a status the operation
  documents other than 401 and 403;
- a token with exactly the scopes it needs → likewise past the check.

What an operation needs is read from the contract (:data:`CONTRACT_SCOPES`, docs/CONTRACT.md),
not from the code, and compared with the security requirement the document states: a route
that checks another scope than the contract's fails here, even though its document would agree
with its code. Requests carry no body, so a route that lets the caller through answers with
its validation (422), a lookup (404) or its precondition (428) rather than changing much.
"""

from __future__ import annotations

import re
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import jwt

from guarantee_shared.settings import DEV_JWT_SECRET
from guarantee_shared.web.auth import ADMIN_SCOPE, SCOPES, issue_token

SUB = "matrix@example.com"
PUBLIC_PATHS = frozenset({"/healthz", "/readyz", "/metrics"})
METHODS = ("get", "put", "post", "delete", "patch")
CR, CW = "customers:read", "customers:write"
KR, KW = "contracts:read", "contracts:write"
WRITES = "POST|PUT|PATCH|DELETE"

# docs/CONTRACT.md, "Authentication" and each service's tables: (service, method pattern, path
# pattern, the scopes needed), first match wins. Every operation must match one.
CONTRACT_SCOPES: tuple[tuple[str, str, str, tuple[str, ...]], ...] = (
    ("customer-api", "POST", r"/v1/imports", (CW, KW)),
    ("customer-api", "GET", r"/v1/imports(/.*)?", (CR,)),
    ("customer-api", "POST", r"/v1/imports/\{import_id\}/cancel", (CW,)),
    ("customer-api", "GET", r"/v1/customers(/.*)?", (CR,)),
    ("customer-api", WRITES, r"/v1/customers(/.*)?", (CW,)),
    ("customer-api", "GET", r"/v1/contracts(/.*)?", (KR,)),
    ("customer-api", WRITES, r"/v1/contracts(/.*)?", (KW,)),
    ("customer-api", "POST", r"/v1/ratings/rerun", (CW,)),
    ("customer-api", "GET", r"/v1/jobs/.*", (CR,)),
    # Backtest and training set read the whole book's ratings and outcomes, as the portfolio
    # figures do; before the credit_code pattern, which their paths would match.
    ("customer-api", "GET", r"/v1/ratings/(backtest|training-set)", ("portfolio:read",)),
    ("customer-api", "GET", r"/v1/ratings/\{credit_code\}", ("ratings:read",)),
    ("customer-api", "POST", r"/v1/ratings/lookup", ("ratings:read",)),
    # Partners and their subscriptions: staff need admin (a partner's own token, carrying the
    # partner claim, may manage its subscriptions; tests/customer_api/test_partner*.py).
    ("customer-api", "GET|POST|PATCH|DELETE", r"/v1/partners(/.*)?", ("admin",)),
    ("customer-api", "GET", r"/v1/portfolio/.*", ("portfolio:read",)),
    # Writes nothing: asking whether a guarantee would pass is reading contracts' figures.
    ("customer-api", "POST", r"/v1/policy/check", (KR,)),
    # Asking for an override is part of writing contracts; deciding is its own scope.
    ("customer-api", "POST", r"/v1/approvals/\{approval_id\}/decision", ("approvals:decide",)),
    ("customer-api", "GET", r"/v1/approvals(/.*)?", (KR,)),
    ("customer-api", "POST", r"/v1/approvals", (KW,)),
    # The reserves on the company's books: the contract has no finance scope, so staff (admin).
    ("customer-api", "POST", r"/v1/portfolio/reserve-balances", ("admin",)),
    # A stress test only reads the book (the run is kept as a record of what was asked).
    ("customer-api", "POST", r"/v1/portfolio/stress-tests", ("portfolio:read",)),
    ("customer-api", "GET", r"/v1/reports/review", ("portfolio:read",)),
    ("customer-api", "GET", r"/v1/audit", (CR,)),
    # The industry watch-list is customer policy data, read and kept like customers.
    ("customer-api", "GET", r"/v1/industry-watch(/.*)?", (CR,)),
    ("customer-api", "POST|PATCH|DELETE", r"/v1/industry-watch(/.*)?", (CW,)),
    ("customer-api", "GET", r"/v1/complaints(/.*)?", (CR,)),
    ("customer-api", "POST", r"/v1/complaints(/.*)?", (CW,)),
    # Work (review campaigns and tasks): the customer book's scopes.
    ("customer-api", "GET", r"/v1/me/(customers|tasks)", (CR,)),
    ("customer-api", "GET", r"/v1/review-(campaigns|tasks)(/.*)?", (CR,)),
    ("customer-api", "POST", r"/v1/review-(campaigns|tasks)(/.*)?", (CW,)),
    ("customer-api", "GET", r"/v1/findings/.*", (CR,)),
    ("customer-api", "POST", r"/v1/findings/.*", (CW,)),
    ("rating-engine", "GET|POST", r"/v1/.*", ("ratings:score",)),
    ("alerting", "GET", r"/v1/.*", ("alerts:read",)),
    ("alerting", WRITES, r"/v1/.*", ("alerts:write",)),
)


def contract_scopes(service: str, method: str, path: str) -> tuple[str, ...] | None:
    for rule_service, methods, pattern, scopes in CONTRACT_SCOPES:
        if (
            rule_service == service
            and re.fullmatch(methods, method.upper())
            and re.fullmatch(pattern, path)
        ):
            return scopes
    return None


def _claims(**overrides: Any) -> dict[str, Any]:
    now = int(time.time())
    claims = {"sub": SUB, "scope": " ".join(SCOPES), "iat": now, "exp": now + 600, **overrides}
    return {key: value for key, value in claims.items() if value is not None}


def invalid_tokens() -> dict[str, str]:
    """Tokens that must be refused whatever their scopes (they carry every one)."""
    now = int(time.time())
    return {
        "malformed": "not-a-jwt",
        "alg none": jwt.encode(_claims(), None, algorithm="none"),
        "wrong key": jwt.encode(_claims(), "another-secret-" + "x" * 40, algorithm="HS256"),
        # Beyond the verifier's 30 s leeway on both sides.
        "expired": jwt.encode(_claims(iat=now - 7200, exp=now - 3600), DEV_JWT_SECRET),
        "not yet valid": jwt.encode(_claims(nbf=now + 3600), DEV_JWT_SECRET),
    }


def token(*scopes: str) -> str:
    return issue_token(DEV_JWT_SECRET, sub=SUB, scopes=list(scopes), ttl_s=600)


@dataclass(frozen=True)
class Operation:
    method: str
    path: str
    url: str
    documented: frozenset[int]
    stated_scopes: tuple[str, ...] | None
    streams: bool

    @property
    def label(self) -> str:
        return f"{self.method.upper()} {self.path}"


def operations(spec: dict[str, Any]) -> Iterator[Operation]:
    for path, item in spec["paths"].items():
        for method in METHODS:
            if method not in item:
                continue
            operation = item[method]
            security = operation.get("security")
            stated = tuple(security[0]["HTTPBearer"]) if security else None
            success = operation["responses"].get("200", {}).get("content", {})
            yield Operation(
                method=method,
                path=path,
                url=_concrete(path, operation),
                documented=frozenset(int(s) for s in operation["responses"]),
                stated_scopes=stated,
                streams="text/event-stream" in success,
            )


def _concrete(path: str, operation: dict[str, Any]) -> str:
    """The path with a value for each parameter: a fresh UUID where it is one (nothing has it,
    so a lookup is a 404), else a short word."""
    for parameter in operation.get("parameters", []):
        if parameter["in"] == "path":
            schema = parameter.get("schema", {})
            value = str(uuid.uuid4()) if schema.get("format") == "uuid" else "v1"
            path = path.replace("{" + parameter["name"] + "}", value)
    return path


async def check_matrix(client: httpx.AsyncClient, service: str) -> tuple[list[str], int]:
    """The failures of every check on every operation of ``service``, and how many requests
    were made."""
    spec = (await client.get("/openapi.json")).json()
    failures: list[str] = []
    requests = 0
    bad_tokens = invalid_tokens()

    async def call(operation: Operation, bearer: str | None) -> httpx.Response:
        nonlocal requests
        requests += 1
        headers = {} if bearer is None else {"Authorization": f"Bearer {bearer}"}
        if operation.streams:
            # Past the token check a stream would never end: an invalid Last-Event-ID makes it
            # a 422 once the caller has been let through.
            headers["Last-Event-ID"] = "-1"
        return await client.request(operation.method, operation.url, headers=headers)

    for operation in operations(spec):
        if operation.stated_scopes is None:
            if operation.path not in PUBLIC_PATHS:
                failures.append(f"{operation.label}: states no security requirement")
            continue
        needed = contract_scopes(service, operation.method, operation.path)
        if needed is None:
            failures.append(f"{operation.label}: no scope rule in CONTRACT_SCOPES")
            continue
        if set(operation.stated_scopes) != set(needed):
            failures.append(
                f"{operation.label}: the document states {operation.stated_scopes}, "
                f"the contract {needed}"
            )
        for name, bearer in [("no token", None), *bad_tokens.items()]:
            response = await call(operation, bearer)
            if not _is_unauthorized(response):
                failures.append(f"{operation.label} with {name}: {_show(response)}")
        for scope in SCOPES:
            response = await call(operation, token(scope))
            if scope == ADMIN_SCOPE or set(needed) <= {scope}:
                if response.status_code in (401, 403):
                    failures.append(f"{operation.label} with {scope}: {_show(response)}")
            else:
                missing = sorted(set(needed) - {scope})
                body = _json(response)
                if response.status_code != 403 or sorted(body.get("missing_scopes", [])) != missing:
                    failures.append(f"{operation.label} with only {scope}: {_show(response)}")
            if response.status_code not in operation.documented:
                failures.append(f"{operation.label} with {scope}: undocumented {_show(response)}")
        if len(needed) > 1:
            response = await call(operation, token(*needed))
            if response.status_code in (401, 403):
                failures.append(f"{operation.label} with {needed}: {_show(response)}")
    return failures, requests


def _is_unauthorized(response: httpx.Response) -> bool:
    return (
        response.status_code == 401
        and response.headers.get("www-authenticate", "").startswith("Bearer")
        and response.headers.get("content-type", "").startswith("application/problem+json")
    )


def _json(response: httpx.Response) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


def _show(response: httpx.Response) -> str:
    return f"{response.status_code} {response.text[:200]}"
