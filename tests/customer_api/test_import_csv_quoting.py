"""CSV imports read fields exactly as the csv module (and Excel) quote them: a file written by
csv.writer comes back value for value, embedded quotes, delimiters and line breaks included."""

from __future__ import annotations

import csv
import io
from typing import Any

import asyncpg
import httpx
import pytest

from tests.customer_api.test_imports import run
from tests.support.factories import credit_code

HEADERS = ["name", "credit_code", "main_business", "contact_address", "legal_representative"]

# (name, main_business, contact_address, legal_representative): what a ledger really holds.
AWKWARD = [
    ('苏州"精工"机械有限公司', "机械制造, 设备维修", "苏州市工业园区", "王伟"),
    ('=HYPERLINK("http://x","y")', '第一行\n第二行, with "quotes"', '"园区" 3号楼', "李娜"),
    ("Smith, Jones & Co", 'He said ""twice""', "Suzhou\r\nJiangsu", '"Bob"'),
    ("@SUM(A1,B1)", "+1+1", "-2+3, 4", "张三、李四"),
    ('"', '""', "a;b\tc", "'"),
]


def _ledger(codes: list[str], **dialect: Any) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, **dialect)
    writer.writerow(HEADERS)
    for code, (name, business, address, person) in zip(codes, AWKWARD, strict=True):
        writer.writerow([name, code, business, address, person])
    return buffer.getvalue().encode()


@pytest.mark.parametrize(
    "dialect",
    [{}, {"quoting": csv.QUOTE_ALL}, {"delimiter": ";"}, {"delimiter": "\t"}],
    ids=["excel", "quote-all", "semicolon", "tab"],
)
async def test_a_csv_written_by_the_csv_module_round_trips(
    client: httpx.AsyncClient, db: asyncpg.Connection, dialect: dict[str, Any]
) -> None:
    codes = [credit_code() for _ in AWKWARD]
    content = _ledger(codes, **dialect)

    dry = await run(client, content, dry_run=True)
    assert (dry["rows_total"], dry["rows_rejected"]) == (len(AWKWARD), 0), dry["errors"]
    assert dry["outcomes"] == {"customers": {"created": len(AWKWARD)}}
    assert await db.fetchval("select count(*) from customer.customers") == 0

    job = await run(client, content)
    assert (job["rows_total"], job["rows_rejected"]) == (len(AWKWARD), 0), job["errors"]
    for code, (name, business, address, person) in zip(codes, AWKWARD, strict=True):
        response = await client.get(f"/v1/customers/by-credit-code/{code}")
        assert response.status_code == 200, (code, name)
        stored = response.json()
        assert (
            stored["name"],
            stored["main_business"],
            stored["contact"]["address"],
            stored["legal_representative"],
        ) == (name, business, address, person)


async def test_a_header_whose_quote_never_closes_is_a_problem_not_an_error(
    client: httpx.AsyncClient, db: asyncpg.Connection
) -> None:
    # The open quote swallows the rest of the file into one field, past the csv module's limit.
    content = b'"name,credit_code\n' + b"x" * (csv.field_size_limit() + 1)

    response = await client.post("/v1/imports", files={"file": ("ledger.csv", content, "text/csv")})

    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["errors"][0]["loc"] == ["body", "file"]
    assert await db.fetchval("select count(*) from customer.import_jobs") == 0
