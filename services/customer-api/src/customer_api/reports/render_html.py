"""The review report as one self-contained HTML page: inline CSS, inline SVG charts, no scripts.

Every piece of text goes through :func:`html.escape` (customer names come from users).
"""

from __future__ import annotations

from html import escape

from customer_api.ratings.schemas import BacktestGroup
from customer_api.reports import charts, labels
from customer_api.reports import html_kit as kit
from customer_api.reports.schemas import ReviewReport
from guarantee_shared.clock import CHINA_TZ
from guarantee_shared.schemas.portfolio import IndicatorGroup
from guarantee_shared.web.headers import csp_hash

STYLE = kit.CSS + charts.CSS
# The page is self-contained and runs no script: it may apply its one stylesheet (by hash) and
# load nothing at all. The same policy travels inside the page (a <meta> element), so a copy
# saved and opened later is held to it too; frame-ancestors only works as a header.
_PAGE_POLICY = (
    f"default-src 'none'; style-src {csp_hash(STYLE)}; base-uri 'none'; form-action 'none'"
)
CSP = f"{_PAGE_POLICY}; frame-ancestors 'none'"

_INDICATOR_HEADERS = (
    "组 group",
    "客户 customers",
    "合同 contracts",
    "在保余额 balance",
    "担保责任 liability",
    "反担保覆盖率 coverage",
    "在保逾期率 overdue rate",
    "代偿率 compensation rate",
    "担保损失率 loss rate",
    "代偿余额 compensation balance",
)


def _indicator_rows(groups: list[IndicatorGroup], names: dict[str, str]) -> list[list[kit.Cell]]:
    return [
        [
            labels.both(names, g.key),
            g.customers,
            g.contracts,
            g.outstanding_balance,
            g.guarantee_liability,
            kit.pct(g.coverage_ratio),
            kit.pct(g.overdue_rate),
            kit.pct(g.compensation_rate),
            kit.pct(g.loss_rate),
            g.compensation_balance,
        ]
        for g in groups
    ]


def _overview(r: ReviewReport) -> str:
    t, b = r.totals, r.totals.book
    rows: list[list[kit.Cell]] = [
        ["客户总数 customers", t.customers],
        ["存续客户 active", t.active_customers],
        ["已评级 rated", t.rated_customers],
        ["在保客户 with contracts in force", t.customers_in_force],
        ["在保合同 contracts in force", b.contracts],
        ["在保余额 outstanding balance", b.outstanding_balance],
        ["担保责任 guarantee liability", b.guarantee_liability],
        ["反担保覆盖率 coverage ratio", kit.pct(b.coverage_ratio)],
        ["在保逾期率 overdue rate", kit.pct(b.overdue_rate)],
        ["代偿率 compensation rate (12 months)", kit.pct(b.compensation_rate)],
        ["担保损失率 loss rate (12 months)", kit.pct(b.loss_rate)],
    ]
    return kit.section("totals", "总体情况 Totals", kit.table(["项目 item", "数值 value"], rows))


def _distribution(r: ReviewReport) -> str:
    d = r.distribution
    classes = [*labels.CLASSES, "unrated"]
    tiers = [*labels.TIERS, "unrated"]
    counts = {(c.customer_class, c.risk_tier): c.customers for c in d.class_by_tier}
    present = [c for c in classes if any(counts.get((c, t)) for t in tiers)]
    present += sorted({c for c, _ in counts} - set(classes))
    series = [
        (labels.both(labels.TIER, t), [float(counts.get((c, t), 0)) for c in present])
        for t in tiers
    ]
    stacked = charts.stacked_bar_chart(
        "class-tier",
        "客户分类 × 风险等级 Customer class × risk tier",
        [labels.both(labels.CLASS, c) for c in present],
        series,
    )
    matrix = kit.table(
        ["分类 class \\ 等级 tier", *(labels.both(labels.TIER, t) for t in tiers)],
        [[labels.both(labels.CLASS, c), *(counts.get((c, t), 0) for t in tiers)] for c in present],
    )
    size = charts.bar_chart(
        "size", "企业规模 Enterprise size", [(f"{b.label} {b.key}", b.customers) for b in d.by_size]
    )
    industry = charts.bar_chart(
        "industry",
        "行业门类 Industry section",
        [(f"{b.key} {b.label}", b.customers) for b in d.by_industry_section],
    )
    ownership = charts.bar_chart(
        "ownership",
        "客户性质 Ownership",
        [(f"{b.label} {b.key}", b.customers) for b in d.by_ownership],
    )
    position = charts.bar_chart(
        "market-position",
        "市场地位 Market position",
        [(f"{b.label} {b.key}", b.customers) for b in d.by_market_position],
    )
    return kit.section(
        "distribution",
        "客户分布 Distribution",
        stacked,
        matrix,
        size,
        industry,
        ownership,
        position,
    )


