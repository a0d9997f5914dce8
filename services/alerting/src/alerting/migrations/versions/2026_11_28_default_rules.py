"""default alert rules of docs/DOMAIN.md §10, installed as data (editable through /v1/rules)

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-29 10:00:00
"""

# ruff: noqa: E501 - one rule per line reads best as a table
from __future__ import annotations

import json
import uuid
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Frozen here (not imported from the app) so that this migration means the same thing forever.
# (name, indicator, scope, scope_value, match, op, threshold, severity, description)
KNOCK_OUTS = ["default", "dishonest_executee", "abnormal_operation", "tax_credit_grade:D"]
RULES: list[tuple[str, str, str, str | None, list[str] | None, str, str, str, str]] = [
    ("coverage_ratio portfolio warning", "coverage_ratio", "portfolio", None, None, "lt", "1.0", "warning", "反担保覆盖率 below 1.0"),
    ("coverage_ratio portfolio critical", "coverage_ratio", "portfolio", None, None, "lt", "0.8", "critical", "反担保覆盖率 below 0.8"),
    ("coverage_ratio risk_tier=high warning", "coverage_ratio", "risk_tier", "high", None, "lt", "1.2", "warning", "High-risk tier coverage below 1.2"),
    ("coverage_ratio risk_tier=high critical", "coverage_ratio", "risk_tier", "high", None, "lt", "1.0", "critical", "High-risk tier coverage below 1.0"),
    ("overdue_rate portfolio warning", "overdue_rate", "portfolio", None, None, "gt", "0.02", "warning", "在保逾期率 above 2 %"),
    ("overdue_rate portfolio critical", "overdue_rate", "portfolio", None, None, "gt", "0.05", "critical", "在保逾期率 above 5 %"),
    ("overdue_rate risk_tier=low warning", "overdue_rate", "risk_tier", "low", None, "gt", "0.01", "warning", "Low tier overdue rate above 1 %"),
    ("overdue_rate risk_tier=low critical", "overdue_rate", "risk_tier", "low", None, "gt", "0.03", "critical", "Low tier overdue rate above 3 %"),
    ("overdue_rate risk_tier=medium warning", "overdue_rate", "risk_tier", "medium", None, "gt", "0.02", "warning", "Medium tier overdue rate above 2 %"),
    ("overdue_rate risk_tier=medium critical", "overdue_rate", "risk_tier", "medium", None, "gt", "0.05", "critical", "Medium tier overdue rate above 5 %"),
    ("overdue_rate risk_tier=high warning", "overdue_rate", "risk_tier", "high", None, "gt", "0.05", "warning", "High tier overdue rate above 5 %"),
    ("overdue_rate risk_tier=high critical", "overdue_rate", "risk_tier", "high", None, "gt", "0.10", "critical", "High tier overdue rate above 10 %"),
    ("compensation_rate portfolio warning", "compensation_rate", "portfolio", None, None, "gt", "0.02", "warning", "代偿率 above 2 %"),
    ("compensation_rate portfolio critical", "compensation_rate", "portfolio", None, None, "gt", "0.03", "critical", "代偿率 above 3 %"),
    ("loss_rate portfolio warning", "loss_rate", "portfolio", None, None, "gt", "0.01", "warning", "担保损失率 above 1 %"),
    ("loss_rate portfolio critical", "loss_rate", "portfolio", None, None, "gt", "0.02", "critical", "担保损失率 above 2 %"),
    ("leverage above 80% of cap", "leverage_utilisation", "portfolio", None, None, "gt", "0.8", "warning", "Leverage above 80 % of the regulatory cap"),
    ("leverage above 95% of cap", "leverage_utilisation", "portfolio", None, None, "gt", "0.95", "critical", "Leverage above 95 % of the regulatory cap"),
    ("single customer concentration warning", "single_customer_concentration", "portfolio", None, None, "gt", "0.08", "warning", "Largest customer above 8 % of net assets (limit 10 %)"),
    ("single customer concentration critical", "single_customer_concentration", "portfolio", None, None, "gt", "0.095", "critical", "Largest customer above 9.5 % of net assets (limit 10 %)"),
    ("group concentration warning", "group_concentration", "portfolio", None, None, "gt", "0.12", "warning", "Largest related group above 12 % of net assets (limit 15 %)"),
    ("group concentration critical", "group_concentration", "portfolio", None, None, "gt", "0.14", "critical", "Largest related group above 14 % of net assets (limit 15 %)"),
    ("customer contract overdue", "contract_overdue", "customer", None, None, "gt", "0", "warning", "A contract of the customer is overdue (value: days)"),
    ("customer contract overdue 90 days", "contract_overdue", "customer", None, None, "gt", "90", "critical", "A contract of the customer is more than 90 days overdue"),
    ("customer adverse event", "adverse_event", "customer", None, ["litigation", "tax_credit_grade:C"], "gt", "0", "warning", "New litigation or tax credit grade C"),
    ("customer knock-out event", "adverse_event", "customer", None, KNOCK_OUTS, "gt", "0", "critical", "A knock-out credit record (DOMAIN §3)"),
    ("customer revenue drop", "revenue_drop", "customer", None, None, "le", "-0.3", "warning", "Annual revenue fell by 30 % or more"),
    ("customer negative operating cash flow", "negative_operating_cash_flow", "customer", None, None, "lt", "0", "warning", "Operating cash flow below zero"),
    ("customer debt ratio above 0.9", "high_debt_ratio", "customer", None, None, "gt", "0.9", "warning", "Debt ratio above 0.9"),
    ("customer review overdue", "review_overdue", "customer", None, None, "gt", "0", "info", "The customer's periodic review is past due (value: days)"),
    ("customer complaint past due", "complaint_breached", "customer", None, None, "gt", "0", "warning", "A complaint is past its due time"),
    ("customer-api unreachable", "customer_api_up", "portfolio", None, None, "lt", "1", "critical", "Alerting could not read customer-api: rules keep their state until it answers"),
]  # fmt: skip

