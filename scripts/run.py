"""Run the platform on one machine: `python scripts/run.py all|migrate|<service>`.

- Database: DATABASE_URL if set (in the environment or .env), else the embedded PostgreSQL
  (pgserver) with its data under DATA_DIR (default .data/); its URL is exported to every child,
  so all services share one server.
- ``migrate`` applies every installed service's migrations.
- ``all`` migrates, loads the demo book into an empty customer database (DEMO_DATA, default 1;
  never with ENVIRONMENT=production), starts every installed service, waits until each answers
  /readyz, starts rating a never-rated demo book when the rating engine runs, and prints where
  everything is, with a development token and one for each partner bank (not in production).
  Ctrl-C or SIGTERM stops them all (SIGTERM, then SIGKILL after a grace period); if one dies on
  its own the rest are stopped and the exit is non-zero. An embedded server that this run
  started is stopped at the end.
- ``customer-api``, ``rating-engine``, ``alerting`` do the same for one service, leaving an
  embedded server running for the others (services run, stop and restart independently).
"""

from __future__ import annotations

import argparse
import contextlib
import importlib.util
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import FrameType
from typing import Any

import httpx
from dotenv import dotenv_values  # installed with pydantic-settings, which reads .env the same way

READY_TIMEOUT_S = 60.0
STOP_GRACE_S = 10.0
FALSY = {"0", "false", "no", "off", ""}


@dataclass(frozen=True)
class Service:
    name: str
    package: str  # run as `python -m <package>`; it reads its port from port_env
    migrate: str | None  # `python -m <migrate> upgrade`, for services with a database schema
    port_env: str
    default_port: int
    demo: str | None = None  # `python -m <demo> --if-empty` loads demo data when DEMO_DATA

    @property
    def url_env(self) -> str:
        return self.name.upper().replace("-", "_") + "_URL"

    def installed(self) -> bool:
        return importlib.util.find_spec(self.package) is not None


SERVICES = (
    Service("customer-api", "customer_api", "customer_api.migrate", "CUSTOMER_API_PORT", 8001,
            demo="customer_api.demo"),
    Service("rating-engine", "rating_engine", None, "RATING_ENGINE_PORT", 8002),
    Service("alerting", "alerting", "alerting.migrate", "ALERTING_PORT", 8003),
)  # fmt: skip


def say(message: str) -> None:
    sys.stderr.write(f"[run] {message}\n")
    sys.stderr.flush()


class Env:
    """The process environment over .env: the precedence the services' settings give them."""

    def __init__(self) -> None:
        dotenv = {k.upper(): v for k, v in dotenv_values(Path.cwd() / ".env").items() if v}
        self.values = {**dotenv, **{k.upper(): v for k, v in os.environ.items()}}
        self.children = dict(os.environ)  # what the children inherit, plus our exports

    def get(self, name: str, default: str = "") -> str:
        return self.values.get(name, default)

    def export(self, name: str, value: str) -> None:
        self.values[name] = value
        self.children[name] = value

    def port(self, service: Service) -> int:
        return int(self.get(service.port_env, str(service.default_port)))

    def flag(self, name: str, default: bool) -> bool:
        value = self.values.get(name)
        return default if value is None else value.strip().lower() not in FALSY


class Database:
    """DATABASE_URL, or the embedded server, which it stops at the end if this run started it."""

    def __init__(self, env: Env) -> None:
        self.data_dir = Path(env.get("DATA_DIR", ".data")).resolve()
        self.embedded = not env.get("DATABASE_URL")
        self.started_here = False
        if self.embedded:
            from guarantee_shared.db.embedded import embedded_url

            self.started_here = not (self.data_dir / "pg" / "postmaster.pid").exists()
            say(f"no DATABASE_URL: embedded PostgreSQL with its data in {self.data_dir}")
            env.export("DATABASE_URL", embedded_url(self.data_dir))
        env.export("DATA_DIR", str(self.data_dir))

    def close(self, *, keep: bool) -> None:
        if self.embedded and self.started_here and not keep:
            from guarantee_shared.db.embedded import stop_embedded

            say("stopping the embedded PostgreSQL")
            stop_embedded(self.data_dir)


def run_module(env: Env, module: str, *args: str) -> int:
    command = [sys.executable, "-m", module, *args]
    return subprocess.run(command, env=env.children, check=False).returncode


def migrate(env: Env, services: Sequence[Service]) -> None:
    for service in services:
        if service.migrate is None:
            continue
        say(f"migrating {service.name}")
        code = run_module(env, service.migrate, "upgrade")
        if code != 0:
            raise SystemExit(f"[run] migrations of {service.name} failed (exit code {code})")