def _indicators(r: ReviewReport) -> str:
    tiers = charts.bar_chart(
        "tier-overdue-rate",
        "各风险等级在保逾期率 Overdue rate by risk tier",
        [(labels.both(labels.TIER, g.key), g.overdue_rate) for g in r.indicators_by_tier],
        fmt=charts.percent,
    )
    return kit.section(
        "indicators",
        "风险指标 Indicators (12 months to as_of)",
        "<h3>按风险等级 By risk tier</h3>",
        kit.table(_INDICATOR_HEADERS, _indicator_rows(r.indicators_by_tier, labels.TIER)),
        tiers,
        "<h3>按客户分类 By customer class</h3>",
        kit.table(_INDICATOR_HEADERS, _indicator_rows(r.indicators_by_class, labels.CLASS)),
    )


def _regulatory(r: ReviewReport) -> str:
    g = r.regulatory
    within = (
        "—" if g.leverage_within_cap is None else ("是 yes" if g.leverage_within_cap else "否 NO")
    )
    rows: list[list[kit.Cell]] = [
        ["净资产 net assets", g.net_assets],
        ["融资担保责任余额 weighted liability", g.weighted_liability],
        ["放大倍数 leverage", None if g.leverage is None else f"{float(g.leverage):.2f}×"],
        ["上限 cap", f"{g.leverage_cap}×"],
        ["在上限内 within cap", within],
        ["小微余额占比 small/micro balance share", kit.pct(g.small_micro_balance_share)],
        ["小微户数占比 small/micro customer share", kit.pct(g.small_micro_customer_share)],
    ]
    concentration = charts.bar_chart(
        "concentration",
        "单一客户集中度 Single-customer concentration (limit 10 %)",
        [(c.name, c.share) for c in r.largest.customers],
        fmt=charts.percent,
        marker=("10 % limit", 0.10),
    )
    customers = kit.table(
        ["客户 customer", "担保责任 liability", "占净资产 share", "在限额内 within limit"],
        [[c.name, c.liability, kit.pct(c.share), c.within_limit] for c in r.largest.customers],
    )
    groups = kit.table(
        [
            "集团 group",
            "客户数 customers",
            "担保责任 liability",
            "占净资产 share",
            "在限额内 within",
        ],
        [
            [x.name, x.customers, x.liability, kit.pct(x.share), x.within_limit]
            for x in r.largest.groups
        ],
    )
    return kit.section(
        "regulatory",
        "监管指标与最大客户 Regulatory figures and largest exposures",
        kit.table(["项目 item", "数值 value"], rows),
        concentration,
        "<h3>最大客户 Largest customers</h3>",
        customers,
        "<h3>最大关联集团 Largest groups</h3>",
        groups,
    )


def _high_risk(r: ReviewReport) -> str:
    rows: list[list[kit.Cell]] = []
    for c in r.high_risk.customers:
        reasons = "；".join(reason.message for reason in c.reasons[:5])
        rows.append(
            [
                c.name,
                labels.both(labels.TIER, c.risk_tier),
                labels.both(labels.CLASS, c.customer_class),
                c.credit_grade,
                c.guarantee_liability,
                reasons or None,
                "、".join(c.knockouts) or None,
                c.strategy,
            ]
        )
    return kit.section(
        "high-risk",
        f"高风险客户 High-risk customers ({r.high_risk.count})",
        kit.table(
            [
                "客户 customer",
                "等级 tier",
                "分类 class",
                "信用等级 grade",
                "担保责任 liability",
                "原因 reasons",
                "否决项 knock-outs",
                "策略 strategy",
            ],
            rows,
        ),
    )


