"""Ledger imports: good and bad rows, dry run, re-import, XLSX and CSV, Chinese files."""

from __future__ import annotations

import asyncio
import csv
import io
from typing import Any

import asyncpg
import httpx
import pytest
from openpyxl import Workbook, load_workbook

from customer_api.customers import service as customers_service
from tests.support.factories import credit_code, customer_body

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def csv_bytes(rows: list[list[object]], *, encoding: str = "utf-8") -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer).writerows(rows)
    return buffer.getvalue().encode(encoding)


def xlsx_bytes(sheets: dict[str, list[list[object]]]) -> bytes:
    workbook = Workbook()
    workbook.remove(workbook.active)  # type: ignore[arg-type]
    for title, rows in sheets.items():
        sheet = workbook.create_sheet(title)
        for row in rows:
            sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


async def upload(
    client: httpx.AsyncClient,
    content: bytes,
    name: str = "ledger.csv",
    *,
    dry_run: bool = False,
    data: dict[str, str] | None = None,
    headers: dict[str, str] | None = None,
) -> httpx.Response:
    return await client.post(
        "/v1/imports",
        params={"dry_run": str(dry_run).lower()},
        files={"file": (name, content, XLSX if name.endswith(".xlsx") else "text/csv")},
        data=data or {},
        headers=headers or {},
    )


async def finished(client: httpx.AsyncClient, response: httpx.Response) -> dict[str, Any]:
    assert response.status_code == 202, response.text
    location = response.headers["location"]
    for _ in range(600):
        job: dict[str, Any] = (await client.get(location)).json()
        if job["status"] not in ("queued", "running"):
            return job
        await asyncio.sleep(0.05)
    raise AssertionError(f"import {location} did not finish")


async def run(
    client: httpx.AsyncClient, content: bytes, name: str = "ledger.csv", **kw: Any
) -> dict[str, Any]:
    job = await finished(client, await upload(client, content, name, **kw))
    assert job["status"] == "succeeded", job
    return job


CUSTOMER_HEADERS = ["name", "credit_code", "established_on", "employees", "industry_code"]


def customers_csv(codes: list[str], **name_of: str) -> bytes:
    rows: list[list[object]] = [CUSTOMER_HEADERS]
    rows += [
        [name_of.get(code, f"客户{code[-4:]}"), code, "2015-06-01", 50, "C3411"] for code in codes
    ]
    return csv_bytes(rows)


async def test_good_rows_land_and_each_bad_row_is_reported_and_leaves_nothing(
    client: httpx.AsyncClient, db: asyncpg.Connection
) -> None:
    good = [credit_code() for _ in range(3)]
    content = csv_bytes(
        [
            CUSTOMER_HEADERS,
            ["甲公司", good[0], "2015-06-01", 50, "C3411"],
            ["乙公司", "91320621MA1MRHG207", "2015-06-01", 50, "C3411"],  # bad check character
            ["丙公司", good[1], "2015-13-01", 50, "C3411"],  # no such month
            ["丁公司", good[2], "2015-06-01", 50, "C3411"],
            ["", credit_code(), "2015-06-01", -3, "Z99"],  # three faults
        ]
    )
    job = await run(client, content)
    assert (job["rows_total"], job["rows_imported"], job["rows_rejected"]) == (5, 2, 3)
    assert job["outcomes"] == {"customers": {"created": 2, "rejected": 3}}
    errors = {(e["row"], e["column"]) for e in job["errors"]}
    assert {(3, "credit_code"), (4, "established_on"), (6, "name"), (6, "employees")} <= errors
    assert all(e["message"] for e in job["errors"])
    stored = await db.fetch("select credit_code from customer.customers order by name")
    assert sorted(r["credit_code"] for r in stored) == sorted([good[0], good[2]])
    assert await db.fetchval("select count(*) from customer.audit_log") == 2
    rows = (
        await client.get(f"/v1/imports/{job['id']}/rows", params={"outcome": "rejected"})
    ).json()
    assert [r["row"] for r in rows["items"]] == [3, 4, 6]


async def test_dry_run_reports_and_writes_nothing(
    client: httpx.AsyncClient, db: asyncpg.Connection
) -> None:
    codes = [credit_code() for _ in range(3)]
    job = await run(client, customers_csv(codes), dry_run=True)
    assert job["dry_run"] is True
    assert job["outcomes"] == {"customers": {"created": 3}}
    assert job["rows_imported"] == 3
    assert await db.fetchval("select count(*) from customer.customers") == 0
    assert await db.fetchval("select count(*) from customer.audit_log") == 0


