"""Per-client rate limits on every route but the probes, metrics and docs (pure ASGI).

* **Who**: the ``sub`` of the request's bearer token when it verifies, else the client's
  address (``scope["client"]``, which uvicorn's ``proxy_headers`` has already resolved from
  ``X-Forwarded-For`` for trusted proxies only). The token goes through the app's own
  :class:`TokenVerifier`, which remembers a verified token until its expiry, so the auth
  dependency that checks it again right after costs a dictionary look-up, not a signature.
  Subjects in ``RATE_LIMIT_EXEMPT_SUBS`` (the platform's own services) are not limited.
* **What**: one budget per service, route class and client. Classes: ``read`` (GET, HEAD,
  OPTIONS), ``write`` (the other methods), and the classes a service names for its own route
  templates (customer-api's partner look-up, the engine's two scoring routes).
* **How**: the ``limits`` library's sliding-window counter (two counters per budget, no
  boundary burst of twice the rate as with fixed windows, constant memory unlike a log of
  every hit), counted in ``RATE_LIMIT_STORAGE_URL``: this process's memory, or a Redis all
  replicas share (Lua scripts, atomic across replicas). A request costs two storage calls
  (count it, then read the window for the headers); a client refused is remembered in this
  process until its window frees a slot, so a flood costs no storage calls at all.
* **Answers**: every limited response carries ``RateLimit-Limit``, ``RateLimit-Remaining``,
  ``RateLimit-Reset`` (seconds) and ``RateLimit-Policy`` (``<limit>;w=<window seconds>``), the
  IETF httpapi draft's fields; a refused request is a 429 ``…/rate-limited`` problem with
  ``Retry-After`` (seconds), sent before the application reads its body.
* **Outage**: when the storage fails (Redis unreachable, timed out, refusing), requests pass
  unlimited — a limiter outage must not take the API down — with a warning log, the counter
  ``rate_limit_storage_errors_total``, and no further attempt for
  :data:`STORAGE_RETRY_AFTER_S` seconds, so that an outage costs one time-out, not one per
  request.
"""

from __future__ import annotations

import math
import time
from abc import ABC, abstractmethod
from collections.abc import Mapping
from typing import Any

from limits import RateLimitItem
from limits.aio.strategies import (
    SlidingWindowCounterRateLimiter as AsyncSlidingWindowCounterRateLimiter,
)
from limits.storage import MemoryStorage, storage_from_string
from limits.strategies import SlidingWindowCounterRateLimiter
from limits.util import WindowStats
from prometheus_client import Counter
from redis.asyncio import ConnectionPool
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff
from starlette.routing import compile_path
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from guarantee_shared.errors import Unauthorized
from guarantee_shared.logging import get_logger
from guarantee_shared.ratelimit import RateLimited, RateLimitSettings, RouteClass
from guarantee_shared.web.auth import TokenVerifier
from guarantee_shared.web.problems import problem

# Never limited: orchestrators and scrapers must always get through, and the docs are static.
EXEMPT_PATHS = frozenset({"/healthz", "/readyz", "/metrics", "/openapi.json", "/redoc"})
EXEMPT_PREFIX = "/docs"
# How long the limiter stays out of the way after its storage failed.
STORAGE_RETRY_AFTER_S = 5.0
# A Redis that does not answer within this is treated as down (the request goes on unlimited).
REDIS_TIMEOUT_S = 0.5
# Clients remembered as refused, at most (then forgotten all at once; the storage still knows).
MAX_BLOCKED = 10_000
# How often the in-process storage drops expired counters.
MEMORY_SWEEP_INTERVAL_S = 1.0
_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
_AUTHORIZATION = b"authorization"

RATE_LIMITED = Counter(
    "rate_limit_refused_total", "Requests refused with 429", ["service", "route_class"]
)
STORAGE_ERRORS = Counter(
    "rate_limit_storage_errors_total",
    "Rate-limit checks skipped because the counter storage failed (the request passed)",
    ["service"],
)

log = get_logger("ratelimit")


class _Counters(ABC):
    """Counts one hit of a budget and reads its window, in this process or in Redis."""

    @abstractmethod
    async def hit(self, item: RateLimitItem, *key: str) -> tuple[bool, WindowStats]:
        """Count one hit of ``item`` for ``key``: whether it was allowed, and the window."""

    async def aclose(self) -> None:  # noqa: B027 - a default: counters in memory hold nothing
        """Release connections (at the app's shutdown)."""


class _SweepingMemoryStorage(MemoryStorage):
    """``limits``' in-process storage, sweeping expired counters inline once a second.

    The library's own schedule starts a timer thread 10 ms after the previous one ended (its
    asyncio twin, a task per call): under load, a hundred thread starts a second, each a walk
    over every key, which cost more than the counting itself. Reads drop an expired counter
    whatever the sweep does, so a slower sweep only bounds memory later. It overrides the
    storage's private hook (name-mangled, hence the spelling); a test checks that counting
    starts no thread, so an upgrade of ``limits`` that renames it fails loudly.
    """

    def __init__(self) -> None:
        super().__init__()
        self._next_sweep = 0.0

    def _MemoryStorage__schedule_expiry(self) -> None:  # noqa: N802 - the mangled name
        now = time.monotonic()
        if now >= self._next_sweep:
            self._next_sweep = now + MEMORY_SWEEP_INTERVAL_S
            self._MemoryStorage__expire_events()  # type: ignore[attr-defined]


