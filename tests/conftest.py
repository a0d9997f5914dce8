"""Fixtures every test package shares: a real PostgreSQL server for this run."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support.database import DatabaseUnavailable, admin_url


@pytest.fixture(scope="session")
def pg_admin_url() -> Iterator[str]:
    try:
        yield admin_url()
    except DatabaseUnavailable as exc:
        pytest.fail(str(exc), pytrace=False)
