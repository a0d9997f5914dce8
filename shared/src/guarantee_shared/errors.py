"""Domain errors: raised by services, rendered once as RFC 9457 problem+json."""

from __future__ import annotations

from typing import Any

PROBLEM_BASE = "https://problems.guarantee.example/"


class DomainError(Exception):
    """An error a caller can act on. ``status`` is the HTTP status it maps to."""

    status: int = 400
    title: str = "Bad request"
    slug: str = "bad-request"
    # Seconds a caller should wait before trying again (the Retry-After header), when known.
    retry_after_s: int | None = None

    def __init__(self, detail: str, *, title: str | None = None, **extra: Any) -> None:
        super().__init__(detail)
        self.detail = detail
        if title is not None:
            self.title = title
        self.extra = extra

    @property
    def type(self) -> str:
        return PROBLEM_BASE + self.slug


class NotFound(DomainError):
    status = 404
    title = "Not found"
    slug = "not-found"


class Conflict(DomainError):
    status = 409
    title = "Conflict"
    slug = "conflict"


class PolicyViolation(Conflict):
    """A guarantee the policy refuses (409); the problem carries the ``violations``."""

    title = "Policy violation"
    slug = "policy-violation"


class InvalidInput(DomainError):
    """A semantic validation failure (422) naming the offending field."""

    status = 422
    title = "Validation failed"
    slug = "validation-error"

    def __init__(self, detail: str, *, loc: list[str | int], kind: str = "value_error") -> None:
        super().__init__(detail, errors=[{"loc": loc, "msg": detail, "type": kind}])


class PreconditionRequired(DomainError):
    status = 428
    title = "Precondition required"
    slug = "precondition-required"


class PreconditionFailed(DomainError):
    status = 412
    title = "Precondition failed"
    slug = "precondition-failed"


class Unauthorized(DomainError):
    status = 401
    title = "Unauthorized"
    slug = "unauthorized"


class Forbidden(DomainError):
    status = 403
    title = "Forbidden"
    slug = "forbidden"


class PeerUnavailable(DomainError):
    """A service this one depends on did not answer usefully."""

    status = 503
    title = "Dependency unavailable"
    slug = "dependency-unavailable"


class DatabaseUnavailable(DomainError):
    """The database could not be reached (restart, failover, no free connection). Nothing of
    the request was committed, unless the connection died during the commit itself; a retry
    with the same Idempotency-Key settles which."""

    status = 503
    title = "Database unavailable"
    slug = "database-unavailable"
    retry_after_s = 2