def _reviews(r: ReviewReport) -> str:
    d = r.reviews_due
    rows: list[list[kit.Cell]] = [
        [
            c.name,
            labels.both(labels.TIER, c.risk_tier),
            c.next_review_due,
            c.overdue,
            c.days_overdue,
        ]
        for c in d.customers
    ]
    return kit.section(
        "reviews-due",
        f"待复核客户 Reviews due by {d.horizon.isoformat()}",
        kit.note(
            f"到期 due: {d.due}; 逾期 overdue: {d.overdue}; 未排期 unscheduled: {d.unscheduled}"
        ),
        kit.table(
            ["客户 customer", "等级 tier", "复核到期 due", "已逾期 overdue", "逾期天数 days"], rows
        ),
    )


def _evaluation(r: ReviewReport) -> str:
    e = r.evaluation
    c, g, w, s, sla = (
        e.data_completeness,
        e.grading_accuracy,
        e.warning_effectiveness,
        e.satisfaction,
        e.complaint_sla,
    )
    facts = [*c.facts, c.current_statement]
    completeness = charts.bar_chart(
        "completeness",
        "信息完整度 Data completeness (share of active customers)",
        [(labels.both(labels.FACT, f.fact), f.share) for f in facts],
        fmt=charts.percent,
        scale_max=1.0,
    )
    grading = charts.bar_chart(
        "grading",
        f"评级准确性 Compensation rate by tier rated on {g.cohort_date.isoformat()}",
        [(labels.both(labels.TIER, t.risk_tier), t.compensation_rate) for t in g.by_tier],
        fmt=charts.percent,
    )
    monotone = "—" if g.monotone is None else ("是 yes" if g.monotone else "否 NO")
    alerts = (
        "可用 available" if w.alerts == "available" else f"不可用 unavailable ({w.alerts_detail})"
    )
    warnings = kit.table(
        ["客户 customer", "代偿日 on", "金额 amount", "预警来源 warned by", "提前天数 lead days"],
        [
            [
                i.name,
                i.occurred_on,
                i.amount,
                "、".join(labels.both(labels.WARNING_SOURCE, x) for x in i.warned_by) or None,
                i.lead_days,
            ]
            for i in w.items
        ],
    )
    trend = charts.line_chart(
        "satisfaction",
        "满意度趋势 Satisfaction by quarter (1–5)",
        [(q.quarter, q.average_score) for q in s.quarters],
        y_min=1,
        y_max=5,
    )
    sla_rows: list[list[kit.Cell]] = [
        [
            labels.both(labels.SEVERITY, x.severity),
            x.complaints,
            x.resolved,
            x.resolved_within_due,
            kit.pct(x.within_due_share),
            x.open,
            x.open_breached,
        ]
        for x in [*sla.by_severity, sla.total]
    ]
    sla_chart = charts.stacked_bar_chart(
        "complaints",
        "投诉处理时效 Complaints by severity",
        [labels.both(labels.SEVERITY, x.severity) for x in sla.by_severity],
        [
            ("按时解决 resolved in time", [float(x.resolved_within_due) for x in sla.by_severity]),
            (
                "超时解决 resolved late",
                [float(x.resolved - x.resolved_within_due) for x in sla.by_severity],
            ),
            ("未解决 open", [float(x.open) for x in sla.by_severity]),
        ],
    )
    return kit.section(
        "evaluation",
        "梳理成效评估 Evaluation",
        "<h3>客户信息完整度 Data completeness</h3>",
        kit.note(
            f"完整 complete (all facts and a current statement): {c.complete} / {c.customers} "
            f"= {kit.pct(c.complete_share)}"
        ),
        completeness,
        "<h3>风险评级准确性 Grading accuracy</h3>",
        kit.table(
            ["等级 tier", "客户 customers", "代偿 compensated", "代偿率 rate"],
            [
                [
                    labels.both(labels.TIER, t.risk_tier),
                    t.customers,
                    t.compensated,
                    kit.pct(t.compensation_rate),
                ]
                for t in g.by_tier
            ],
        ),
        kit.note(
            f"中高风险捕获 captured by medium/high: {kit.pct(g.captured_share)}; "
            f"单调 monotone: {monotone}"
        ),
        grading,
        "<h3>预警有效性 Warning effectiveness</h3>",
        kit.note(
            f"代偿 compensations since {w.window_start.isoformat()}: {w.compensations}; "
            f"事前预警 warned within {w.lead_days} days: {w.warned} = {kit.pct(w.warned_share)}; "
            f"预警系统 alerts: {alerts}"
        ),
        warnings,
        "<h3>满意度 Satisfaction</h3>",
        kit.table(
            ["季度 quarter", "问卷 surveys", "平均分 average"],
            [[q.quarter, q.surveys, q.average_score] for q in s.quarters],
        ),
        trend,
        "<h3>投诉处理 Complaint SLA</h3>",
        kit.table(
            [
                "严重度 severity",
                "投诉 complaints",
                "已解决 resolved",
                "按时 in time",
                "按时率 share",
                "未解决 open",
                "已超时 breached",
            ],
            sla_rows,
        ),
        sla_chart,
    )


