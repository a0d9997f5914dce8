"""The README's tour, walkthrough and alerting examples, run as written against real services.

The bash blocks of those README sections are read from README.md when the test runs, so editing
the README changes what is tested. They are joined, in README order, into one bash script run
with ``set -euo pipefail``: a command that fails (every ``curl`` there uses ``-f``, so an HTTP
error status is a failure) fails the test, naming the README line. Later blocks use the ids the
earlier ones capture, as a reader's shell would.

The services run as processes, the way ``make run`` runs them: customer-api, rating-engine and
alerting on free ports of 127.0.0.1 over one fresh database with both schemas migrated. The
README says ``localhost:8001`` … ``8003``; the test maps those to the ports in use. ``TOKEN``
is a development token with every scope, like the one ``make run`` prints. alerting runs as an
API-only replica (its evaluation loop and delivery worker off): the README's
``POST /v1/evaluate`` drives the cycle it shows, and no webhook leaves the machine. customer-api
delivers partners' events to the receiver the README starts on 127.0.0.1.

A block announced by ``<!-- readme-tour: stream … -->`` is an endless stream (Server-Sent
Events): it runs for a few seconds and must still be streaming, and have sent its first event
lines, when it is stopped.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

from alerting.migrate import SCRIPT_LOCATION as ALERTING_MIGRATIONS
from customer_api.migrate import SCRIPT_LOCATION as CUSTOMER_MIGRATIONS
from guarantee_shared.db import migrations
from guarantee_shared.web.auth import SCOPES, issue_token
from tests.support.database import create_database, drop_database
from tests.support.processes import ROOT, free_port, wait_ready

pytestmark = [pytest.mark.integration, pytest.mark.xdist_group("readme-tour")]

README = ROOT / "README.md"
# The README sections (level-2 headings starting so) whose bash blocks are the tour.
TOUR_SECTIONS = ("API tour", "Walkthrough", "Alerting")
# A secret of the test's own, so neither a developer's .env nor the built-in one is relied on.
SECRET = "readme-tour-secret-" + "0123456789abcdef" * 2
STREAM_SECONDS = 3
SCRIPT_TIMEOUT_S = 240
READY_TIMEOUT_S = 60


@dataclass(frozen=True)
class Service:
    module: str
    readme_port: int  # the port the README writes as localhost:<port>
    port_env: str
    url_env: str
    own_env: tuple[tuple[str, str], ...] = ()  # settings for this service's process alone


SERVICES = (
    Service("customer_api", 8001, "CUSTOMER_API_PORT", "CUSTOMER_API_URL"),
    Service("rating_engine", 8002, "RATING_ENGINE_PORT", "RATING_ENGINE_URL"),
    Service(
        "alerting",
        8003,
        "ALERTING_PORT",
        "ALERTING_URL",
        (("ALERT_EVALUATOR_ENABLED", "false"), ("DELIVERY_WORKER_ENABLED", "false")),
    ),
)


# --- Reading the README ----------------------------------------------------------------------


@dataclass(frozen=True)
class Block:
    section: str
    line: int  # README line number of the block's first line of code
    code: str
    stream: bool


_FENCE = re.compile(r"^```(?P<lang>\S*)\s*$")
_STREAM_MARK = re.compile(r"^<!--\s*readme-tour:\s*stream\b")


def tour_blocks(text: str) -> list[Block]:
    """The ```bash blocks of the tour sections, in README order."""
    blocks: list[Block] = []
    section = ""  # the current level-2 heading
    lang: str | None = None  # the open fence's language; None outside a fence
    start, stream = 0, False  # where the open fence's code starts, and whether it streams
    body: list[str] = []
    previous = ""  # the last non-blank line outside fences
    for number, line in enumerate(text.splitlines(), start=1):
        if lang is not None:
            if line.strip() != "```":
                body.append(line)
                continue
            if lang == "bash" and section.startswith(TOUR_SECTIONS):
                blocks.append(Block(section, start, "\n".join(body), stream))
            lang = None
            continue
        fence = _FENCE.match(line)
        if fence:
            lang, start, body = fence.group("lang"), number + 1, []
            stream = _STREAM_MARK.match(previous) is not None
            continue
        if line.startswith("## "):
            section = line[3:].strip()
        if line.strip():
            previous = line.strip()
    return blocks