def load_demo(env: Env, services: Sequence[Service]) -> None:
    if not demo_wanted(env):
        return
    for service in services:
        if service.demo is not None:
            say(f"loading the demo book into {service.name} if its database is empty")
            code = run_module(env, service.demo, "--if-empty")
            if code != 0:
                raise SystemExit(
                    f"[run] demo data of {service.name} failed (exit code {code}); "
                    "set DEMO_DATA=0 to start without it"
                )


class Stop(Exception):
    """Ctrl-C, SIGTERM or SIGHUP: a requested shutdown."""


def _request_stop(signum: int, frame: FrameType | None) -> None:
    raise Stop(signal.Signals(signum).name)


def _die_with_parent() -> None:
    """In the child: get SIGTERM if this supervisor dies without stopping it (Linux)."""
    if sys.platform == "linux":
        import ctypes

        pr_set_pdeathsig = 1
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(pr_set_pdeathsig, signal.SIGTERM)


class Supervisor:
    def __init__(self, env: Env) -> None:
        self.env = env
        self.children: dict[str, subprocess.Popen[bytes]] = {}

    def start(self, service: Service) -> None:
        say(f"starting {service.name} on port {self.env.port(service)}")
        # Its own process group: a terminal's Ctrl-C reaches only this supervisor, which then
        # stops the children in order, rather than everyone at once.
        self.children[service.name] = subprocess.Popen(
            [sys.executable, "-m", service.package],
            env=self.env.children,
            process_group=0,
            preexec_fn=_die_with_parent,  # safe: no threads run in this process
        )

    def check(self) -> None:
        for name, child in self.children.items():
            code = child.poll()
            if code is not None:
                raise SystemExit(f"[run] {name} exited unexpectedly with code {code}")

    def wait_ready(self, service: Service) -> None:
        url = f"http://{self.probe_host()}:{self.env.port(service)}/readyz"
        deadline = time.monotonic() + READY_TIMEOUT_S
        last = "no answer"
        while time.monotonic() < deadline:
            self.check()
            try:
                response = httpx.get(url, timeout=2)
            except httpx.TransportError as exc:
                last = str(exc) or type(exc).__name__
            else:
                if response.status_code == 200:
                    return
                last = f"{response.status_code} {response.text[:300]}"
            time.sleep(0.25)
        raise SystemExit(f"[run] {service.name} not ready after {READY_TIMEOUT_S:.0f} s: {last}")

    def probe_host(self) -> str:
        host = self.env.get("HOST", "127.0.0.1")
        return "127.0.0.1" if host in ("0.0.0.0", "::", "") else host  # noqa: S104

    def watch(self) -> None:
        while True:
            self.check()
            time.sleep(0.5)

    def stop(self) -> None:
        """SIGTERM to every child, then SIGKILL to any still running after the grace period."""
        running = {n: c for n, c in self.children.items() if c.poll() is None}
        for name, child in running.items():
            say(f"stopping {name}")
            with contextlib.suppress(ProcessLookupError):
                child.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + STOP_GRACE_S
        for name, child in running.items():
            try:
                child.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                say(f"{name} did not stop within {STOP_GRACE_S:.0f} s: killing it")
                child.kill()
                child.wait()


def dev_token(
    env: Env, *, sub: str, scopes: Sequence[str], ttl_s: int, partner: str | None = None
) -> str:
    from guarantee_shared.settings import DEV_JWT_SECRET
    from guarantee_shared.web.auth import issue_token

    return issue_token(env.get("AUTH_JWT_SECRET") or DEV_JWT_SECRET, sub=sub, scopes=tuple(scopes),
                       ttl_s=ttl_s, partner=partner)  # fmt: skip


def demo_wanted(env: Env) -> bool:
    return env.flag("DEMO_DATA", True) and env.get("ENVIRONMENT") != "production"


def rate_demo_book(env: Env, services: Sequence[Service], host: str) -> None:
    """Start a rating job when the demo book has never been rated and the engine is up.

    The loader runs before the services, so its customers have no class, tier or grade yet;
    once rated (the first start after loading), later starts leave the history alone.
    """
    names = {s.name for s in services}
    if not demo_wanted(env) or not {"customer-api", "rating-engine"} <= names:
        return
    api = next(s for s in services if s.name == "customer-api")
    base = f"http://{host}:{env.port(api)}"
    token = dev_token(env, sub="run.py", scopes=["admin"], ttl_s=300)
    try:
        with httpx.Client(base_url=base, headers={"Authorization": f"Bearer {token}"}) as client:
            items = client.get("/v1/customers", params={"limit": 1}).raise_for_status().json()
            if not items["items"] or items["items"][0]["rated_at"] is not None:
                return
            job = client.post("/v1/ratings/rerun", json={}).raise_for_status()
        say(f"rating the demo book in the background: {base}{job.headers.get('Location', '')}")
    except (httpx.HTTPError, ValueError, KeyError) as exc:  # a demo nicety: never fatal
        say(f"could not start rating the demo book: {exc}")


