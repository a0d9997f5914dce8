"""The embedded default: a real PostgreSQL from the ``pgserver`` wheel, data under ``.data/``.

``pgserver`` is a development dependency of the workspace (``make run``, ``make test``); a
production install has none and sets ``DATABASE_URL``.
"""

from __future__ import annotations

import atexit
import logging
import warnings
from pathlib import Path
from typing import Any

DEFAULT_DATABASE = "guarantee"


class EmbeddedUnavailable(RuntimeError):
    """No DATABASE_URL and no pgserver to start an embedded server with."""


def _pgserver() -> Any:
    try:
        with warnings.catch_warnings():
            # pgserver's module body asks platformdirs for a runtime directory, which warns
            # when XDG_RUNTIME_DIR is unset (CI, containers, cron, su) and falls back to
            # /tmp/runtime-<uid>. That fallback holds pgserver's lock file just as well, and
            # under pytest's filterwarnings=error the warning would abort the import.
            warnings.filterwarnings("ignore", message="XDG_RUNTIME_DIR is not set")
            import pgserver
    except ModuleNotFoundError as exc:
        raise EmbeddedUnavailable(
            "DATABASE_URL is not set and the embedded PostgreSQL (pgserver, a development "
            "dependency) is not installed: set DATABASE_URL"
        ) from exc
    # Its INFO lines narrate every pg_ctl call; warnings and errors still come through.
    logging.getLogger("pgserver").setLevel(logging.WARNING)
    return pgserver


def _pgdata(data_dir: str | Path) -> Path:
    return Path(data_dir).resolve() / "pg"


def embedded_url(data_dir: str | Path, *, database: str = DEFAULT_DATABASE) -> str:
    """Start (or reuse) the embedded server and return an asyncpg URL to ``database``.

    The server outlives this process (cleanup_mode=None) so that several services and
    tools share it; ``stop_embedded`` stops it.
    """
    if not database.isidentifier():
        raise ValueError(f"database name {database!r} is not a plain identifier")
    pgserver = _pgserver()
    pgdata = _pgdata(data_dir)
    pgdata.mkdir(parents=True, exist_ok=True)
    server = pgserver.get_server(pgdata, cleanup_mode=None)
    exists = server.psql(f"SELECT 1 FROM pg_database WHERE datname = '{database}';")  # noqa: S608
    if "(1 row)" not in exists:
        server.psql(f'CREATE DATABASE "{database}";')
    uri: str = server.get_uri(database)
    return uri.replace("postgresql://", "postgresql+asyncpg://", 1)


def stop_embedded(data_dir: str | Path) -> None:
    """Stop the embedded server of ``data_dir`` if it runs, whichever process started it.

    pgserver's own cleanup stops a server only when its list of client pids is down to the
    caller, and a process that died without cleaning up stays on that list for good; so this
    asks pg_ctl directly.
    """
    pgdata = _pgdata(data_dir)
    if not (pgdata / "postmaster.pid").exists():  # PostgreSQL removes it when it stops
        return
    pgserver = _pgserver()
    # This process's handle, or a new one attached to the running server. It knows the
    # system user the server runs as (pgserver runs it as "pgserver" when we are root).
    server = pgserver.get_server(pgdata, cleanup_mode=None)
    server.cleanup()  # with cleanup_mode=None: only takes this process off the pid list
    pgserver.pg_ctl(["-w", "-m", "fast", "stop"], pgdata=pgdata, user=server.system_user)
    # The handle must not act again: its exit hook would run after logging is torn down
    # (pytest closes its captured streams first), and a later embedded_url in this process
    # must start a server rather than reuse the stopped one.
    atexit.unregister(server._cleanup)
    pgserver.PostgresServer._instances.pop(pgdata, None)


def resolve_database_url(database_url: str | None, data_dir: str | Path) -> str:
    return database_url or embedded_url(data_dir)