async def test_reimport_updates_by_key_and_duplicates_nothing(
    client: httpx.AsyncClient, db: asyncpg.Connection
) -> None:
    codes = [credit_code() for _ in range(3)]
    await run(client, customers_csv(codes))
    again = await run(client, customers_csv(codes))
    assert again["outcomes"] == {"customers": {"unchanged": 3}}
    changed = await run(client, customers_csv(codes, **{codes[1]: "更名后的公司"}))
    assert changed["outcomes"] == {"customers": {"unchanged": 2, "updated": 1}}
    assert await db.fetchval("select count(*) from customer.customers") == 3
    row = await db.fetchrow(
        "select name, version from customer.customers where credit_code = $1", codes[1]
    )
    assert (row["name"], row["version"]) == ("更名后的公司", 2)
    outcomes = (await client.get(f"/v1/imports/{changed['id']}/rows")).json()["items"]
    assert [(r["row"], r["outcome"], r["key"]) for r in outcomes] == [
        (2, "unchanged", codes[0]), (3, "updated", codes[1]), (4, "unchanged", codes[2]),
    ]  # fmt: skip


def _workbook(code: str, contract_no: str, **overrides: object) -> bytes:
    """A Chinese workbook: Chinese sheet names and headers, full-width text."""
    wide_code = "".join(chr(ord(c) + 0xFEE0) for c in code)  # full-width letters and digits
    contract = {
        "统一社会信用代码": code, "合同编号": contract_no, "贷款银行": "中国银行苏州分行",
        "担保品种": "贷款担保", "担保金额(元)": 2_000_000, "担保比例": 0.8,
        "起始日期": "2026-01-10", "到期日期": "2027-01-09", "担保费率": 0.015,
        "放款日期": "2026-01-15", "在保余额": 1_500_000, "余额日期": "2026-03-01",
    }  # fmt: skip
    contract.update(overrides)
    return xlsx_bytes(
        {
            "反担保": [
                ["合同编号", "反担保类型", "评估价值", "描述"],
                [contract_no, "房产", 3_000_000.5, "厂房一栋"],
            ],
            "客户": [
                [
                    "企业名称",
                    "统一社会信用代码",
                    "成立日期",
                    "员工人数",
                    "行业代码",
                    "注册资本(元)",
                ],
                ["苏州精工机械有限公司（测试）", wide_code, "2012-05-01", 120, "ｃ３４１１", 1e7],
            ],
            "财务报表": [
                [
                    "统一社会信用代码",
                    "报告期末",
                    "报表类型",
                    "是否审计",
                    "资产总计",
                    "负债合计",
                    "所有者权益合计",
                    "流动资产合计",
                    "流动负债合计",
                    "货币资金",
                    "营业收入",
                    "净利润",
                    "经营活动现金流量净额",
                ],
                [code, "2025-12-31", "年报", "是", 5e7, 3e7, 2e7, 2.5e7, 1.5e7, 5e6, 6e7, 3e6, 4e6],
            ],
            "担保合同": [list(contract), list(contract.values())],
        }
    )


async def test_chinese_xlsx_brings_in_the_whole_ledger_and_reimports_unchanged(
    client: httpx.AsyncClient, db: asyncpg.Connection
) -> None:
    code, number = credit_code(), "DB-2026-0101"
    job = await run(client, _workbook(code, number), "台账.xlsx")
    assert job["format"] == "xlsx"
    assert job["rows_rejected"] == 0, job["errors"]
    assert job["outcomes"] == {
        "customers": {"created": 1},
        "financial_statements": {"created": 1},
        "contracts": {"created": 1},
        "collaterals": {"created": 1},
    }
    customer = (await client.get(f"/v1/customers/by-credit-code/{code}")).json()
    assert customer["name"] == "苏州精工机械有限公司(测试)"
    assert customer["industry_code"] == "C3411"
    assert customer["registered_capital"] == "10000000.00"
    contracts = (await client.get("/v1/contracts", params={"customer_id": customer["id"]})).json()
    [contract] = contracts["items"]
    assert (contract["status"], contract["outstanding_balance"]) == ("active", "1500000.00")
    assert contract["guarantee_ratio"] == 0.8
    ledger = (await client.get(f"/v1/contracts/{contract['id']}/events")).json()["items"]
    assert [(e["type"], e["amount"], e["occurred_on"]) for e in ledger] == [
        ("activate", "2000000.00", "2026-01-15"), ("repayment", "500000.00", "2026-03-01"),
    ]  # fmt: skip
    collateral = (await client.get(f"/v1/contracts/{contract['id']}/collaterals")).json()
    assert collateral["items"][0]["appraised_value"] == "3000000.50"
    assert collateral["items"][0]["kind"] == "real_estate"

    again = await run(client, _workbook(code, number), "台账.xlsx")
    assert again["outcomes"] == {
        kind: {"unchanged": 1}
        for kind in ("customers", "financial_statements", "contracts", "collaterals")
    }
    assert await db.fetchval("select count(*) from customer.contract_events") == 2
    assert await db.fetchval("select count(*) from customer.collaterals") == 1


