"""Rate limits: the route classes, their settings and the 429 problem.

The middleware that applies them is :mod:`guarantee_shared.web.ratelimit`; this module has no
web code so that the settings base can import it. Each class of route has its own budget per
client and service, written in the notation of the ``limits`` library (``"600/minute"``,
``"10/second"``, ``"1000 per hour"``): one limit per class.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated
from urllib.parse import urlsplit

from limits import RateLimitItem, parse_many
from pydantic import field_validator
from pydantic_settings import BaseSettings, NoDecode

from guarantee_shared.errors import DomainError

# Where the counters live: this process's memory, or a Redis every replica shares.
STORAGE_SCHEMES = frozenset({"memory", "redis", "rediss"})


class RouteClass(StrEnum):
    """The budgets. A route is ``read`` (GET, HEAD, OPTIONS) or ``write`` unless its service
    names it as another class (``build_app(rate_limit_routes=…)``)."""

    READ = "read"
    WRITE = "write"
    PARTNER = "partner"
    SCORE = "score"
    SCORE_BATCH = "score_batch"


class RateLimited(DomainError):
    """429: the caller has spent its budget for this class of route; ``Retry-After`` says when
    to come back."""

    status = 429
    title = "Too many requests"
    slug = "rate-limited"


def parse_limit(value: str) -> RateLimitItem:
    """One ``limits`` rate (``"600/minute"``), else ``ValueError`` naming what is wrong."""
    try:
        items = parse_many(value)
    except ValueError:
        raise ValueError(
            f"{value!r} is not a rate such as '600/minute', '10/second' or '1000 per hour'"
        ) from None
    if len(items) != 1:
        raise ValueError(f"{value!r} names {len(items)} rates; give one per class")
    if items[0].amount < 1:
        raise ValueError(f"{value!r} allows nothing; switch limits off with RATE_LIMIT_ENABLED")
    return items[0]


class RateLimitSettings(BaseSettings):
    """The ``RATE_LIMIT_*`` variables every service reads (ServiceSettings inherits them)."""

    rate_limit_enabled: bool = True
    # memory:// counts in this process (one replica, development); redis://host:6379/0 (or
    # rediss://) shares the counters between every replica of every service.
    rate_limit_storage_url: str = "memory://"
    rate_limit_read: str = "600/minute"
    rate_limit_write: str = "120/minute"
    # The partner banks' rating look-up, GET /v1/ratings/{credit_code} (customer-api).
    rate_limit_partner: str = "120/minute"
    # rating-engine: POST /v1/score, and POST /v1/score/batch (one hit per batch of up to
    # 10,000 requests: a budget of its own, much smaller).
    rate_limit_score: str = "1200/minute"
    rate_limit_score_batch: str = "30/minute"
    # Token subjects never limited: the platform's own services calling each other (their
    # traffic is limited where it enters, at the caller's own routes).
    rate_limit_exempt_subs: Annotated[frozenset[str], NoDecode] = frozenset(
        {"customer-api", "alerting"}
    )

    def rate_limit_for(self, route_class: RouteClass) -> RateLimitItem:
        limits = {
            RouteClass.READ: self.rate_limit_read,
            RouteClass.WRITE: self.rate_limit_write,
            RouteClass.PARTNER: self.rate_limit_partner,
            RouteClass.SCORE: self.rate_limit_score,
            RouteClass.SCORE_BATCH: self.rate_limit_score_batch,
        }
        return parse_limit(limits[route_class])

    @field_validator(
        "rate_limit_read",
        "rate_limit_write",
        "rate_limit_partner",
        "rate_limit_score",
        "rate_limit_score_batch",
    )
    @classmethod
    def _one_rate(cls, value: str) -> str:
        parse_limit(value)
        return value

    @field_validator("rate_limit_storage_url")
    @classmethod
    def _known_storage(cls, value: str) -> str:
        scheme = urlsplit(value).scheme
        if scheme not in STORAGE_SCHEMES:
            raise ValueError(f"{value!r}: the storage is memory:// or a redis:// (rediss://) URL")
        return value

    @field_validator("rate_limit_exempt_subs", mode="before")
    @classmethod
    def _split(cls, value: object) -> object:
        if isinstance(value, str):
            return frozenset(sub.strip() for sub in value.split(",") if sub.strip())
        return value
