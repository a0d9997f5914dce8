"""Rating-engine benchmark: ``uv run python bench/rating_engine/run.py [--update-readme]``.

1. Throughput of the engine's ``POST /v1/score`` against a bare FastAPI endpoint that validates
   the same request model and answers a fixed result (``baseline_app.py``). Both run as real
   uvicorn processes with the same settings (1 worker, uvloop, httptools, log level warning),
   one after the other and in alternating rounds, pinned to one CPU while the load generator
   runs on another. Target: engine >= 0.75 x baseline.
2. ``POST /v1/score/batch`` with 10,000 requests, end to end over HTTP, against the in-process
   cost of validating and scoring the same 10,000. Target: <= 2 x.

The engine runs with its rate limiter on, as shipped (``--rate-limit memory``: counters in the
process), with budgets the benchmark cannot spend, so every request pays for the check and none
is refused; ``--rate-limit off`` measures without it, ``--rate-limit redis://…`` with the
counters in that Redis.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import httpx
from loadgen import LoadResult, encode_post, run_load
from pydantic import SecretStr
from sample import sample_request

from guarantee_shared.schemas.rating import RatingRequest
from guarantee_shared.web.auth import issue_token
from rating_engine.app import create_app
from rating_engine.scoring import rate
from rating_engine.settings import RatingEngineSettings

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
RESULTS = ROOT / "bench" / "results"
README = ROOT / "bench" / "README.md"
COMMAND = "uv run python bench/rating_engine/run.py"
SECRET = "bench-only-secret-0123456789abcdef0123456789"
UVICORN = ["--workers", "1", "--loop", "uvloop", "--http", "httptools",
           "--log-level", "warning", "--no-access-log"]  # fmt: skip
BATCH = 10_000
# Budgets no benchmark run can spend: every request is counted, none refused.
UNSPENDABLE = "1000000000/minute"
BEGIN, END = "<!-- rating-engine:begin -->", "<!-- rating-engine:end -->"


@dataclass(frozen=True)
class Figures:
    engine: list[LoadResult]
    baseline: list[LoadResult]
    batch_http_s: float
    batch_inprocess_s: float
    connections: int
    requests: int
    rate_limit: str

    @property
    def engine_rps(self) -> float:
        return statistics.median(r.rps for r in self.engine)

    @property
    def baseline_rps(self) -> float:
        return statistics.median(r.rps for r in self.baseline)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def pin(pid: int, cpu: int) -> None:
    if hasattr(os, "sched_setaffinity") and (os.cpu_count() or 1) > 1:
        os.sched_setaffinity(pid, {cpu})


def start(args: list[str], port: int, env: dict[str, str]) -> subprocess.Popen[bytes]:
    command = [sys.executable, "-m", "uvicorn", *args, "--host", "127.0.0.1",
               "--port", str(port), *UVICORN]  # fmt: skip
    process = subprocess.Popen(command, cwd=ROOT, env={**os.environ, **env})
    pin(process.pid, 0)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"server exited while starting: {' '.join(command)}")
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                return process
        except httpx.TransportError:
            time.sleep(0.1)
    process.terminate()
    raise SystemExit(f"server did not become healthy: {' '.join(command)}")


def best_of(runs: int, work: Callable[[], None]) -> float:
    timings = []
    for _ in range(runs):
        started = time.perf_counter()
        work()
        timings.append(time.perf_counter() - started)
    return min(timings)


def limiter_env(rate_limit: str) -> dict[str, str]:
    """The engine's RATE_LIMIT_* variables for ``--rate-limit`` (off, memory or a Redis URL)."""
    if rate_limit == "off":
        return {"RATE_LIMIT_ENABLED": "false"}
    storage = "memory://" if rate_limit == "memory" else rate_limit
    return {"RATE_LIMIT_ENABLED": "true", "RATE_LIMIT_STORAGE_URL": storage,
            "RATE_LIMIT_SCORE": UNSPENDABLE, "RATE_LIMIT_SCORE_BATCH": UNSPENDABLE}  # fmt: skip