async def test_a_row_failing_halfway_leaves_nothing_of_itself(
    client: httpx.AsyncClient, db: asyncpg.Connection
) -> None:
    code = credit_code()
    # The balance exceeds the principal: refused after the contract row was inserted.
    job = await run(client, _workbook(code, "DB-BAD-1", **{"在保余额": 9_000_000}), "l.xlsx")
    assert job["outcomes"]["contracts"] == {"rejected": 1}
    assert job["outcomes"]["collaterals"] == {"rejected": 1}  # its contract never landed
    assert {(e["sheet"], e["column"]) for e in job["errors"]} == {
        ("担保合同", "在保余额"), ("反担保", "合同编号"),
    }  # fmt: skip
    assert await db.fetchval("select count(*) from customer.contracts") == 0
    assert (
        await db.fetchval("select count(*) from customer.audit_log where entity_type = 'contract'")
        == 0
    )
    assert await db.fetchval("select count(*) from customer.customers") == 1


async def test_live_contract_terms_are_not_changed_by_import(client: httpx.AsyncClient) -> None:
    code = credit_code()
    await run(client, _workbook(code, "DB-LIVE-1"), "l.xlsx")
    job = await run(client, _workbook(code, "DB-LIVE-1", **{"担保金额(元)": 3_000_000}), "l.xlsx")
    assert job["outcomes"]["contracts"] == {"rejected": 1}
    [error] = job["errors"]
    assert error["column"] == "担保金额(元)"
    assert "active" in error["message"]


async def test_gb18030_csv_with_chinese_headers_and_kind_inferred(
    client: httpx.AsyncClient,
) -> None:
    code = credit_code()
    content = csv_bytes(
        [
            ["企业名称", "统一社会信用代码", "法定代表人", "状态"],
            ["无锡华光有限公司", code, "赵六", "正常"],
        ],
        encoding="gb18030",
    )
    job = await run(client, content, "客户.csv")
    assert job["kind"] == "customers"
    assert job["outcomes"] == {"customers": {"created": 1}}
    customer = (await client.get(f"/v1/customers/by-credit-code/{code}")).json()
    assert (customer["name"], customer["legal_representative"]) == ("无锡华光有限公司", "赵六")


async def test_csv_of_statements_with_kind_field(client: httpx.AsyncClient) -> None:
    code = credit_code()
    await run(client, customers_csv([code]))
    headers = ["credit_code", "period_end", "period_type", "audited", "total_assets",
               "total_liabilities", "equity", "current_assets", "current_liabilities", "cash",
               "revenue", "net_profit", "operating_cash_flow"]  # fmt: skip
    row = [code, "2025-12-31", "annual", "true", "100", "60", "40", "50", "30", "10", "90",
           "5", "-2"]  # fmt: skip
    job = await run(
        client, csv_bytes([headers, row]), "s.csv", data={"kind": "financial_statements"}
    )
    assert job["outcomes"] == {"financial_statements": {"created": 1}}
    again = await run(
        client,
        csv_bytes([headers, [*row[:-1], "-3"]]),
        "s.csv",
        data={"kind": "financial_statements"},
    )
    assert again["outcomes"] == {"financial_statements": {"updated": 1}}


async def test_template_has_the_contract_field_names_and_imports_as_is(
    client: httpx.AsyncClient,
) -> None:
    response = await client.get("/v1/imports/template", params={"format": "xlsx"})
    assert response.status_code == 200
    assert response.headers["content-type"] == XLSX
    workbook = load_workbook(io.BytesIO(response.content))
    assert workbook.sheetnames == ["customers", "financial_statements", "contracts", "collaterals"]
    headers = [c.value for c in workbook["customers"][1]]
    assert headers[:3] == ["name", "credit_code", "legal_representative"]
    job = await run(client, response.content, "template.xlsx")
    assert job["rows_rejected"] == 0, job["errors"]
    assert job["rows_imported"] == 4

    csv_template = await client.get(
        "/v1/imports/template", params={"format": "csv", "kind": "contracts"}
    )
    first_line = csv_template.content.decode("utf-8-sig").splitlines()[0]
    assert first_line.startswith("credit_code,contract_no,lender,product,principal")
    no_kind = await client.get("/v1/imports/template", params={"format": "csv"})
    assert no_kind.status_code == 422