rules = sa.table(
    "rules",
    sa.column("id", sa.Uuid()),
    sa.column("name", sa.String()),
    sa.column("indicator", sa.String()),
    sa.column("scope", sa.String()),
    sa.column("scope_value", sa.String()),
    sa.column("match", sa.dialects.postgresql.JSONB()),
    sa.column("op", sa.String()),
    sa.column("threshold", sa.Numeric()),
    sa.column("for_cycles", sa.Integer()),
    sa.column("severity", sa.String()),
    sa.column("labels", sa.dialects.postgresql.JSONB()),
    sa.column("description", sa.Text()),
    sa.column("enabled", sa.Boolean()),
    sa.column("version", sa.Integer()),
    schema="alerting",
)


def upgrade() -> None:
    op.bulk_insert(
        rules,
        [
            {
                "id": uuid.uuid5(uuid.NAMESPACE_URL, f"alerting:default-rule:{name}"),
                "name": name,
                "indicator": indicator,
                "scope": scope,
                "scope_value": scope_value,
                "match": match,
                "op": op_,
                "threshold": threshold,
                # One failed poll of customer-api is not worth paging anyone (a restart, a
                # deploy); two in a row are.
                "for_cycles": 2 if indicator == "customer_api_up" else 1,
                "severity": severity,
                "labels": {"source": "default"},
                "description": description,
                "enabled": True,
                "version": 1,
            }
            for name, indicator, scope, scope_value, match, op_, threshold, severity, description in RULES
        ],
    )


def downgrade() -> None:
    names = json.dumps([rule[0] for rule in RULES])
    op.execute(
        sa.text(
            "DELETE FROM alerting.rules WHERE name IN "
            "(SELECT jsonb_array_elements_text(CAST(:names AS jsonb)))"
        ).bindparams(names=names)
    )
