"""The rating engine with its rate limiter on, served in-process from a chosen address."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
from asgi_lifespan import LifespanManager
from fastapi import FastAPI

from rating_engine.app import create_app
from rating_engine.settings import RatingEngineSettings


def engine(**limits: Any) -> FastAPI:
    """The engine with the limiter on (the suite runs with it off) and ``limits`` settings."""
    return create_app(
        RatingEngineSettings(
            environment="test", log_level="WARNING", rate_limit_enabled=True, **limits
        )
    )


@asynccontextmanager
async def serving(app: FastAPI, address: str = "10.0.0.1") -> AsyncIterator[httpx.AsyncClient]:
    """``app`` with its lifespan, reached from ``address``."""
    async with LifespanManager(app), client_for(app, address) as client:
        yield client


def client_for(app: FastAPI, address: str) -> httpx.AsyncClient:
    """A client of ``app`` calling from ``address``."""
    transport = httpx.ASGITransport(app=app, client=(address, 40000))
    return httpx.AsyncClient(transport=transport, base_url="http://service.test")