async def test_wrong_files_are_refused_at_once_naming_the_problem(
    client: httpx.AsyncClient, db: asyncpg.Connection
) -> None:
    unknown = await upload(client, csv_bytes([["name", "credit_code", "colour"], ["a", "b", "c"]]))
    assert unknown.status_code == 422
    assert unknown.json()["errors"][0]["loc"] == ["body", "file", "colour"]
    sheet = await upload(client, xlsx_bytes({"Sheet1": [["name"]]}), "x.xlsx")
    assert sheet.status_code == 422
    assert sheet.json()["errors"][0]["loc"] == ["body", "file", "Sheet1"]
    no_key = await upload(client, xlsx_bytes({"contracts": [["lender"]]}), "x.xlsx")
    assert no_key.status_code == 422
    legacy = await upload(client, b"\xd0\xcf\x11\xe0" + b"\x00" * 100, "old.xls")
    assert legacy.status_code == 422
    assert ".xlsx" in legacy.json()["detail"]
    assert (await upload(client, b"", "empty.csv")).status_code == 422
    assert (await client.get("/v1/imports/00000000-0000-4000-8000-000000000000")).status_code == 404
    assert (
        await db.fetchval(
            "select count(*) from customer.import_jobs where filename in ('old.xls', 'empty.csv')"
        )
        == 0
    )


async def test_idempotency_key_replays_the_job(client: httpx.AsyncClient) -> None:
    content = customers_csv([credit_code()])
    headers = {"Idempotency-Key": "import-1"}
    first = await upload(client, content, headers=headers)
    again = await upload(client, content, headers=headers)
    assert again.status_code == 202
    assert again.json()["id"] == first.json()["id"]
    await finished(client, first)


async def test_upload_needs_both_write_scopes(anon: httpx.AsyncClient) -> None:
    from tests.support.auth import bearer

    response = await anon.post(
        "/v1/imports",
        files={"file": ("a.csv", b"name,credit_code\n", "text/csv")},
        headers=bearer("customers:write", "customers:read"),
    )
    assert response.status_code == 403


async def test_a_key_repeated_in_one_file_is_created_once_then_updated(
    client: httpx.AsyncClient, db: asyncpg.Connection
) -> None:
    code, other = credit_code(), credit_code()
    content = csv_bytes(
        [
            CUSTOMER_HEADERS,
            ["甲公司", code, "2015-06-01", 50, "C3411"],
            ["乙公司", other, "2015-06-01", 50, "C3411"],
            ["甲公司（更名）", code, "2015-06-01", 50, "C3411"],
        ]
    )
    job = await run(client, content)
    assert job["outcomes"] == {"customers": {"created": 2, "updated": 1}}
    stored = await db.fetchrow(
        "select name, version from customer.customers where credit_code = $1", code
    )
    assert (stored["name"], stored["version"]) == ("甲公司(更名)", 2)
    actions = await db.fetch("select action from customer.audit_log order by id")
    assert [a["action"] for a in actions] == ["create", "create", "update"]


async def test_a_code_taken_by_a_concurrent_writer_redoes_the_group_row_by_row(
    client: httpx.AsyncClient, db: asyncpg.Connection, monkeypatch: pytest.MonkeyPatch
) -> None:
    codes = [credit_code() for _ in range(4)]
    real = customers_service.create_checked

    async def racing(session: Any, fields: Any, *, actor: str) -> Any:
        # Between the batch's lookup and its insert, someone else creates the third customer.
        monkeypatch.setattr(customers_service, "create_checked", real)
        taken = await client.post("/v1/customers", json=customer_body(credit_code=codes[2]))
        assert taken.status_code == 201, taken.text
        return await real(session, fields, actor=actor)

    monkeypatch.setattr(customers_service, "create_checked", racing)
    job = await run(client, customers_csv(codes))
    assert job["rows_rejected"] == 0, job["errors"]
    assert job["outcomes"]["customers"]["created"] == 3
    assert await db.fetchval("select count(*) from customer.customers") == 4
    # One audit entry per write: the concurrent create and the three imported ones (the fourth
    # row found its customer and updated or left it).
    creates = "select count(*) from customer.audit_log where action = 'create'"
    assert await db.fetchval(creates) == 4