class _MemoryCounters(_Counters):
    """``memory://``: the synchronous limiter on the in-process storage. Nothing in it waits,
    so it is called directly, without the asyncio variant's awaits."""

    def __init__(self) -> None:
        self.limiter = SlidingWindowCounterRateLimiter(_SweepingMemoryStorage())

    async def hit(self, item: RateLimitItem, *key: str) -> tuple[bool, WindowStats]:
        allowed = self.limiter.hit(item, *key)
        return allowed, self.limiter.get_window_stats(item, *key)


class _RedisCounters(_Counters):
    """``redis://``: ``limits``' asyncio limiter over redis-py, one Lua script per call.

    Short time-outs and one immediate retry (for a pooled connection the server has dropped)
    instead of redis-py's default ten retries with back-off: a limiter that waits seconds for
    its storage is worse than none. Options in the URL's query (``?socket_timeout=1``) win.
    """

    def __init__(self, url: str) -> None:
        self.pool = ConnectionPool.from_url(
            url,
            socket_timeout=REDIS_TIMEOUT_S,
            socket_connect_timeout=REDIS_TIMEOUT_S,
            retry=Retry(NoBackoff(), retries=1),
        )
        # limits types its pass-through options as scalars; redis-py takes the pool object.
        options: dict[str, Any] = {"connection_pool": self.pool}
        storage = storage_from_string(
            "async+" + url, implementation="redispy", wrap_exceptions=True, **options
        )
        self.limiter = AsyncSlidingWindowCounterRateLimiter(storage)

    async def hit(self, item: RateLimitItem, *key: str) -> tuple[bool, WindowStats]:
        allowed = await self.limiter.hit(item, *key)
        return allowed, await self.limiter.get_window_stats(item, *key)

    async def aclose(self) -> None:
        await self.pool.aclose()


def open_counters(url: str) -> _Counters:
    return _MemoryCounters() if url.startswith("memory://") else _RedisCounters(url)


class _Budget:
    """One route class's limit, with the header values that never change."""

    def __init__(self, route_class: RouteClass, item: RateLimitItem) -> None:
        self.route_class = route_class
        self.item = item
        self.limit_header = (b"ratelimit-limit", str(item.amount).encode())
        self.policy_header = (
            b"ratelimit-policy",
            f"{item.amount};w={item.get_expiry()}".encode(),
        )