_CURL = re.compile(r"(?<![\w-])curl\s(?P<options>.*)")
_FAILS_ON_ERROR = re.compile(r"(?:^|\s)(?:-[a-zA-Z]*f[a-zA-Z]*|--fail(?:-with-body)?)(?=\s|$)")


def curls_without_fail(block: Block) -> list[int]:
    """README lines of the block whose curl would succeed on an HTTP error status."""
    lines = []
    for offset, line in enumerate(block.code.splitlines()):
        call = None if line.lstrip().startswith("#") else _CURL.search(line)
        if call and not _FAILS_ON_ERROR.search(call["options"]):
            lines.append(block.line + offset)
    return lines


def localise(code: str, ports: dict[int, int]) -> str:
    """The block with the README's localhost:<port> pointing at the services under test."""
    for readme_port, port in ports.items():
        code = code.replace(f"localhost:{readme_port}", f"127.0.0.1:{port}")
    return code


@dataclass
class Script:
    text: str
    origins: list[int]  # README line of each script line (0: added by the test)
    stream_outputs: list[tuple[Block, Path]]

    def readme_line(self, stderr: str) -> int | None:
        """The README line of the command the ERR trap reported, if any."""
        found = re.findall(r"readme-tour: script line (\d+) failed", stderr)
        if not found:
            return None
        index = int(found[-1]) - 1
        return self.origins[index] if 0 <= index < len(self.origins) else None


def build_script(blocks: list[Block], ports: dict[int, int], workdir: Path) -> Script:
    lines: list[str] = []
    origins: list[int] = []

    def add(line: str, origin: int = 0) -> None:
        lines.append(line)
        origins.append(origin)

    add("set -Eeuo pipefail")
    add("set -a  # exported, so that a stream block run by a child bash sees the variables")
    add("""trap 'echo "readme-tour: script line $LINENO failed: $BASH_COMMAND" >&2' ERR""")
    streams: list[tuple[Block, Path]] = []
    for index, block in enumerate(blocks):
        code = localise(block.code, ports)
        add(f"# README.md line {block.line} ({block.section})", block.line)
        if block.stream:
            path, output = workdir / f"stream-{index}.sh", workdir / f"stream-{index}.out"
            path.write_text(f"set -euo pipefail\n{code}\n", encoding="utf-8")
            streams.append((block, output))
            script, out = shlex.quote(str(path)), shlex.quote(str(output))
            run = f"timeout {STREAM_SECONDS} bash {script} > {out}"
            add(f"status=0; {run} || status=$?", block.line)
            add(
                f'[ "$status" -eq 124 ] || {{ echo "readme-tour: the stream at README.md line '
                f'{block.line} ended by itself with status $status" >&2; exit 1; }}',
                block.line,
            )
            continue
        for offset, line in enumerate(code.splitlines()):
            add(line, block.line + offset)
    return Script("\n".join(lines) + "\n", origins, streams)


# --- The services -----------------------------------------------------------------------------


@contextmanager
def _process(
    service: Service, *, port: int, env: dict[str, str], log: Path
) -> Iterator[subprocess.Popen[bytes]]:
    with log.open("wb") as sink:
        process = subprocess.Popen(
            [sys.executable, "-m", service.module],
            cwd=ROOT,
            env={**env, **dict(service.own_env), service.port_env: str(port)},
            stdout=sink,
            stderr=sink,
        )
    try:
        yield process
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def _distinct_ports(count: int) -> list[int]:
    ports: set[int] = set()
    while len(ports) < count:  # the OS may hand out a port it has just released again
        ports.add(free_port())
    return sorted(ports)


@dataclass
class Platform:
    ports: dict[int, int]  # README port -> port in use
    logs: list[Path]

    def log_tails(self) -> str:
        return "\n".join(
            f"--- {path.name}\n{path.read_text(errors='replace')[-3000:]}" for path in self.logs
        )