def partners(env: Env, services: Sequence[Service], host: str) -> list[dict[str, Any]]:
    """The partner banks registered in customer-api (the demo book has two), if it runs."""
    api = next((s for s in services if s.name == "customer-api"), None)
    if api is None:
        return []
    token = dev_token(env, sub="run.py", scopes=["admin"], ttl_s=300)
    try:
        with httpx.Client(base_url=f"http://{host}:{env.port(api)}",
                          headers={"Authorization": f"Bearer {token}"}) as client:  # fmt: skip
            page = client.get("/v1/partners", params={"limit": 20}).raise_for_status().json()
        found: list[dict[str, Any]] = page["items"]
    except (httpx.HTTPError, ValueError, KeyError) as exc:  # a convenience: never fatal
        say(f"could not list the partner banks: {exc}")
        return []
    return found


def partner_lines(env: Env, banks: Sequence[dict[str, Any]], api: str) -> list[str]:
    """A token for each partner bank: its claim `partner`, scope ratings:read."""
    if not banks:
        return []
    lines = ["", "a token for each partner bank (claim partner, scope ratings:read: each sees "
                 "only its own customers), valid 12 h:"]  # fmt: skip
    for bank in banks:
        name = re.sub(r"[^A-Z0-9]+", "_", bank["code"].upper()).strip("_") + "_TOKEN"
        token = dev_token(env, sub=f"{bank['code']}-demo", scopes=["ratings:read"],
                          ttl_s=12 * 3600, partner=bank["code"])  # fmt: skip
        lines.append(f"  export {name}={token}   # {bank['name']}")
    lines.append(f'  curl -H "Authorization: Bearer ${name}" {api}/v1/ratings/<credit code>')
    return lines


def banner(env: Env, services: Sequence[Service], host: str) -> None:
    lines = ["", "ready:"]
    for service in services:
        base = f"http://{host}:{env.port(service)}"
        lines.append(f"  {service.name:<14} {base}   docs {base}/docs")
    if env.get("ENVIRONMENT", "development") != "production":
        from guarantee_shared.web.auth import SCOPES

        token = dev_token(env, sub="developer", scopes=SCOPES, ttl_s=12 * 3600)
        api = f"http://{host}:{env.port(services[0])}"
        lines += ["", "a development token with every scope, valid 12 h:",
                  f"  export TOKEN={token}",
                  f'  curl -H "Authorization: Bearer $TOKEN" {api}/v1/...']  # fmt: skip
        lines += partner_lines(env, partners(env, services, host), api)
    lines += ["", "Ctrl-C stops everything.", ""]
    sys.stdout.write("\n".join(lines) + "\n")
    sys.stdout.flush()


@contextlib.contextmanager
def stop_signals() -> Iterator[None]:
    handled = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
    previous = {s: signal.signal(s, _request_stop) for s in handled}
    try:
        yield
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)


def serve(env: Env, services: Sequence[Service]) -> int:
    supervisor = Supervisor(env)
    try:
        for service in services:
            supervisor.start(service)
        for service in services:
            supervisor.wait_ready(service)
        rate_demo_book(env, services, supervisor.probe_host())
        banner(env, services, supervisor.probe_host())
        supervisor.watch()
    except Stop as stop:
        say(f"{stop}: shutting down")
        return 0
    finally:
        # Later signals must not interrupt the shutdown itself.
        for s in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
            signal.signal(s, signal.SIG_IGN)
        supervisor.stop()
    return 0  # unreachable: watch() returns only by an exception


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="run.py", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("command", choices=["all", "migrate", *(s.name for s in SERVICES)])
    command = parser.parse_args(argv).command
    if command in ("all", "migrate"):
        services = [s for s in SERVICES if s.installed()]
        for missing in (s for s in SERVICES if not s.installed()):
            say(f"{missing.name} is not installed yet (package {missing.package}): skipped")
    else:
        services = [s for s in SERVICES if s.name == command]
        if not services[0].installed():
            say(f"{command} is not installed (package {services[0].package}); try `make sync`")
            return 2
    env = Env()
    for service in SERVICES:  # each service finds its peers on the ports in use here
        if not env.get(service.url_env):
            env.export(service.url_env, f"http://127.0.0.1:{env.port(service)}")
    with stop_signals():
        database: Database | None = None
        try:
            if any(s.migrate is not None for s in services):  # the stateless need none
                database = Database(env)
            migrate(env, services)
            if command == "migrate":
                return 0
            load_demo(env, services)
            return serve(env, services)
        except Stop as stop:
            say(f"{stop}: stopped before the services started")
            return 0
        finally:
            if database is not None:
                database.close(keep=command not in ("all", "migrate"))


if __name__ == "__main__":
    raise SystemExit(main())