def check_limiter(port: int, headers: dict[str, str], body: bytes, rate_limit: str) -> None:
    """Stop unless the engine counts the bench's requests as configured (a limiter whose
    storage is down lets requests through without its headers: that would measure nothing)."""
    answer = httpx.post(f"http://127.0.0.1:{port}/v1/score", content=body, headers=headers)
    counted = "ratelimit-limit" in answer.headers
    if answer.status_code != 200 or counted != (rate_limit != "off"):
        raise SystemExit(f"the engine's limiter is not as asked ({rate_limit}): {answer.headers}")


def measure(requests: int, rounds: int, connections: int, rate_limit: str) -> Figures:
    settings = RatingEngineSettings(auth_jwt_secret=SecretStr(SECRET), log_level="WARNING")
    service = create_app(settings).state.rating_service
    body = json.dumps(sample_request()).encode()
    RESULTS.mkdir(parents=True, exist_ok=True)
    fixed = RESULTS / "rating_engine_fixed_result.json"
    fixed.write_text(service.score(RatingRequest.model_validate_json(body)).model_dump_json())

    token = issue_token(SECRET, sub="bench", scopes=["ratings:score"], ttl_s=3600)
    headers = {"Content-Type": "application/json", "Authorization": f"Bearer {token}"}
    raw = encode_post("/v1/score", body, headers)
    engine_port, baseline_port = free_port(), free_port()
    engine_env = {"AUTH_JWT_SECRET": SECRET, "LOG_LEVEL": "WARNING", "ENVIRONMENT": "development",
                  **limiter_env(rate_limit)}  # fmt: skip
    servers = [
        start(["--factory", "rating_engine.app:create_app"], engine_port, engine_env),
        start(["--app-dir", str(HERE), "baseline_app:app"], baseline_port,
              {"RATING_BENCH_FIXED_RESULT": str(fixed)}),
    ]  # fmt: skip
    pin(0, 1)
    try:
        check_limiter(engine_port, headers, body, rate_limit)
        engine: list[LoadResult] = []
        baseline: list[LoadResult] = []
        for port in (engine_port, baseline_port):  # warm-up: imports, caches, JIT-free paths
            run_load("127.0.0.1", port, raw, total=min(2000, requests), connections=connections)
        for round_no in range(rounds):
            order = [(engine, engine_port), (baseline, baseline_port)]
            for results, port in order if round_no % 2 == 0 else order[::-1]:
                results.append(
                    run_load("127.0.0.1", port, raw, total=requests, connections=connections)
                )
        batch_body = json.dumps({"requests": [sample_request(i) for i in range(BATCH)]}).encode()
        items = json.loads(batch_body, parse_float=Decimal)["requests"]
        rules = service.ruleset()

        def in_process() -> None:
            for item in items:
                rate(RatingRequest.model_validate(item), rules)

        answers: list[httpx.Response] = []

        def over_http() -> None:
            answers.append(
                httpx.post(
                    f"http://127.0.0.1:{engine_port}/v1/score/batch",
                    content=batch_body,
                    headers=headers,
                    timeout=600,
                )
            )

        batch_inprocess = best_of(3, in_process)
        batch_http = best_of(3, over_http)
        results_n = len(answers[-1].json()["results"])
        if answers[-1].status_code != 200 or results_n != BATCH:
            raise SystemExit(f"batch failed: {answers[-1].status_code}, {results_n} results")
    finally:
        for server in servers:
            server.terminate()
            server.wait(timeout=10)
    return Figures(engine, baseline, batch_http, batch_inprocess, connections, requests, rate_limit)


