"""The embedded default: a real PostgreSQL from the ``pgserver`` wheel, data under ``.data/``."""

from __future__ import annotations

from pathlib import Path

DEFAULT_DATABASE = "guarantee"


def embedded_url(data_dir: str | Path, *, database: str = DEFAULT_DATABASE) -> str:
    """Start (or reuse) the embedded server and return an asyncpg URL to ``database``.

    The server outlives this process (cleanup_mode=None) so that several services and
    tools share it; ``stop_embedded`` stops it.
    """
    import pgserver  # imported lazily: production never needs it

    pgdata = Path(data_dir).resolve() / "pg"
    pgdata.mkdir(parents=True, exist_ok=True)
    server = pgserver.get_server(pgdata, cleanup_mode=None)
    if not database.isidentifier():
        raise ValueError(f"database name {database!r} is not a plain identifier")
    exists = server.psql(f"SELECT 1 FROM pg_database WHERE datname = '{database}';")  # noqa: S608
    if "(1 row)" not in exists:
        server.psql(f'CREATE DATABASE "{database}";')
    uri: str = server.get_uri(database)
    return uri.replace("postgresql://", "postgresql+asyncpg://", 1)


def stop_embedded(data_dir: str | Path) -> None:
    import pgserver

    pgdata = Path(data_dir).resolve() / "pg"
    if pgdata.exists():
        server = pgserver.get_server(pgdata, cleanup_mode="stop")
        # get_server hands back this process's cached handle (cleanup_mode=None when
        # embedded_url started the server here), which would make cleanup() a no-op.
        server.cleanup_mode = "stop"
        server.cleanup()


def resolve_database_url(database_url: str | None, data_dir: str | Path) -> str:
    return database_url or embedded_url(data_dir)
