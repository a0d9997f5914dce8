"""The embedded PostgreSQL is a development convenience: where pgserver is not installed (every
production image), a service without DATABASE_URL stops with what to set, not an ImportError."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from guarantee_shared.db.embedded import EmbeddedUnavailable, resolve_database_url

URL = "postgresql+asyncpg://app@db.internal:5432/guarantee"


def test_without_pgserver_a_missing_database_url_says_to_set_one(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setitem(sys.modules, "pgserver", None)  # what `import pgserver` meets there
    with pytest.raises(EmbeddedUnavailable, match="set DATABASE_URL"):
        resolve_database_url(None, tmp_path)
    assert not (tmp_path / "pg").exists()  # nothing was prepared for a server that cannot run


def test_a_database_url_never_touches_the_embedded_server(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setitem(sys.modules, "pgserver", None)
    assert resolve_database_url(URL, tmp_path) == URL
