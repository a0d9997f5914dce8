"""/v1/reports: the customer review report (scope portfolio:read) as JSON, XLSX or HTML."""

from __future__ import annotations

from typing import Annotated

from fastapi import Query
from fastapi.responses import Response

from customer_api.deps import AlertingClientDep, PortfolioRead, SessionDep, SettingsDep
from customer_api.reports import render_html, render_xlsx, service
from customer_api.reports.schemas import ReportFormat, ReviewReport
from guarantee_shared.types import Date
from guarantee_shared.web.http import json_response
from guarantee_shared.web.routing import api_router

router = api_router(prefix="/v1/reports", tags=["reports"])

XLSX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
HTML_MEDIA_TYPE = "text/html; charset=utf-8"

_REVIEW_DOC = """
The customer review report (客户梳理报告, docs/DOMAIN.md §1): totals; distribution by class × tier,
size and industry section; indicators by risk tier and by customer class; regulatory figures
against their limits; the largest customers and groups; high-risk customers with the reasons
and strategy of their latest rating; customers due or overdue for review; and the plan's
evaluation metrics (data completeness, grading accuracy, warning effectiveness, satisfaction
trend by quarter, complaint SLA); and the rating backtest of `GET /v1/ratings/backtest` over the
12 months to `as_of`, with its ROC curve. Every definition is in the `ReviewReport` schema.

* `format=json` (default) — the `ReviewReport` below.
* `format=xlsx` — one sheet per section with typed cells (numbers, money with 2 decimals,
  ratios as percentages, dates), header row bold and frozen.
* `format=html` — a self-contained page (inline CSS, charts as inline SVG; no scripts, fonts or
  other external resources).

Classification and stock figures are the book as it stands; `as_of` (default today in China,
not in the future) ends the 12-month flow and evaluation windows and sets the review horizon.
The alerting service is asked for its alert history with a short timeout; when it does not
answer, `warning_effectiveness.alerts` is `unavailable` and the rest of the report is unchanged.
No personal data (identity numbers, contacts) appears in the report.
"""


@router.get(
    "/review",
    response_model=ReviewReport,
    summary="The customer review report (客户梳理报告)",
    description=_REVIEW_DOC,
    responses={
        200: {
            "content": {
                XLSX_MEDIA_TYPE: {"schema": {"type": "string", "format": "binary"}},
                "text/html": {"schema": {"type": "string"}},
            }
        }
    },
)
async def get_review_report(
    session: SessionDep,
    _: PortfolioRead,
    settings: SettingsDep,
    alerting: AlertingClientDep,
    report_format: Annotated[
        ReportFormat, Query(alias="format", description="json (default), xlsx or html")
    ] = ReportFormat.JSON,
    as_of: Annotated[
        Date | None,
        Query(ge=service.EARLIEST, description="Report date; default today (China), not later"),
    ] = None,
    top: Annotated[
        int, Query(ge=1, le=100, description="Length of the largest customer and group lists")
    ] = 10,
) -> Response:
    report = await service.review_report(
        session,
        as_of=as_of,
        top=top,
        net_assets=settings.guarantor_net_assets,
        guarantee_investments=settings.guarantor_guarantee_investments,
        alerting=alerting,
    )
    if report_format is ReportFormat.XLSX:
        return Response(
            render_xlsx.workbook(report),
            media_type=XLSX_MEDIA_TYPE,
            headers={"Content-Disposition": f'attachment; filename="review-{report.as_of}.xlsx"'},
        )
    if report_format is ReportFormat.HTML:
        return Response(
            render_html.page(report),
            media_type=HTML_MEDIA_TYPE,
            headers={"Content-Security-Policy": render_html.CSP},
        )
    return json_response(report)
