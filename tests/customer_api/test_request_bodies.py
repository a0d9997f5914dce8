"""What a request body may be: nesting, control characters, and uploads read only after auth."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

import asyncpg
import httpx
import pytest
from fastapi import FastAPI

from tests.support.auth import bearer
from tests.support.factories import customer_body

Message = MutableMapping[str, Any]


@pytest.mark.parametrize("path", ["/v1/customers", "/v1/contracts", "/v1/complaints"])
@pytest.mark.parametrize("depth", [300, 100_000])
async def test_a_deeply_nested_body_is_a_422_problem_not_a_crash(
    anon: httpx.AsyncClient, db: asyncpg.Connection, path: str, depth: int
) -> None:
    body = "[" * depth + "]" * depth
    response = await anon.post(
        path, content=body, headers={"Content-Type": "application/json", **bearer("admin")}
    )
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["errors"][0]["type"] == "json_invalid"
    assert await db.fetchval("SELECT count(*) FROM customer.customers") == 0


async def test_a_deeply_nested_body_is_refused_before_authentication(
    anon: httpx.AsyncClient,
) -> None:
    body = '{"a":' * 5000 + "1" + "}" * 5000
    response = await anon.post(
        "/v1/customers", content=body, headers={"Content-Type": "application/json"}
    )
    assert response.status_code in (401, 422), response.text
    assert response.headers["content-type"] == "application/problem+json"


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("name", "苏州\x01精工"),
        ("name", "=cmd\x1b[31m"),
        ("name", "line\nbreak"),
        ("name", "C1\x85inside"),
        ("legal_representative", "张\x07三"),
        ("related_group", "group\x9b"),
    ],
)
async def test_control_characters_in_one_line_fields_are_refused(
    client: httpx.AsyncClient, db: asyncpg.Connection, field: str, value: str
) -> None:
    response = await client.post("/v1/customers", json=customer_body(**{field: value}))
    assert response.status_code == 422, response.text
    assert response.json()["errors"][0]["loc"] == ["body", field]
    assert await db.fetchval("SELECT count(*) FROM customer.customers") == 0


async def test_free_text_keeps_tabs_and_line_breaks_but_no_other_controls(
    client: httpx.AsyncClient,
) -> None:
    kept = await client.post(
        "/v1/customers", json=customer_body(main_business="制造\t加工\r\n销售")
    )
    assert kept.status_code == 201, kept.text
    assert kept.json()["main_business"] == "制造\t加工\r\n销售"
    refused = await client.post("/v1/customers", json=customer_body(main_business="bell\x07"))
    assert refused.status_code == 422


async def _call_counting_body(
    app: FastAPI, headers: list[tuple[bytes, bytes]], body_size: int
) -> tuple[int, int]:
    """Send a multipart upload of ``body_size`` bytes in 64 KiB messages straight to the ASGI
    app; answer (status, bytes the app read)."""
    chunk = b"x" * 65536
    read = 0
    status = 0

    async def receive() -> Message:
        nonlocal read
        if read >= body_size:
            return {"type": "http.disconnect"}
        read += len(chunk)
        return {"type": "http.request", "body": chunk, "more_body": read < body_size}

    async def send(message: Message) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = message["status"]

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": "/v1/imports",
        "raw_path": b"/v1/imports",
        "query_string": b"",
        "root_path": "",
        "headers": headers,
        "client": ("127.0.0.1", 5000),
        "server": ("test", 80),
        "state": {},
    }
    call: Callable[..., Awaitable[None]] = app
    await call(scope, receive, send)
    return status, read


@pytest.mark.parametrize(
    ("token", "expected"),
    [(None, 401), (bearer("customers:read")["Authorization"], 403)],
    ids=["no token", "no write scope"],
)
async def test_an_upload_is_not_read_before_the_token_and_scope_are_checked(
    app: FastAPI, db: asyncpg.Connection, token: str | None, expected: int
) -> None:
    size = 20 * 1024 * 1024
    headers = [
        (b"content-type", b"multipart/form-data; boundary=XyZ"),
        (b"content-length", str(size).encode()),
    ]
    if token is not None:
        headers.append((b"authorization", token.encode()))
    status, read = await _call_counting_body(app, headers, size)
    assert status == expected
    assert read <= 65536  # at most the first message, never the 20 MiB
    assert await db.fetchval("SELECT count(*) FROM customer.import_jobs") == 0


async def test_an_upload_without_a_file_or_with_an_unknown_kind_is_a_422(
    client: httpx.AsyncClient,
) -> None:
    no_file = await client.post("/v1/imports", data={"kind": "customers"})
    assert no_file.status_code == 422
    assert no_file.json()["errors"][0]["loc"] == ["body", "file"]
    files = {"file": ("c.csv", b"name,credit_code\n", "text/csv")}
    bad_kind = await client.post("/v1/imports", data={"kind": "planets"}, files=files)
    assert bad_kind.status_code == 422
    assert bad_kind.json()["errors"][0]["loc"] == ["body", "kind"]


async def test_a_form_that_cannot_be_read_is_a_422_naming_the_body(
    client: httpx.AsyncClient, db: asyncpg.Connection
) -> None:
    # One field at most besides the file: Starlette refuses more with a 400 of its own.
    files = {"file": ("c.csv", b"name,credit_code\n", "text/csv")}
    data = {"kind": "customers", "extra": "x"}
    response = await client.post("/v1/imports", data=data, files=files)
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["errors"][0]["loc"] == ["body"]
    assert await db.fetchval("SELECT count(*) FROM customer.import_jobs") == 0


def test_the_upload_is_documented_as_multipart(app: FastAPI) -> None:
    body = app.openapi()["paths"]["/v1/imports"]["post"]["requestBody"]
    schema = body["content"]["multipart/form-data"]["schema"]
    assert schema["required"] == ["file"]
    assert json.dumps(schema["properties"]["file"]) == json.dumps(
        {"type": "string", "format": "binary", "description": "The CSV or XLSX file"}
    )