@pytest.fixture
def platform(pg_admin_url: str, tmp_path: Path) -> Iterator[Platform]:
    url = create_database(pg_admin_url, prefix="readme_tour")
    try:
        migrations.upgrade(CUSTOMER_MIGRATIONS, url)
        migrations.upgrade(ALERTING_MIGRATIONS, url)
        ports = dict(zip((s.readme_port for s in SERVICES), _distinct_ports(3), strict=True))
        env = {k: v for k, v in os.environ.items() if k not in ("SERVICE_TOKEN", "AUTH_JWKS_URL")}
        env.update(
            {
                "DATABASE_URL": url,
                "ENVIRONMENT": "test",
                "AUTH_JWT_SECRET": SECRET,
                "HOST": "127.0.0.1",
                "LOG_LEVEL": "WARNING",
                "LOG_FORMAT": "json",
            }
        )
        env.update({s.url_env: f"http://127.0.0.1:{ports[s.readme_port]}" for s in SERVICES})
        logs = [tmp_path / f"{s.module}.log" for s in SERVICES]
        with ExitStack() as stack:
            # Started together: none needs another to come up (peers are called lazily).
            started = [
                (s, stack.enter_context(_process(s, port=ports[s.readme_port], env=env, log=log)))
                for s, log in zip(SERVICES, logs, strict=True)
            ]
            platform = Platform(ports, logs)
            for service, process in started:
                try:
                    wait_ready(
                        f"http://127.0.0.1:{ports[service.readme_port]}",
                        process,
                        path="/readyz",
                        timeout_s=READY_TIMEOUT_S,
                    )
                except (RuntimeError, TimeoutError) as exc:
                    pytest.fail(f"{service.module} did not start: {exc}\n{platform.log_tails()}")
            yield platform
    finally:
        drop_database(pg_admin_url, url)


# --- The tests --------------------------------------------------------------------------------


def test_the_readme_has_a_tour_in_each_section_whose_curls_fail_on_errors() -> None:
    blocks = tour_blocks(README.read_text(encoding="utf-8"))
    sections = {prefix for prefix in TOUR_SECTIONS for b in blocks if b.section.startswith(prefix)}
    assert sections == set(TOUR_SECTIONS), f"bash blocks found only in {sorted(sections)}"
    unchecked = [line for block in blocks for line in curls_without_fail(block)]
    assert not unchecked, f"README.md lines {unchecked}: a curl without -f passes on HTTP errors"
    hosts = {h for b in blocks for h in re.findall(r"localhost:\d+", b.code)}
    known = {f"localhost:{s.readme_port}" for s in SERVICES}
    assert hosts <= known, f"the tour calls {sorted(hosts - known)}, which no service listens on"


def test_the_readme_tour_runs_as_written(platform: Platform, tmp_path: Path) -> None:
    if shutil.which("curl") is None or shutil.which("timeout") is None:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail("the README tour needs curl and timeout (coreutils)")
        pytest.skip("the README tour needs curl and timeout (coreutils)")
    workdir = tmp_path / "tour"
    workdir.mkdir()
    # The tour mints a partner token with `.venv/bin/python` and starts
    # `scripts/webhook_receiver.py`, from the repository root.
    (workdir / ".venv").symlink_to(Path(sys.prefix), target_is_directory=True)
    (workdir / "scripts").symlink_to(ROOT / "scripts", target_is_directory=True)
    blocks = tour_blocks(README.read_text(encoding="utf-8"))
    script = build_script(blocks, platform.ports, workdir)
    (workdir / "tour.sh").write_text(script.text, encoding="utf-8")
    token = issue_token(SECRET, sub="developer", scopes=SCOPES, ttl_s=3600)
    env = {k: v for k, v in os.environ.items() if not k.startswith("AUTH_")}
    env.update({"TOKEN": token, "AUTH_JWT_SECRET": SECRET, "ENVIRONMENT": "test"})

    started = time.monotonic()
    result = subprocess.run(
        ["bash", "tour.sh"],
        cwd=workdir,
        env=env,
        capture_output=True,
        text=True,
        timeout=SCRIPT_TIMEOUT_S,
        check=False,
    )
    elapsed = time.monotonic() - started

    assert result.returncode == 0, (
        f"the README tour failed at README.md line {script.readme_line(result.stderr)} "
        f"after {elapsed:.1f} s\n--- stderr\n{result.stderr[-4000:]}\n--- stdout\n"
        f"{result.stdout[-4000:]}\n{platform.log_tails()}"
    )
    for block, output in script.stream_outputs:
        lines = output.read_text(encoding="utf-8").splitlines()
        assert lines[:1] == ["retry: 2000"], (
            f"the stream at README.md line {block.line} sent {lines[:5]}, not Server-Sent Events"
        )
