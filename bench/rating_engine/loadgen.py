"""A small HTTP/1.1 keep-alive load generator on raw asyncio streams (uvloop when present).

It sends one pre-encoded request over ``connections`` connections until ``total`` requests have
been answered, and reports requests per second and latency percentiles. It does far less work
per request than a FastAPI server, so on a shared machine it measures the server, not itself.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass


@dataclass(frozen=True)
class LoadResult:
    requests: int
    seconds: float
    errors: int
    p50_ms: float
    p99_ms: float

    @property
    def rps(self) -> float:
        return self.requests / self.seconds


def encode_post(path: str, body: bytes, headers: dict[str, str]) -> bytes:
    lines = [f"POST {path} HTTP/1.1", "Host: bench", f"Content-Length: {len(body)}"]
    lines += [f"{k}: {v}" for k, v in headers.items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


async def _worker(
    host: str, port: int, raw: bytes, remaining: list[int], latencies: list[float]
) -> int:
    reader, writer = await asyncio.open_connection(host, port)
    errors = 0
    try:
        while remaining[0] > 0:
            remaining[0] -= 1
            started = time.perf_counter()
            writer.write(raw)
            head = await reader.readuntil(b"\r\n\r\n")
            length = 0
            for line in head.split(b"\r\n")[1:]:
                name, _, value = line.partition(b":")
                if name.strip().lower() == b"content-length":
                    length = int(value)
            await reader.readexactly(length)
            latencies.append(time.perf_counter() - started)
            if head[9:12] != b"200":
                errors += 1
    finally:
        writer.close()
    return errors


async def _run(host: str, port: int, raw: bytes, total: int, connections: int) -> LoadResult:
    remaining = [total]
    latencies: list[float] = []
    started = time.perf_counter()
    errors = await asyncio.gather(
        *(_worker(host, port, raw, remaining, latencies) for _ in range(connections))
    )
    seconds = time.perf_counter() - started
    latencies.sort()
    return LoadResult(
        requests=len(latencies),
        seconds=seconds,
        errors=sum(errors),
        p50_ms=latencies[len(latencies) // 2] * 1000,
        p99_ms=latencies[int(len(latencies) * 0.99)] * 1000,
    )


def run_load(host: str, port: int, raw: bytes, *, total: int, connections: int) -> LoadResult:
    """Send ``total`` copies of the encoded request ``raw``; blocks until all are answered."""
    try:
        import uvloop
    except ImportError:  # plain asyncio still works, only slower
        return asyncio.run(_run(host, port, raw, total, connections))
    return uvloop.run(_run(host, port, raw, total, connections))
