"""alerting: every operation against every kind of token (tests/support/auth_matrix.py)."""

from __future__ import annotations

import asyncpg
import httpx
from fastapi import FastAPI

from tests.support.auth_matrix import check_matrix


async def test_every_operation_answers_each_token_as_the_contract_says(
    alerting_app: FastAPI, adb: asyncpg.Connection
) -> None:
    # A client of its own: the `api` fixture's client carries a token on every request.
    transport = httpx.ASGITransport(app=alerting_app)
    async with httpx.AsyncClient(transport=transport, base_url="http://alerting.test") as client:
        failures, requests = await check_matrix(client, "alerting")
    assert failures == [], "\n".join(failures)
    assert requests > 200  # every operation was tried
