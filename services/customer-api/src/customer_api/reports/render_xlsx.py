"""The review report as an XLSX workbook: one sheet per section, typed cells.

Numbers are numbers (money with two decimals, ratios as percentages), dates are dates (China
time for timestamps: Excel has no time zones), each sheet's header row is bold and frozen. The
workbook is written in openpyxl's write-only mode, which streams rows instead of building a
cell graph. Every cell comes from customer_api.spreadsheet: names and other text stored by
users are inert strings, never formulas, and a character XML cannot hold never fails a report.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

from customer_api.reports import labels
from customer_api.reports.schemas import ReviewReport
from customer_api.spreadsheet import Value, cell
from guarantee_shared.clock import CHINA_TZ
from guarantee_shared.schemas.portfolio import IndicatorGroup


class Kind(Enum):
    TEXT = None
    INT = "#,##0"
    MONEY = "#,##0.00"
    RATIO = "0.00%"
    NUMBER = "0.00"
    FINE = "0.0000"  # accuracy metrics and p-values: two decimals would hide them
    DATE = "yyyy-mm-dd"
    MOMENT = "yyyy-mm-dd hh:mm"


Column = tuple[str, Kind]
_BOLD = Font(bold=True)


def _value(value: Any, kind: Kind) -> Value:
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.astimezone(CHINA_TZ).replace(tzinfo=None)
    if kind in (Kind.RATIO, Kind.NUMBER, Kind.FINE):
        return float(value)
    if isinstance(value, (bool, int, Decimal, date, str)):
        return value
    return str(value)


def _sheet(
    workbook: Workbook, title: str, columns: Sequence[Column], rows: Iterable[Sequence[Any]]
) -> None:
    sheet: WriteOnlyWorksheet = workbook.create_sheet(title)
    sheet.freeze_panes = "A2"
    header_cells = []
    for header, _ in columns:
        head = cell(sheet, header)
        head.font = _BOLD
        header_cells.append(head)
    sheet.append(header_cells)
    for row in rows:
        cells = []
        for value, (_, kind) in zip(row, columns, strict=True):
            item = cell(sheet, _value(value, kind))
            if kind.value is not None:
                item.number_format = kind.value
            cells.append(item)
        sheet.append(cells)


def _pairs(workbook: Workbook, title: str, pairs: Sequence[tuple[str, Any, Kind]]) -> None:
    """A two-column sheet of (item, value); each value row carries its own format."""
    sheet: WriteOnlyWorksheet = workbook.create_sheet(title)
    sheet.freeze_panes = "A2"
    header = [cell(sheet, h) for h in ("项目 item", "数值 value")]
    for head in header:
        head.font = _BOLD
    sheet.append(header)
    for label, value, kind in pairs:
        item = cell(sheet, _value(value, kind))
        if kind.value is not None:
            item.number_format = kind.value
        sheet.append([cell(sheet, label), item])


_INDICATORS: tuple[Column, ...] = (
    ("组 group", Kind.TEXT),
    ("客户 customers", Kind.INT),
    ("合同 contracts", Kind.INT),
    ("在保余额 balance", Kind.MONEY),
    ("担保责任 liability", Kind.MONEY),
    ("反担保价值 collateral", Kind.MONEY),
    ("覆盖率 coverage", Kind.RATIO),
    ("逾期金额 overdue", Kind.MONEY),
    ("逾期率 overdue rate", Kind.RATIO),
    ("解保额 released", Kind.MONEY),
    ("代偿额 compensated", Kind.MONEY),
    ("代偿率 compensation rate", Kind.RATIO),
    ("追偿额 recovered", Kind.MONEY),
    ("回收率 recovery rate", Kind.RATIO),
    ("代偿余额 compensation balance", Kind.MONEY),
    ("损失额 loss", Kind.MONEY),
    ("损失率 loss rate", Kind.RATIO),
)


def _indicator_rows(groups: list[IndicatorGroup], names: dict[str, str]) -> list[list[Any]]:
    return [
        [
            labels.label(names, g.key),
            g.customers,
            g.contracts,
            g.outstanding_balance,
            g.guarantee_liability,
            g.collateral_value,
            g.coverage_ratio,
            g.overdue_amount,
            g.overdue_rate,
            g.released_amount,
            g.compensated_amount,
            g.compensation_rate,
            g.recovered_amount,
            g.recovery_rate,
            g.compensation_balance,
            g.loss_amount,
            g.loss_rate,
        ]
        for g in groups
    ]


def _book(wb: Workbook, r: ReviewReport) -> None:
    t, b, g = r.totals, r.totals.book, r.regulatory
    _pairs(
        wb,
        "总体 Totals",
        [
            ("报告日 as of", r.as_of, Kind.DATE),
            ("生成于 generated", r.generated_at, Kind.MOMENT),
            ("客户总数 customers", t.customers, Kind.INT),
            ("存续客户 active", t.active_customers, Kind.INT),
            ("已评级 rated", t.rated_customers, Kind.INT),
            ("在保客户 customers in force", t.customers_in_force, Kind.INT),
            ("在保合同 contracts in force", b.contracts, Kind.INT),
            ("在保余额 outstanding balance", b.outstanding_balance, Kind.MONEY),
            ("担保责任 guarantee liability", b.guarantee_liability, Kind.MONEY),
            ("反担保覆盖率 coverage ratio", b.coverage_ratio, Kind.RATIO),
            ("在保逾期率 overdue rate", b.overdue_rate, Kind.RATIO),
            ("代偿率 compensation rate (12 months)", b.compensation_rate, Kind.RATIO),
            ("担保损失率 loss rate (12 months)", b.loss_rate, Kind.RATIO),
        ],
    )
    d = r.distribution
    _sheet(
        wb,
        "分类×等级 Class×Tier",
        [
            ("分类 class", Kind.TEXT),
            ("等级 tier", Kind.TEXT),
            ("客户 customers", Kind.INT),
            ("担保责任 liability", Kind.MONEY),
        ],
        [
            [c.customer_class, c.risk_tier, c.customers, c.guarantee_liability]
            for c in d.class_by_tier
        ],
    )
    bucket_columns = [
        ("键 key", Kind.TEXT),
        ("名称 label", Kind.TEXT),
        ("客户 customers", Kind.INT),
        ("担保责任 liability", Kind.MONEY),
    ]
    _sheet(
        wb,
        "规模 Size",
        bucket_columns,
        [[x.key, x.label, x.customers, x.guarantee_liability] for x in d.by_size],
    )
    _sheet(
        wb,
        "行业 Industry",
        bucket_columns,
        [[x.key, x.label, x.customers, x.guarantee_liability] for x in d.by_industry_section],
    )
    _sheet(
        wb,
        "性质 Ownership",
        bucket_columns,
        [[x.key, x.label, x.customers, x.guarantee_liability] for x in d.by_ownership],
    )
    _sheet(
        wb,
        "地位 Market position",
        bucket_columns,
        [[x.key, x.label, x.customers, x.guarantee_liability] for x in d.by_market_position],
    )
    _sheet(wb, "等级指标 By tier", _INDICATORS, _indicator_rows(r.indicators_by_tier, labels.TIER))
    _sheet(
        wb, "分类指标 By class", _INDICATORS, _indicator_rows(r.indicators_by_class, labels.CLASS)
    )
    _pairs(
        wb,
        "监管 Regulatory",
        [
            ("净资产 net assets", g.net_assets, Kind.MONEY),
            ("对其他担保公司投资 guarantee investments", g.guarantee_investments, Kind.MONEY),
            ("融资担保责任 financing liability", g.financing_liability, Kind.MONEY),
            ("融资担保责任余额 weighted liability", g.weighted_liability, Kind.MONEY),
            ("放大倍数 leverage", g.leverage, Kind.NUMBER),
            ("上限 cap", g.leverage_cap, Kind.INT),
            ("在上限内 within cap", g.leverage_within_cap, Kind.TEXT),
            ("小微余额占比 small/micro balance share", g.small_micro_balance_share, Kind.RATIO),
            ("小微户数占比 small/micro customer share", g.small_micro_customer_share, Kind.RATIO),
        ],
    )
    _sheet(
        wb,
        "最大客户 Largest customers",
        [
            ("客户 customer", Kind.TEXT),
            ("担保责任 liability", Kind.MONEY),
            ("占净资产 share", Kind.RATIO),
            ("限额 limit", Kind.RATIO),
            ("在限额内 within limit", Kind.TEXT),
        ],
        [[c.name, c.liability, c.share, c.limit, c.within_limit] for c in r.largest.customers],
    )
    _sheet(
        wb,
        "最大集团 Largest groups",
        [
            ("集团 group", Kind.TEXT),
            ("客户数 customers", Kind.INT),
            ("担保责任 liability", Kind.MONEY),
            ("占净资产 share", Kind.RATIO),
            ("限额 limit", Kind.RATIO),
            ("在限额内 within limit", Kind.TEXT),
        ],
        [
            [x.name, x.customers, x.liability, x.share, x.limit, x.within_limit]
            for x in r.largest.groups
        ],
    )


def _customers(wb: Workbook, r: ReviewReport) -> None:
    _sheet(
        wb,
        "高风险 High risk",
        [
            ("客户 customer", Kind.TEXT),
            ("等级 tier", Kind.TEXT),
            ("分类 class", Kind.TEXT),
            ("信用等级 grade", Kind.TEXT),
            ("评分 score", Kind.INT),
            ("评级时间 rated at", Kind.MOMENT),
            ("担保责任 liability", Kind.MONEY),
            ("原因 reasons", Kind.TEXT),
            ("否决项 knock-outs", Kind.TEXT),
            ("策略 strategy", Kind.TEXT),
        ],
        [
            [
                c.name,
                c.risk_tier,
                c.customer_class,
                c.credit_grade,
                c.score,
                c.rated_at,
                c.guarantee_liability,
                "；".join(x.message for x in c.reasons) or None,
                "、".join(c.knockouts) or None,
                c.strategy,
            ]
            for c in r.high_risk.customers
        ],
    )
    _sheet(
        wb,
        "待复核 Reviews due",
        [
            ("客户 customer", Kind.TEXT),
            ("等级 tier", Kind.TEXT),
            ("复核到期 due", Kind.DATE),
            ("上次核实 last verified", Kind.MOMENT),
            ("已逾期 overdue", Kind.TEXT),
            ("逾期天数 days overdue", Kind.INT),
        ],
        [
            [c.name, c.risk_tier, c.next_review_due, c.last_verified_at, c.overdue, c.days_overdue]
            for c in r.reviews_due.customers
        ],
    )


def _evaluation(wb: Workbook, r: ReviewReport) -> None:
    e = r.evaluation
    c, g, w = e.data_completeness, e.grading_accuracy, e.warning_effectiveness
    _sheet(
        wb,
        "完整度 Completeness",
        [
            ("项目 fact", Kind.TEXT),
            ("名称 label", Kind.TEXT),
            ("具备 present", Kind.INT),
            ("占比 share", Kind.RATIO),
        ],
        [
            [f.fact, labels.label(labels.FACT, f.fact), f.present, f.share]
            for f in [*c.facts, c.current_statement]
        ]
        + [["complete", "全部具备 complete", c.complete, c.complete_share]],
    )
    _sheet(
        wb,
        "评级准确性 Grading",
        [
            ("等级 tier", Kind.TEXT),
            ("评级日 cohort date", Kind.DATE),
            ("客户 customers", Kind.INT),
            ("代偿 compensated", Kind.INT),
            ("代偿率 rate", Kind.RATIO),
        ],
        [
            [t.risk_tier, g.cohort_date, t.customers, t.compensated, t.compensation_rate]
            for t in g.by_tier
        ],
    )
    _sheet(
        wb,
        "预警有效性 Warnings",
        [
            ("客户 customer", Kind.TEXT),
            ("代偿日 occurred on", Kind.DATE),
            ("金额 amount", Kind.MONEY),
            ("预警来源 warned by", Kind.TEXT),
            ("提前天数 lead days", Kind.INT),
        ],
        [
            [i.name, i.occurred_on, i.amount, ", ".join(i.warned_by) or None, i.lead_days]
            for i in w.items
        ],
    )
    _sheet(
        wb,
        "满意度 Satisfaction",
        [
            ("季度 quarter", Kind.TEXT),
            ("开始 start", Kind.DATE),
            ("问卷 surveys", Kind.INT),
            ("平均分 average", Kind.NUMBER),
        ],
        [[q.quarter, q.start, q.surveys, q.average_score] for q in e.satisfaction.quarters],
    )
    sla = e.complaint_sla
    _sheet(
        wb,
        "投诉时效 Complaint SLA",
        [
            ("严重度 severity", Kind.TEXT),
            ("投诉 complaints", Kind.INT),
            ("已解决 resolved", Kind.INT),
            ("按时 within due", Kind.INT),
            ("按时率 share", Kind.RATIO),
            ("未解决 open", Kind.INT),
            ("已超时 breached", Kind.INT),
        ],
        [
            [
                x.severity,
                x.complaints,
                x.resolved,
                x.resolved_within_due,
                x.within_due_share,
                x.open,
                x.open_breached,
            ]
            for x in [*sla.by_severity, sla.total]
        ],
    )
    _pairs(
        wb,
        "评估汇总 Evaluation",
        [
            ("信息完整率 complete share", c.complete_share, Kind.RATIO),
            ("评级客户 rated in cohort", g.rated_customers, Kind.INT),
            ("代偿客户 compensated customers", g.compensated_customers, Kind.INT),
            ("中高风险捕获率 captured share", g.captured_share, Kind.RATIO),
            ("评级单调 monotone", g.monotone, Kind.TEXT),
            ("代偿笔数 compensations", w.compensations, Kind.INT),
            ("事前预警率 warned share", w.warned_share, Kind.RATIO),
            ("平均提前天数 average lead days", w.average_lead_days, Kind.NUMBER),
            ("预警系统 alerts", str(w.alerts), Kind.TEXT),
            ("满意度变化 satisfaction change", e.satisfaction.change, Kind.NUMBER),
            ("投诉按时率 complaints within due", sla.total.within_due_share, Kind.RATIO),
        ],
    )


def _backtest(wb: Workbook, r: ReviewReport) -> None:
    b = r.backtest
    _sheet(
        wb,
        "评级回测 Backtest",
        [
            ("维度 by", Kind.TEXT),
            ("组 group", Kind.TEXT),
            ("评级 rated", Kind.INT),
            ("违约 defaulted", Kind.INT),
            ("违约率 default rate", Kind.RATIO),
            ("平均PD mean PD", Kind.RATIO),
            ("p 值 p-value", Kind.FINE),
        ],
        [
            [by, g.key, g.n, g.defaults, g.default_rate, g.mean_pd, g.p_value]
            for by, groups in (("grade", b.by_grade), ("tier", b.by_tier))
            for g in groups
        ],
    )
    _pairs(
        wb,
        "回测指标 Backtest metrics",
        [
            ("在用评级日 cohort date", b.cohort_date, Kind.DATE),
            ("期限(月) horizon months", b.horizon_months, Kind.INT),
            ("评级 rated", b.n, Kind.INT),
            ("违约 defaulted", b.defaults, Kind.INT),
            ("AUC", b.auc, Kind.FINE),
            ("Gini", b.gini, Kind.FINE),
            ("KS", b.ks, Kind.FINE),
            ("Brier", b.brier, Kind.FINE),
            ("PSI", b.psi, Kind.FINE),
            ("单调 monotone", b.monotone, Kind.TEXT),
        ],
    )


def _industry_review(wb: Workbook, r: ReviewReport) -> None:
    _sheet(
        wb,
        "行业审查 Industry review",
        [
            ("行业代码 prefix", Kind.TEXT),
            ("级别 level", Kind.TEXT),
            ("原因 reason", Kind.TEXT),
            ("生效日 effective from", Kind.DATE),
            ("已生效 in effect", Kind.TEXT),
            ("客户 customers", Kind.INT),
            ("合同 contracts", Kind.INT),
            ("在保余额 balance", Kind.MONEY),
            ("担保责任 liability", Kind.MONEY),
            ("逾期率 overdue rate", Kind.RATIO),
            ("代偿额 compensated", Kind.MONEY),
            ("代偿率 compensation rate", Kind.RATIO),
        ],
        [
            [
                w.industry_prefix,
                labels.label(labels.WATCH_LEVEL, w.level),
                w.reason,
                w.effective_from,
                "是" if w.in_effect else "否",
                w.indicators.customers,
                w.indicators.contracts,
                w.indicators.outstanding_balance,
                w.indicators.guarantee_liability,
                w.indicators.overdue_rate,
                w.indicators.compensated_amount,
                w.indicators.compensation_rate,
            ]
            for w in r.industry_review.entries
        ],
    )


def workbook(report: ReviewReport) -> bytes:
    """The report as the bytes of an .xlsx file."""
    wb = Workbook(write_only=True)
    _book(wb, report)
    _customers(wb, report)
    _evaluation(wb, report)
    _backtest(wb, report)
    _industry_review(wb, report)
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()
