"""Real service processes for integration tests: start, wait until ready, stop."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass
class ServiceProcess:
    name: str
    url: str
    process: subprocess.Popen[bytes]
    log_path: Path

    def logs(self) -> str:
        return self.log_path.read_text(errors="replace")[-4000:]


def wait_ready(url: str, process: subprocess.Popen[bytes], *, path: str, timeout_s: float) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"process exited with {process.returncode} before it was ready")
        try:
            if httpx.get(url + path, timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    raise TimeoutError(f"{url}{path} not ready within {timeout_s} s")


@contextmanager
def running(
    module: str,
    *,
    port_env: str,
    env: dict[str, str],
    tmp_path: Path,
    ready_path: str = "/readyz",
    timeout_s: float = 90,
    python: str = sys.executable,
    cwd: Path = ROOT,
    port: int | None = None,
) -> Iterator[ServiceProcess]:
    """Run ``python -m module`` on a free port until the block ends (SIGTERM, then SIGKILL).

    ``python`` and ``cwd`` run it from another environment (a production install); ``port``
    is chosen beforehand when its peers must be told where it will listen.
    """
    port = port or free_port()
    log_path = tmp_path / f"{module}-{port}.log"
    full_env = {**os.environ, **env, port_env: str(port), "LOG_FORMAT": "json"}
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [python, "-m", module], cwd=cwd, env=full_env, stdout=log, stderr=log
        )
    service = ServiceProcess(module, f"http://127.0.0.1:{port}", process, log_path)
    try:
        try:
            wait_ready(service.url, process, path=ready_path, timeout_s=timeout_s)
        except (RuntimeError, TimeoutError) as exc:
            raise RuntimeError(f"{module} did not start: {exc}\n{service.logs()}") from exc
        yield service
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