def _number(value: float | None) -> str:
    return "—" if value is None else f"{value:.4f}"


def _backtest_rows(groups: list[BacktestGroup], names: dict[str, str]) -> list[list[kit.Cell]]:
    return [
        [
            labels.label(names, g.key) if names else g.key,
            g.n,
            g.defaults,
            kit.pct(g.default_rate),
            kit.pct(g.mean_pd),
            _number(g.p_value),
        ]
        for g in groups
    ]


def _backtest(r: ReviewReport) -> str:
    b = r.backtest
    headers = ["组 group", "评级 rated", "违约 defaulted", "违约率 default rate",
               "平均PD mean PD", "p 值 p-value"]  # fmt: skip
    monotone = "—" if b.monotone is None else ("是 yes" if b.monotone else "否 NO")
    return kit.section(
        "backtest",
        "评级回测 Rating backtest",
        kit.note(
            f"{b.cohort_date.isoformat()} 在用评级 ratings in force: {b.n}; 其后 "
            f"{b.horizon_months} 个月内代偿或违约 defaulted within {b.horizon_months} months: "
            f"{b.defaults}"
        ),
        kit.note(
            f"AUC {_number(b.auc)}; Gini {_number(b.gini)}; KS {_number(b.ks)}; "
            f"Brier {_number(b.brier)}; PSI {_number(b.psi)} "
            f"(vs {b.previous_cohort_date.isoformat()}); 违约率随等级单调 monotone: {monotone}"
        ),
        "<h3>按信用等级 By grade</h3>",
        kit.table(headers, _backtest_rows(b.by_grade, {})),
        "<h3>按风险等级 By tier</h3>",
        kit.table(headers, _backtest_rows(b.by_tier, labels.TIER)),
        charts.roc_chart(
            "roc",
            f"ROC 曲线 ROC curve of the PDs in force on {b.cohort_date.isoformat()}",
            [(p.fpr, p.tpr) for p in b.roc],
        ),
    )


def _industry_review(r: ReviewReport) -> str:
    review = r.industry_review
    rows: list[list[kit.Cell]] = [
        [
            w.industry_prefix,
            labels.both(labels.WATCH_LEVEL, w.level),
            w.effective_from,
            "是 yes" if w.in_effect else "否 no",
            w.indicators.customers,
            w.indicators.guarantee_liability,
            kit.pct(w.indicators.overdue_rate),
            kit.pct(w.indicators.compensation_rate),
            w.reason,
        ]
        for w in review.entries
    ]
    table = kit.table(
        [
            "行业代码 prefix",
            "级别 level",
            "生效日 effective from",
            "已生效 in effect",
            "客户 customers",
            "担保责任 liability",
            "在保逾期率 overdue rate",
            "代偿率 compensation rate",
            "原因 reason",
        ],
        rows,
    )
    share = kit.note(
        f"关注行业担保责任 liability in watched industries: {review.guarantee_liability:,.2f}"
        f" ({kit.pct(review.share_of_book)} of the book)"
    )
    return kit.section("industry-review", "行业审查 Industry review", share, table)


def page(report: ReviewReport) -> str:
    """The whole report as an HTML document."""
    generated = report.generated_at.astimezone(CHINA_TZ).strftime("%Y-%m-%d %H:%M")
    title = f"客户梳理报告 Customer review report — {report.as_of.isoformat()}"
    body = "".join(
        [
            _overview(report),
            _distribution(report),
            _indicators(report),
            _regulatory(report),
            _high_risk(report),
            _reviews(report),
            _evaluation(report),
            _backtest(report),
            _industry_review(report),
        ]
    )
    return (
        '<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f'<meta http-equiv="Content-Security-Policy" content="{escape(_PAGE_POLICY)}">'
        f"<title>{escape(title)}</title><style>{STYLE}</style></head><body>"
        f"<h1>{escape(title)}</h1>"
        f"{kit.note(f'生成于 generated {generated} (China time)')}{body}</body></html>"
    )
