"""Where one ``POST /v1/score`` spends its time, in-process: ``uv run python
bench/rating_engine/inprocess.py [--n 10000] [--profile | --only engine|baseline]``.

Each app is called as ASGI directly (no socket, no uvicorn) with the same request the HTTP
benchmark sends, so the figures isolate what the application itself does per request: the
bare baseline endpoint, the same endpoint behind the shared middleware and inside the shared
``build_app``, the engine's ``/v1/score`` with its rate limiter off, on with counters in memory
(as shipped) and, when one answers on 127.0.0.1:6379, in Redis (``--redis URL`` for another),
and the engine's steps (validate, score, serialise) on their own. The limiter's budgets are
ones the benchmark cannot spend: every request is counted, none refused. Each figure is the
fastest of ``--rounds`` blocks, the measures taking turns, so
that a noisy machine slows them alike. With ``--profile`` the engine route runs under cProfile.

With ``--only`` one app answers ``--n`` requests and nothing is measured: run it under an
instruction counter, which a busy machine does not disturb, at two values of ``--n`` and take
the difference per request (bench/README.md).
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import json
import pstats
import sys
import time
from collections.abc import Callable
from typing import Any

import orjson
from asgi_lifespan import LifespanManager
from fastapi import FastAPI, Response
from pydantic import SecretStr
from sample import sample_request
from starlette.types import ASGIApp, Message

from guarantee_shared.ratelimit import RouteClass
from guarantee_shared.schemas.rating import RatingRequest
from guarantee_shared.settings import ServiceSettings
from guarantee_shared.web.app import build_app
from guarantee_shared.web.auth import TokenVerifier, issue_token
from guarantee_shared.web.middleware import ServiceMiddleware
from guarantee_shared.web.ratelimit import RateLimitMiddleware
from rating_engine.app import create_app
from rating_engine.scoring import rate
from rating_engine.service import parse_body
from rating_engine.settings import RatingEngineSettings

SECRET = "bench-only-secret-0123456789abcdef0123456789"
UNSPENDABLE = "1000000000/minute"


def _scope(body: bytes, token: str | None) -> dict[str, Any]:
    headers = [(b"host", b"bench"), (b"content-type", b"application/json"),
               (b"content-length", str(len(body)).encode())]  # fmt: skip
    if token is not None:
        headers.append((b"authorization", f"Bearer {token}".encode()))
    return {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "POST",
        "scheme": "http", "path": "/v1/score", "raw_path": b"/v1/score", "query_string": b"",
        "root_path": "", "headers": headers, "client": ("127.0.0.1", 1),
        "server": ("127.0.0.1", 8000),
    }  # fmt: skip


def _asgi_block(
    app: ASGIApp, body: bytes, token: str | None, n: int, *, counted: bool = False
) -> Callable[[], float]:
    """A callable that sends ``n`` requests to ``app`` and answers µs per request.

    Each block runs the app's lifespan on its own event loop (the Redis counters' connections
    belong to one loop). ``counted``: every answer must carry the limiter's headers, so that a
    limiter failing open does not pass for a fast one.
    """

    async def receive() -> Message:
        return {"type": "http.request", "body": body, "more_body": False}

    async def send(message: Message) -> None:
        if message["type"] == "http.response.start":
            if message["status"] != 200:
                raise SystemExit(f"unexpected status {message['status']}")
            if counted and not any(k == b"ratelimit-limit" for k, _ in message["headers"]):
                raise SystemExit("the rate limiter did not count a request (storage down?)")

    async def block() -> float:
        async with LifespanManager(app):  # type: ignore[arg-type]
            started = time.perf_counter()
            for _ in range(n):
                await app(_scope(body, token), receive, send)
            return (time.perf_counter() - started) / n * 1e6

    return lambda: asyncio.run(block())


def _loop_block(work: Callable[[], object], n: int) -> Callable[[], float]:
    def block() -> float:
        started = time.perf_counter()
        for _ in range(n):
            work()
        return (time.perf_counter() - started) / n * 1e6

    return block


def _best(blocks: list[Callable[[], float]], rounds: int) -> list[float]:
    """The fastest block of each, run in turns so that machine noise hits all alike."""
    best = [float("inf")] * len(blocks)
    for _ in range(rounds):
        for i, block in enumerate(blocks):
            best[i] = min(best[i], block())
    return best


def _baseline(fixed: bytes, plumbing: str) -> FastAPI:
    """The baseline endpoint bare, behind the shared middleware, or inside ``build_app``."""
    if plumbing == "build_app":
        # The limiter's cost is the engine rows' difference; this row is the plumbing alone.
        settings = ServiceSettings(
            auth_jwt_secret=SecretStr(SECRET), log_level="WARNING", rate_limit_enabled=False
        )
        app = build_app(settings, service="bench", title="bench", version="0", description="")
    else:
        app = FastAPI()
    if plumbing == "middleware":
        app.add_middleware(ServiceMiddleware, service="bench", max_bytes=1 << 20)

    @app.post("/v1/score")
    async def score(body: RatingRequest) -> Response:
        return Response(fixed, media_type="application/json")

    return app


async def _empty_app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    """An app that answers at once (and runs a lifespan): what the limiter alone costs."""
    if scope["type"] == "lifespan":
        while (await receive())["type"] != "lifespan.shutdown":
            await send({"type": "lifespan.startup.complete"})
        await send({"type": "lifespan.shutdown.complete"})
        return
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": b"{}"})


def _limiter_alone(storage: str, *, exempt: bool = False) -> ASGIApp:
    settings = ServiceSettings(
        auth_jwt_secret=SecretStr(SECRET),
        rate_limit_storage_url=storage,
        rate_limit_score=UNSPENDABLE,
        rate_limit_exempt_subs="bench" if exempt else "",
    )
    return RateLimitMiddleware(
        _empty_app,
        service="bench",
        settings=settings,
        verifier=TokenVerifier(settings),
        routes={"POST /v1/score": RouteClass.SCORE},
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--n", type=int, default=1_000, help="requests per block")
    parser.add_argument("--rounds", type=int, default=15, help="blocks per measure; best kept")
    parser.add_argument("--profile", action="store_true", help="cProfile the engine route")
    parser.add_argument("--sort", default="tottime", help="pstats order with --profile")
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/15", help="Redis for a row")
    parser.add_argument("--only", choices=["engine", "baseline"], help="just run --n requests")
    args = parser.parse_args()
    n: int = args.n
    body = json.dumps(sample_request()).encode()
    token = issue_token(SECRET, sub="bench", scopes=["ratings:score"], ttl_s=3600)

    def engine_with(storage: str | None) -> FastAPI:
        limiter: dict[str, Any] = (
            {"rate_limit_enabled": False}
            if storage is None
            else {"rate_limit_storage_url": storage, "rate_limit_score": UNSPENDABLE}
        )
        return create_app(
            RatingEngineSettings(auth_jwt_secret=SecretStr(SECRET), log_level="WARNING", **limiter)
        )

    engine = engine_with("memory://")
    service = engine.state.rating_service
    rules = service.ruleset()
    request = parse_body(RatingRequest, body)
    fixed = service.score_json(request)
    result = rate(request, rules)

    if args.only == "engine":
        _asgi_block(engine, body, token, n)()
        return
    if args.only == "baseline":
        _asgi_block(_baseline(fixed, "bare"), body, None, n)()
        return
    if args.profile:
        profiler = cProfile.Profile()
        profiler.enable()
        _asgi_block(engine, body, token, n * args.rounds)()
        profiler.disable()
        pstats.Stats(profiler, stream=sys.stdout).sort_stats(args.sort).print_stats(30)
        return
    rows = {
        "bare FastAPI endpoint validating RatingRequest (the baseline)":
            _asgi_block(_baseline(fixed, "bare"), body, None, n),
        "the same endpoint behind ServiceMiddleware (request id, metrics, log, body limit)":
            _asgi_block(_baseline(fixed, "middleware"), body, None, n),
        "the same endpoint inside build_app (middleware and the Decimal JSON route class)":
            _asgi_block(_baseline(fixed, "build_app"), body, None, n),
        "the engine's /v1/score, rate limiter off": _asgi_block(engine_with(None), body, token, n),
        "the engine's /v1/score, rate limiter counting in memory (as shipped)":
            _asgi_block(engine, body, token, n, counted=True),
        "  reading and validating the request (parse_body)":
            _loop_block(lambda: parse_body(RatingRequest, body), n),
        "  scoring it (rate)": _loop_block(lambda: rate(request, rules), n),
        "  serialising the result (orjson)": _loop_block(lambda: orjson.dumps(result), n),
    }  # fmt: skip
    # The limiter by itself: steadier figures than the engine rows' difference on a busy machine.
    rows |= {
        "an app that answers at once": _asgi_block(_empty_app, body, token, n),
        "  behind the rate limiter, an exempt subject (token look-up only)":
            _asgi_block(_limiter_alone("memory://", exempt=True), body, token, n),
        "  behind the rate limiter counting in memory":
            _asgi_block(_limiter_alone("memory://"), body, token, n, counted=True),
    }  # fmt: skip
    if _redis_answers(args.redis):
        rows["the engine's /v1/score, rate limiter counting in Redis (this machine's)"] = (
            _asgi_block(engine_with(args.redis), body, token, n, counted=True)
        )
        rows["  the rate limiter alone, counting in Redis (this machine's)"] = _asgi_block(
            _limiter_alone(args.redis), body, token, n, counted=True
        )
    for block in rows.values():  # warm-up
        block()
    timings = _best(list(rows.values()), args.rounds)
    print("| what | µs |\n| --- | --- |")
    for what, us in zip(rows, timings, strict=True):
        print(f"| {what} | {us:.0f} |")


def _redis_answers(url: str) -> bool:
    async def ping() -> bool:
        from redis.asyncio import Redis

        client = Redis.from_url(url, socket_connect_timeout=1)
        try:
            return bool(await client.ping())
        except OSError:
            return False
        finally:
            await client.aclose()

    try:
        return asyncio.run(ping())
    except Exception:  # any failure to reach it: the row is left out
        return False


if __name__ == "__main__":
    main()