class RateLimitMiddleware:
    def __init__(
        self,
        app: ASGIApp,
        *,
        service: str,
        settings: RateLimitSettings,
        verifier: TokenVerifier,
        routes: Mapping[str, RouteClass] | None = None,
    ) -> None:
        self.app = app
        self.service = service
        self.verifier = verifier
        self.exempt_subs = settings.rate_limit_exempt_subs
        self.budgets = {c: _Budget(c, settings.rate_limit_for(c)) for c in RouteClass}
        self.counters = open_counters(settings.rate_limit_storage_url)
        # Route templates ("GET /v1/ratings/{credit_code}") by exact path, else by pattern.
        self._exact: dict[tuple[str, str], _Budget] = {}
        self._patterns: list[tuple[str, Any, _Budget]] = []
        for declared, route_class in (routes or {}).items():
            method, _, template = declared.partition(" ")
            budget = self.budgets[RouteClass(route_class)]
            if "{" in template:
                self._patterns.append((method, compile_path(template)[0], budget))
            else:
                self._exact[(method, template)] = budget
        self._storage_down_until = 0.0
        # (class, client) -> the wall-clock time until which the storage said no.
        self._blocked: dict[tuple[RouteClass, str], float] = {}
        self._refused = {c: RATE_LIMITED.labels(service, c.value) for c in RouteClass}
        self._storage_errors = STORAGE_ERRORS.labels(service)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            if scope["type"] == "lifespan":
                await self.app(scope, receive, self._closing_at_shutdown(send))
            else:
                await self.app(scope, receive, send)
            return
        path: str = scope["path"]
        root: str = scope.get("root_path", "")
        if root and path.startswith(root):
            path = path[len(root) :]
        if path in EXEMPT_PATHS or path.startswith(EXEMPT_PREFIX):
            await self.app(scope, receive, send)
            return
        sub = await self._subject(scope["headers"])
        if sub is not None and sub in self.exempt_subs:
            await self.app(scope, receive, send)
            return
        if self._storage_down_until and time.monotonic() < self._storage_down_until:
            await self.app(scope, receive, send)
            return
        if sub is not None:
            client = "sub:" + sub
        else:
            address = scope.get("client")
            client = "addr:" + (address[0] if address else "unknown")
        budget = self._budget(scope["method"], path)
        now = time.time()
        key = (budget.route_class, client)
        # A client refused a moment ago stays refused until its window frees a slot: answered
        # here, without the storage, so that a flood costs a dictionary look-up per request.
        blocked_until = self._blocked.get(key)
        if blocked_until is not None:
            if now < blocked_until:
                await self._refuse(scope, receive, send, budget, blocked_until - now)
                return
            del self._blocked[key]
        try:
            allowed, stats = await self.counters.hit(
                budget.item, self.service, budget.route_class, client
            )
        except Exception as exc:  # whatever the storage raised: fail open, say so, back off
            self._storage_failed(exc)
            await self.app(scope, receive, send)
            return
        if self._storage_down_until:
            self._storage_down_until = 0.0
            log.info("rate_limit_storage_recovered", service=self.service)
        if not allowed:
            if len(self._blocked) >= MAX_BLOCKED:
                self._blocked.clear()  # bounded; the storage still refuses whoever is over
            self._blocked[key] = stats.reset_time
            await self._refuse(scope, receive, send, budget, stats.reset_time - now)
            return
        headers = _headers(budget, stats.remaining, stats.reset_time - now)

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message = {**message, "headers": [*message.get("headers", ()), *headers]}
            await send(message)

        await self.app(scope, receive, send_with_headers)

    def _budget(self, method: str, path: str) -> _Budget:
        lookup = "GET" if method == "HEAD" else method
        budget = self._exact.get((lookup, path))
        if budget is not None:
            return budget
        for declared, pattern, candidate in self._patterns:
            if declared == lookup and pattern.match(path):
                return candidate
        return self.budgets[RouteClass.READ if method in _SAFE_METHODS else RouteClass.WRITE]

    async def _subject(self, headers: list[tuple[bytes, bytes]]) -> str | None:
        """The verified token's ``sub``, or None without a valid bearer token."""
        for name, value in headers:
            if name == _AUTHORIZATION:
                scheme, _, token = value.decode("latin-1").partition(" ")
                token = token.strip()
                if scheme.lower() != "bearer" or not token:
                    return None
                try:
                    return (await self.verifier.verify(token)).sub
                except Unauthorized:
                    return None  # the route answers 401; meanwhile it counts by address
        return None

    def _storage_failed(self, exc: Exception) -> None:
        self._storage_errors.inc()
        first = not self._storage_down_until
        self._storage_down_until = time.monotonic() + STORAGE_RETRY_AFTER_S
        if first:
            log.warning(
                "rate_limit_storage_unavailable",
                service=self.service,
                error_type=type(exc).__name__,
                error=str(exc),
                retry_in_s=STORAGE_RETRY_AFTER_S,
                effect="requests pass unlimited until the storage answers",
            )

    async def _refuse(
        self,
        scope: Scope,
        receive: Receive,
        send: Send,
        budget: _Budget,
        reset_in_s: float,
    ) -> None:
        self._refused[budget.route_class].inc()
        item = budget.item
        retry_after_s = max(1, math.ceil(reset_in_s))
        error = RateLimited(
            f"This client may make {item.amount} {budget.route_class.value} requests per "
            f"{_window(item)}; retry in {retry_after_s} s."
        )
        response = problem(
            error.status,
            title=error.title,
            detail=error.detail,
            type_=error.type,
            headers={"Retry-After": str(retry_after_s)},
            route_class=budget.route_class.value,
            limit=item.amount,
            window_s=item.get_expiry(),
            retry_after_s=retry_after_s,
        )
        response.raw_headers.extend(_headers(budget, 0, reset_in_s))
        await response(scope, receive, send)

    def _closing_at_shutdown(self, send: Send) -> Send:
        async def send_closing(message: Message) -> None:
            if message["type"] in ("lifespan.shutdown.complete", "lifespan.shutdown.failed"):
                await self.counters.aclose()
            await send(message)

        return send_closing


def _headers(budget: _Budget, remaining: int, reset_in_s: float) -> list[tuple[bytes, bytes]]:
    return [
        budget.limit_header,
        (b"ratelimit-remaining", str(remaining).encode()),
        (b"ratelimit-reset", str(max(0, math.ceil(reset_in_s))).encode()),
        budget.policy_header,
    ]


def _window(item: RateLimitItem) -> str:
    granularity = item.GRANULARITY.name
    return granularity if item.multiples == 1 else f"{item.multiples} {granularity}s"


def install_rate_limits(
    app: Any,
    settings: RateLimitSettings,
    *,
    service: str,
    routes: Mapping[str, RouteClass] | None,
) -> None:
    """Add the limiter to ``app`` (a FastAPI app) unless ``RATE_LIMIT_ENABLED`` is false.

    Call it before adding ``ServiceMiddleware``, so that a 429 carries the request id and is
    counted and logged like any answer.
    """
    if settings.rate_limit_enabled:
        app.add_middleware(
            RateLimitMiddleware,
            service=service,
            settings=settings,
            verifier=app.state.token_verifier,
            routes=routes,
        )