def report(figures: Figures) -> str:
    ratio = figures.engine_rps / figures.baseline_rps
    batch_ratio = figures.batch_http_s / figures.batch_inprocess_s
    engine_p = statistics.median(r.p50_ms for r in figures.engine)
    base_p = statistics.median(r.p50_ms for r in figures.baseline)
    errors = sum(r.errors for r in figures.engine + figures.baseline)
    cpu = platform.processor() or platform.machine()
    lines = [
        f"Measured {time.strftime('%Y-%m-%d')} on {os.cpu_count()} CPUs ({cpu}), Python "
        f"{platform.python_version()}; {len(figures.engine)} alternating rounds of "
        f"{figures.requests:,} requests over {figures.connections} keep-alive connections; "
        f"medians shown; {errors} non-200 answers; the engine's rate limiter: "
        f"{_limiter_words(figures.rate_limit)}.",
        "",
        "| measure | engine | baseline | ratio | target |",
        "| --- | --- | --- | --- | --- |",
        f"| `POST /v1/score` throughput (req/s) | {figures.engine_rps:,.0f} | "
        f"{figures.baseline_rps:,.0f} | {ratio:.3f} | >= 0.75 |",
        f"| `POST /v1/score` latency p50 (ms) | {engine_p:.2f} | {base_p:.2f} | | |",
        f"| batch of {BATCH:,}: HTTP end to end vs in-process validate + score (s) | "
        f"{figures.batch_http_s:.2f} | {figures.batch_inprocess_s:.2f} | {batch_ratio:.2f} | "
        "<= 2 |",
    ]
    return "\n".join(lines)


def _limiter_words(rate_limit: str) -> str:
    if rate_limit == "off":
        return "off"
    where = "in process memory" if rate_limit == "memory" else "in Redis on this machine"
    return f"on, counting every request {where}"


def update_readme(table: str) -> None:
    section = (
        f"{BEGIN}\n## Rating engine\n\nCommand: `{COMMAND} --update-readme` (`make bench` runs it "
        "without rewriting this file).\n\n"
        "The baseline (`bench/rating_engine/baseline_app.py`) is a bare FastAPI endpoint that "
        "validates the same `RatingRequest` and answers a fixed result of the same size; the "
        "engine adds bearer-token auth, the rate limiter, request-id and metrics middleware, "
        "the body limit and scoring. Both run under uvicorn with 1 worker, uvloop, "
        "httptools and log level warning, pinned to one CPU, driven by "
        "`bench/rating_engine/loadgen.py` (raw keep-alive HTTP/1.1 on asyncio) from another. "
        "The batch row sends 10,000 different requests in one `POST /v1/score/batch` and "
        "compares the round trip with validating and scoring the same items in-process.\n\n"
        f"{table}\n{END}"
    )
    text = README.read_text("utf-8") if README.exists() else "# Benchmarks\n"
    if BEGIN in text:
        text = re.sub(re.escape(BEGIN) + ".*?" + re.escape(END), lambda _: section, text,
                      flags=re.S)  # fmt: skip
    else:
        text = text.rstrip("\n") + "\n\n" + section + "\n"
    README.write_text(text, "utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--requests", type=int, default=20_000, help="requests per round")
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--update-readme", action="store_true", help="rewrite bench/README.md")
    parser.add_argument(
        "--rate-limit",
        default="memory",
        help="the engine's limiter: memory (as shipped), off, or a redis:// URL for its counters",
    )
    args = parser.parse_args()
    figures = measure(args.requests, args.rounds, args.connections, args.rate_limit)
    table = report(figures)
    print(table)
    if args.update_readme:
        update_readme(table)
        print(f"\nwritten to {README.relative_to(ROOT)}")
    print("\n" + verdict(figures))


def verdict(figures: Figures) -> str:
    """One line naming each missed target. A benchmark reports: the exit status stays 0."""
    ratio = figures.engine_rps / figures.baseline_rps
    batch_ratio = figures.batch_http_s / figures.batch_inprocess_s
    missed = []
    if ratio < 0.75:
        missed.append(f"throughput ratio {ratio:.3f} < 0.75")
    if batch_ratio > 2:
        missed.append(f"batch ratio {batch_ratio:.2f} > 2")
    return "below target: " + "; ".join(missed) if missed else "all targets met"


if __name__ == "__main__":
    main()
