"""The review report: every section against the crafted book of report_book.py (as of
2025-06-30; net assets 100,000,000.00 in the test settings), its XLSX and HTML forms, and bad
input. The alerting service is replaced per test by a fake (down unless a test feeds it)."""

from __future__ import annotations

import base64
import hashlib
import io
import re
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import asyncpg
import httpx
import pytest
from fastapi import FastAPI
from openpyxl import load_workbook

from customer_api import deps
from guarantee_shared.clients.alerting import AlertingClient
from guarantee_shared.clock import business_today
from tests.customer_api.report_book import AS_OF, ReportBook, build
from tests.support.auth import bearer


@dataclass
class FakeAlerting:
    """Answers GET /v1/alerts from ``alerts`` in pages of two, or fails with ``status``."""

    alerts: list[dict[str, Any]] = field(default_factory=list)
    status: int | None = None
    down: bool = True
    requests: list[httpx.Request] = field(default_factory=list)

    def handle(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        if self.down:
            raise httpx.ConnectError("connection refused", request=request)
        if self.status is not None:
            return httpx.Response(self.status, json={"title": "boom"})
        start = int(request.url.params.get("cursor", "0"))
        page = self.alerts[start : start + 2]
        more = start + 2 < len(self.alerts)
        return httpx.Response(
            200, json={"items": page, "next_cursor": str(start + 2) if more else None}
        )


@pytest.fixture(autouse=True)
def alerting(app: FastAPI) -> Iterator[FakeAlerting]:
    fake = FakeAlerting()

    async def client() -> AsyncIterator[AlertingClient]:
        transport = httpx.MockTransport(fake.handle)
        async with AlertingClient("http://alerting.test", token="t", transport=transport) as c:
            yield c

    app.dependency_overrides[deps.alerting_client] = client
    yield fake
    app.dependency_overrides.pop(deps.alerting_client, None)


def _alert(customer: uuid.UUID | str, started: str, state: str = "resolved") -> dict[str, Any]:
    return {
        "id": str(uuid.uuid4()), "rule_id": str(uuid.uuid4()), "fingerprint": "f",
        "state": state, "severity": "warning", "subject": f"customer={customer}", "value": 1,
        "threshold": 0, "labels": {}, "started_at": started, "fired_at": started,
        "resolved_at": None, "last_evaluated_at": started, "acknowledged_by": None,
        "acknowledged_at": None,
    }  # fmt: skip


async def _report(client: httpx.AsyncClient, **params: Any) -> dict[str, Any]:
    response = await client.get("/v1/reports/review", params={"as_of": AS_OF, **params})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/json")
    body: dict[str, Any] = response.json()
    return body


@pytest.fixture
async def book(db: asyncpg.Connection) -> ReportBook:
    return await build(db)


async def test_totals_and_distribution(client: httpx.AsyncClient, book: ReportBook) -> None:
    report = await _report(client)
    assert report["as_of"] == AS_OF
    assert report["period"] == "ttm"
    assert report["top"] == 10
    totals = report["totals"]
    # Seven customers, G inactive; D unrated; only A and B have a contract in force.
    assert (totals["customers"], totals["active_customers"]) == (7, 6)
    assert (totals["rated_customers"], totals["customers_in_force"]) == (5, 2)
    # Book: A 8,000,000 + B 5,000,000 in force; liability 8,000,000 + 4,000,000 (ratio 0.8).
    assert totals["book"]["outstanding_balance"] == "13000000.00"
    assert totals["book"]["guarantee_liability"] == "12000000.00"
    # Released in the 12 months: C 2,000,000 and E 1,000,000; compensated 1,500,000 + 1,000,000.
    assert totals["book"]["released_amount"] == "3000000.00"
    assert totals["book"]["compensation_rate"] == 0.8333

    dist = report["distribution"]
    cells = {(c["customer_class"], c["risk_tier"]): c for c in dist["class_by_tier"]}
    assert {k: c["customers"] for k, c in cells.items()} == {
        ("general", "low"): 1, ("general", "medium"): 2, ("high_risk", "high"): 1,
        ("premium", "low"): 1, ("unrated", "unrated"): 1,
    }  # fmt: skip
    assert cells[("premium", "low")]["guarantee_liability"] == "8000000.00"
    assert cells[("general", "medium")]["guarantee_liability"] == "4000000.00"
    sizes = [(b["key"], b["customers"], b["label"]) for b in dist["by_size"]]
    assert sizes == [("medium", 2, "中型"), ("small", 2, "小型"), ("micro", 1, "微型"),
                     ("unrated", 1, "未评级")]  # fmt: skip
    sections = {b["key"]: (b["customers"], b["label"]) for b in dist["by_industry_section"]}
    assert sections == {"C": (3, "制造业"), "F": (2, "批发和零售业"), "unknown": (1, "行业未知")}


async def test_indicators_regulatory_and_largest(
    client: httpx.AsyncClient, book: ReportBook
) -> None:
    report = await _report(client, top=1)
    tiers = {g["key"]: g for g in report["indicators_by_tier"]}
    assert [g["key"] for g in report["indicators_by_tier"]] == ["low", "medium", "high"]
    # low: A in force, E compensated 1,000,000 of its 1,000,000 released.
    assert tiers["low"]["outstanding_balance"] == "8000000.00"
    assert tiers["low"]["coverage_ratio"] == 0.875  # 10,000,000 x 0.7 / 8,000,000
    assert tiers["low"]["compensation_rate"] == 1.0
    # medium: B wholly overdue; G's compensation of 2024-05-01 is before the window.
    assert tiers["medium"]["overdue_rate"] == 1.0
    assert tiers["medium"]["compensated_amount"] == "0.00"
    assert tiers["high"]["compensation_rate"] == 0.75  # 1,500,000 / 2,000,000
    classes = [g["key"] for g in report["indicators_by_class"]]
    assert classes == ["premium", "general", "high_risk"]

    regulatory = report["regulatory"]
    assert regulatory["financing_liability"] == "12000000.00"
    assert regulatory["leverage"] == 0.12  # 12,000,000 / 100,000,000
    # top=1: only the largest customer and group.
    largest = report["largest"]
    assert [(c["name"], c["share"], c["within_limit"]) for c in largest["customers"]] == [
        ("A 甲精密", 0.08, True)
    ]
    assert [(g["name"], g["customers"], g["share"]) for g in largest["groups"]] == [("G1", 2, 0.12)]
    assert regulatory["top_customers"] == largest["customers"]


async def test_high_risk_customers_with_reasons_and_strategy(
    client: httpx.AsyncClient, book: ReportBook
) -> None:
    high = (await _report(client))["high_risk"]
    assert high["count"] == 1
    (c,) = high["customers"]
    assert (c["customer_id"], c["risk_tier"], c["customer_class"]) == (
        str(book.c),
        "high",
        "high_risk",
    )
    # From the latest rating (2024-11-01), not the earlier medium one.
    assert [r["code"] for r in c["reasons"]] == ["debt_ratio_high", "overdue_history"]
    assert c["reasons"][0]["message"] == "资产负债率 0.86 偏高"
    assert c["knockouts"] == ["compensation_unrecovered"]
    assert c["strategy"] == "严格限额，加强保后监控"
    assert c["guarantee_liability"] == "0.00"


async def test_customers_due_or_overdue_for_review(
    client: httpx.AsyncClient, book: ReportBook
) -> None:
    due = (await _report(client))["reviews_due"]
    # Horizon 2025-07-30: B overdue (06-10), C (07-15) and F (07-30, on the horizon) due;
    # A (12-01) and E (08-01) later; G inactive; D never scheduled.
    assert due["horizon"] == "2025-07-30"
    assert (due["due"], due["overdue"], due["unscheduled"]) == (3, 1, 1)
    listed = [(c["name"], c["overdue"], c["days_overdue"]) for c in due["customers"]]
    assert listed == [("B 乙商贸", True, 20), ("C 丙建材", False, 0), ("F 己物流", False, 0)]


async def test_data_completeness(client: httpx.AsyncClient, book: ReportBook) -> None:
    completeness = (await _report(client))["evaluation"]["data_completeness"]
    assert completeness["customers"] == 6
    facts = {f["fact"]: f["present"] for f in completeness["facts"]}
    # A and B have every fact; the others name, code and (but D) the industry.
    assert facts == {
        "name": 6, "credit_code": 6, "legal_representative": 2, "registered_capital": 2,
        "established_on": 2, "industry_code": 5, "main_business": 2, "employees": 2,
    }  # fmt: skip
    assert completeness["facts"][2]["share"] == 0.3333
    # Current: A's 2024 annual and C's 2025-03-31 quarter; B's 2023 annual is too old and E's
    # statement ends exactly 15 months before as_of.
    assert completeness["current_statement"]["present"] == 2
    assert (completeness["complete_profiles"], completeness["complete"]) == (2, 1)
    assert completeness["complete_share"] == 0.1667


async def test_grading_accuracy(client: httpx.AsyncClient, book: ReportBook) -> None:
    grading = (await _report(client))["evaluation"]["grading_accuracy"]
    assert grading["cohort_date"] == "2024-06-30"
    # Cohort: A low (its 'high' rating is 2024-07-01 in China), E low, B, C, F medium.
    # Compensated in the window: C (medium) and E (low); G's was before it.
    tiers = {t["risk_tier"]: t for t in grading["by_tier"]}
    assert [t["risk_tier"] for t in grading["by_tier"]] == ["low", "medium", "high"]
    assert (tiers["low"]["customers"], tiers["low"]["compensated"]) == (2, 1)
    assert (tiers["medium"]["customers"], tiers["medium"]["compensated"]) == (3, 1)
    assert tiers["medium"]["compensation_rate"] == 0.3333
    assert (tiers["high"]["customers"], tiers["high"]["compensation_rate"]) == (0, None)
    assert (grading["rated_customers"], grading["compensated_customers"]) == (5, 2)
    assert (grading["captured"], grading["captured_share"]) == (1, 0.5)
    # low 0.5 > medium 0.3333: the grading did not order the outcomes.
    assert grading["monotone"] is False


async def test_warning_effectiveness_without_the_alerting_service(
    client: httpx.AsyncClient, book: ReportBook, alerting: FakeAlerting
) -> None:
    warnings = (await _report(client))["evaluation"]["warning_effectiveness"]
    assert alerting.requests, "the report asks the alerting service"
    assert warnings["alerts"] == "unavailable"
    assert "could not be reached" in warnings["alerts_detail"]
    assert (warnings["window_start"], warnings["lead_days"]) == ("2024-07-01", 180)
    # C: overdue 2024-10-01, litigation 2024-12-01, downgrade 2024-11-01 before 2025-02-01;
    # E: only a litigation 14 months before its compensation.
    assert (warnings["compensations"], warnings["warned"], warnings["warned_share"]) == (2, 1, 0.5)
    assert warnings["by_source"] == {
        "contract_overdue": 1, "adverse_event": 1, "tier_downgrade": 1, "alert": 0
    }  # fmt: skip
    items = [(i["name"], i["occurred_on"], i["amount"], i["warned_by"], i["lead_days"])
             for i in warnings["items"]]  # fmt: skip
    assert items == [
        ("E 戊机电", "2025-03-01", "1000000.00", [], None),
        ("C 丙建材", "2025-02-01", "1500000.00",
         ["adverse_event", "contract_overdue", "tier_downgrade"], 123),
    ]  # fmt: skip
    assert warnings["average_lead_days"] == 123.0


async def test_warning_effectiveness_counts_alerts_that_preceded_compensations(
    client: httpx.AsyncClient, book: ReportBook, alerting: FakeAlerting
) -> None:
    alerting.down = False
    alerting.alerts = [
        _alert(book.e, "2025-01-15T03:00:00Z"),  # 45 days before E's compensation
        _alert(book.e, "2025-03-01T03:00:00Z", state="firing"),  # the same day: too late
        _alert(book.a, "2025-01-01T03:00:00Z"),  # A was never compensated
        {**_alert(book.c, "2025-01-20T03:00:00Z"), "subject": "risk_tier=high"},
        _alert("not-a-uuid", "2025-01-20T03:00:00Z"),
    ]
    warnings = (await _report(client))["evaluation"]["warning_effectiveness"]
    assert len(alerting.requests) == 3  # three pages of two
    assert alerting.requests[0].headers["Authorization"] == "Bearer t"
    assert (warnings["alerts"], warnings["alerts_detail"]) == ("available", None)
    assert (warnings["warned"], warnings["warned_share"]) == (2, 1.0)
    assert warnings["by_source"]["alert"] == 1
    e = warnings["items"][0]
    assert (e["warned_by"], e["lead_days"]) == (["alert"], 45)
    assert warnings["average_lead_days"] == 84.0  # (123 + 45) / 2


@pytest.mark.parametrize("status", [500, 403])
async def test_an_alerting_error_leaves_the_report_served(
    client: httpx.AsyncClient, book: ReportBook, alerting: FakeAlerting, status: int
) -> None:
    alerting.down, alerting.status = False, status
    warnings = (await _report(client))["evaluation"]["warning_effectiveness"]
    assert warnings["alerts"] == "unavailable"
    assert str(status) in warnings["alerts_detail"]
    assert warnings["warned"] == 1


async def test_satisfaction_trend_by_quarter(client: httpx.AsyncClient, book: ReportBook) -> None:
    satisfaction = (await _report(client))["evaluation"]["satisfaction"]
    quarters = satisfaction["quarters"]
    assert [q["quarter"] for q in quarters] == [
        "2023Q3", "2023Q4", "2024Q1", "2024Q2", "2024Q3", "2024Q4", "2025Q1", "2025Q2"
    ]  # fmt: skip
    assert quarters[0]["start"] == "2023-07-01"
    # 2025Q2: 5 and 3 (06-30 counts, 07-01 does not); 2025Q1: 2; 2023-06-30 is before 2023Q3.
    assert [(q["surveys"], q["average_score"]) for q in quarters[-2:]] == [(1, 2.0), (2, 4.0)]
    assert all(q["surveys"] == 0 and q["average_score"] is None for q in quarters[:-2])
    assert satisfaction["change"] == 2.0


async def test_complaint_sla(client: httpx.AsyncClient, book: ReportBook) -> None:
    sla = (await _report(client))["evaluation"]["complaint_sla"]
    # The report moment is the end of 2025-06-30 in China.
    assert sla["at"] == "2025-06-30T16:00:00Z"
    rows = {
        s["severity"]: (s["complaints"], s["resolved"], s["resolved_within_due"],
                        s["within_due_share"], s["open"], s["open_breached"])
        for s in [*sla["by_severity"], sla["total"]]
    }  # fmt: skip
    assert rows == {
        "high": (2, 2, 1, 0.5, 0, 0),  # one in time, one late
        # breached open; resolved only after the report moment (so still open then); the
        # 2024 complaint resolved long ago is outside the window.
        "medium": (2, 0, 0, None, 2, 1),
        "low": (2, 0, 0, None, 2, 1),  # new and not yet due; open since 2024
        "all": (6, 2, 1, 0.5, 4, 2),
    }


async def test_an_empty_book(client: httpx.AsyncClient) -> None:
    report = await _report(client)
    assert report["totals"]["customers"] == 0
    assert report["totals"]["book"]["coverage_ratio"] is None
    assert report["distribution"] == {
        "class_by_tier": [], "by_size": [], "by_industry_section": [], "by_ownership": [],
        "by_market_position": [],
    }  # fmt: skip
    assert report["high_risk"] == {"count": 0, "customers": []}
    assert report["reviews_due"]["customers"] == []
    assert report["reviews_due"]["due"] == 0
    evaluation = report["evaluation"]
    assert evaluation["data_completeness"]["complete_share"] is None
    assert evaluation["grading_accuracy"]["monotone"] is None
    assert evaluation["warning_effectiveness"]["warned_share"] is None
    assert evaluation["complaint_sla"]["total"]["complaints"] == 0
    html = await client.get("/v1/reports/review", params={"format": "html"})
    assert html.status_code == 200
    assert "无数据 No data" in html.text
    xlsx = await client.get("/v1/reports/review", params={"format": "xlsx"})
    assert xlsx.status_code == 200


async def test_as_of_defaults_to_today_in_china(client: httpx.AsyncClient) -> None:
    before = business_today()
    response = await client.get("/v1/reports/review")
    assert response.status_code == 200
    assert response.json()["as_of"] in {before.isoformat(), business_today().isoformat()}


async def test_the_xlsx_has_a_typed_sheet_per_section(
    client: httpx.AsyncClient, book: ReportBook
) -> None:
    response = await client.get("/v1/reports/review", params={"as_of": AS_OF, "format": "xlsx"})
    assert response.status_code == 200
    assert response.headers["content-type"] == (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    assert 'filename="review-2025-06-30.xlsx"' in response.headers["content-disposition"]
    workbook = load_workbook(io.BytesIO(response.content))
    assert workbook.sheetnames == [
        "总体 Totals", "分类×等级 Class×Tier", "规模 Size", "行业 Industry", "性质 Ownership",
        "地位 Market position", "等级指标 By tier",
        "分类指标 By class", "监管 Regulatory", "最大客户 Largest customers",
        "最大集团 Largest groups", "高风险 High risk", "待复核 Reviews due",
        "完整度 Completeness", "评级准确性 Grading", "预警有效性 Warnings",
        "满意度 Satisfaction", "投诉时效 Complaint SLA", "评估汇总 Evaluation",
        "评级回测 Backtest", "回测指标 Backtest metrics",
        "行业审查 Industry review",
    ]  # fmt: skip
    for sheet in workbook.worksheets:
        assert sheet.freeze_panes == "A2", sheet.title
        assert sheet["A1"].font.bold, sheet.title
    largest = workbook["最大客户 Largest customers"]
    name, liability, share = largest["A2"], largest["B2"], largest["C2"]
    assert name.value == "A 甲精密"
    assert (liability.value, liability.number_format) == (8_000_000, "#,##0.00")
    assert (share.value, share.number_format) == (0.08, "0.00%")
    due = workbook["待复核 Reviews due"]
    assert due["C2"].value == datetime(2025, 6, 10)
    assert due["C2"].number_format == "yyyy-mm-dd"
    assert (due["E2"].value, due["F2"].value) == (True, 20)
    satisfaction = workbook["满意度 Satisfaction"]
    assert [row[3] for row in satisfaction.iter_rows(min_row=8, values_only=True)] == [2.0, 4.0]
    tier = workbook["等级指标 By tier"]
    assert [row[0] for row in tier.iter_rows(min_row=2, values_only=True)] == [
        "低风险", "中风险", "高风险"
    ]  # fmt: skip


async def test_the_html_is_self_contained_and_escaped(
    client: httpx.AsyncClient, db: asyncpg.Connection, book: ReportBook
) -> None:
    await db.execute("UPDATE customer.customers SET name = '<b>C & Co</b>' WHERE id = $1", book.c)
    response = await client.get("/v1/reports/review", params={"as_of": AS_OF, "format": "html"})
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    page = response.text
    assert page.startswith('<!DOCTYPE html><html lang="zh-CN">')
    assert "&lt;b&gt;C &amp; Co&lt;/b&gt;" in page
    assert "<b>C & Co</b>" not in page
    for chart in ("class-tier", "size", "industry", "ownership", "market-position",
                  "tier-overdue-rate", "concentration", "completeness", "grading",
                  "satisfaction", "complaints", "roc"):  # fmt: skip
        assert f'data-chart="{chart}"' in page, chart
    assert page.count('role="img"') == 12
    lowered = page.lower()
    assert "<script" not in lowered
    assert "<link" not in lowered
    assert "@import" not in lowered
    assert "http" not in lowered.replace('xmlns="http://www.w3.org/2000/svg"', "").replace(
        '<meta http-equiv="content-security-policy"', ""
    )


async def test_the_html_report_has_a_strict_content_security_policy(
    client: httpx.AsyncClient, book: ReportBook
) -> None:
    response = await client.get("/v1/reports/review", params={"as_of": AS_OF, "format": "html"})
    assert response.status_code == 200
    policy = dict(
        directive.strip().split(" ", 1)
        for directive in response.headers["content-security-policy"].split(";")
    )
    style = re.search(r"<style>(.*?)</style>", response.text, re.S)
    assert style is not None
    digest = base64.b64encode(hashlib.sha256(style.group(1).encode()).digest()).decode()
    assert policy == {
        "default-src": "'none'",  # no script, image, font, frame or connection of any kind
        "style-src": f"'sha256-{digest}'",  # exactly the page's one stylesheet
        "base-uri": "'none'",
        "form-action": "'none'",
        "frame-ancestors": "'none'",
    }
    assert response.text.count("<style>") == 1
    assert ' style="' not in response.text  # an inline style attribute would be refused
    # The policy is also in the page, for a copy saved and opened later.
    assert '<meta http-equiv="Content-Security-Policy" content="default-src &#x27;none&#x27;' in (
        response.text
    )
    assert response.headers["cache-control"] == "no-store"
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["referrer-policy"] == "no-referrer"


@pytest.mark.parametrize(
    ("params", "loc"),
    [
        ({"format": "pdf"}, ["query", "format"]),
        ({"top": "0"}, ["query", "top"]),
        ({"top": "101"}, ["query", "top"]),
        ({"as_of": "2025-13-01"}, ["query", "as_of"]),
        ({"as_of": "1899-12-31"}, ["query", "as_of"]),
        ({"as_of": "2999-01-01"}, ["query", "as_of"]),
    ],
)
async def test_bad_parameters_are_refused(
    client: httpx.AsyncClient, params: dict[str, str], loc: list[str]
) -> None:
    response = await client.get("/v1/reports/review", params=params)
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["errors"][0]["loc"] == loc


async def test_the_report_needs_the_portfolio_scope(anon: httpx.AsyncClient) -> None:
    assert (await anon.get("/v1/reports/review")).status_code == 401
    denied = await anon.get("/v1/reports/review", headers=bearer("customers:read"))
    assert denied.status_code == 403
    allowed = await anon.get("/v1/reports/review", headers=bearer("portfolio:read"))
    assert allowed.status_code == 200
