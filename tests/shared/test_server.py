"""The shutdown settings of guarantee_shared.web.server (the drain itself is tested on real
processes in tests/faults/test_shutdown.py)."""

from __future__ import annotations

from typing import Literal

import pytest
from pydantic import SecretStr

from guarantee_shared.settings import ServiceSettings

Environment = Literal["development", "test", "production"]


@pytest.mark.parametrize(
    ("environment", "configured", "drain"),
    [
        ("production", None, 5.0),
        ("development", None, 0.0),
        ("test", None, 0.0),
        ("production", "0", 0.0),
        ("development", "2.5", 2.5),
    ],
)
def test_the_drain_is_five_seconds_in_production_unless_set(
    monkeypatch: pytest.MonkeyPatch, environment: Environment, configured: str | None, drain: float
) -> None:
    """No drain where nothing routes to the process: Ctrl-C and the tests stop at once."""
    monkeypatch.delenv("SHUTDOWN_DRAIN_S", raising=False)
    if configured is not None:
        monkeypatch.setenv("SHUTDOWN_DRAIN_S", configured)
    settings = ServiceSettings(environment=environment, auth_jwt_secret=SecretStr("s" * 40))
    assert settings.shutdown_drain_s == drain
