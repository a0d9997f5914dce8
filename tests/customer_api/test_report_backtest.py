"""The review report's backtest section: the backtest endpoint's figures, in all three formats."""

from __future__ import annotations

import io
import itertools

import asyncpg
import httpx
import pytest
from openpyxl import load_workbook

from tests.customer_api.backtest_steps import AS_OF, crafted_book

REPORT = "/v1/reports/review"


async def test_the_json_section_is_the_backtest_with_its_roc_curve(
    client: httpx.AsyncClient, db: asyncpg.Connection
) -> None:
    await crafted_book(db)
    report = (await client.get(REPORT, params={"as_of": AS_OF})).json()
    direct = (await client.get("/v1/ratings/backtest", params={"as_of": AS_OF})).json()

    section = report["backtest"]
    roc = section.pop("roc")
    assert section == direct
    assert roc[0] == {"fpr": 0.0, "tpr": 0.0}
    assert roc[-1] == {"fpr": 1.0, "tpr": 1.0}
    # The curve the chart draws is the one whose area the AUC is.
    area = sum(
        (b["fpr"] - a["fpr"]) * (a["tpr"] + b["tpr"]) / 2 for a, b in itertools.pairwise(roc)
    )
    assert area == pytest.approx(section["auc"])


async def test_an_empty_book_reports_nulls(client: httpx.AsyncClient) -> None:
    response = await client.get(REPORT, params={"as_of": AS_OF})
    assert response.status_code == 200
    section = response.json()["backtest"]
    assert (section["n"], section["auc"], section["roc"]) == (0, None, [])
    html = (await client.get(REPORT, params={"as_of": AS_OF, "format": "html"})).text
    assert 'data-chart="roc"' in html


async def test_the_html_and_xlsx_carry_the_grade_table(
    client: httpx.AsyncClient, db: asyncpg.Connection
) -> None:
    await crafted_book(db)
    html = (await client.get(REPORT, params={"as_of": AS_OF, "format": "html"})).text
    section = html[html.index('<section id="backtest">') :]
    assert "按信用等级 By grade" in section
    assert 'data-chart="roc"' in section
    assert "<td>BB</td><td>2</td><td>1</td><td>50.00%</td>" in section.replace(' class="n"', "")

    response = await client.get(REPORT, params={"as_of": AS_OF, "format": "xlsx"})
    workbook = load_workbook(io.BytesIO(response.content))
    rows = list(workbook["评级回测 Backtest"].iter_rows(min_row=2, values_only=True))
    bb = next(row for row in rows if row[:2] == ("grade", "BB"))
    assert bb[2:5] == (2, 1, 0.5)
    assert bb[5] == pytest.approx(0.02)
    assert [row[1] for row in rows if row[0] == "tier"] == ["low", "medium", "high"]
    metrics = {
        row[0]: row[1]
        for row in workbook["回测指标 Backtest metrics"].iter_rows(min_row=2, values_only=True)
    }
    assert metrics["评级 rated"] == 8
    assert metrics["AUC"] == pytest.approx(
        (await client.get("/v1/ratings/backtest", params={"as_of": AS_OF})).json()["auc"]
    )
