"""customer-api: every operation against every kind of token (tests/support/auth_matrix.py)."""

from __future__ import annotations

import httpx

from tests.support.auth_matrix import check_matrix


async def test_every_operation_answers_each_token_as_the_contract_says(
    anon: httpx.AsyncClient,
) -> None:
    failures, requests = await check_matrix(anon, "customer-api")
    assert failures == [], "\n".join(failures)
    assert requests > 500  # every operation was tried
