"""A 405 names, in Allow, every method of the resource (RFC 9110), as the fuzzer checks."""

from __future__ import annotations

import httpx
import pytest

CUSTOMER = "/v1/customers/3fa85f64-5717-4562-b3fc-2c963f66afa6"


@pytest.mark.parametrize(
    ("method", "path", "allow"),
    [
        ("OPTIONS", "/v1/customers", "GET, POST"),  # two routes, one resource
        ("PUT", CUSTOMER, "DELETE, GET, PATCH"),
        # Routing takes the literal path before /v1/ratings/{credit_code}; so does Allow.
        ("OPTIONS", "/v1/ratings/rerun", "POST"),
        ("DELETE", "/healthz", "GET"),
    ],
)
async def test_a_405_allows_every_method_of_the_resource(
    anon: httpx.AsyncClient, method: str, path: str, allow: str
) -> None:
    response = await anon.request(method, path)
    assert response.status_code == 405
    assert response.headers["allow"] == allow
    assert response.headers["content-type"] == "application/problem+json"
