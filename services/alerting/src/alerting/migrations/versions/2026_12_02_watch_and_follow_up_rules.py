"""default alert rules for the industry_watch and follow_up_overdue signals

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-02 13:20:00
"""

# ruff: noqa: E501 - one rule per line reads best as a table
from __future__ import annotations

import json
import uuid
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Frozen here, as in 0002. industry_watch's value is the watch-list level; the severity grows
# with it, so a prohibited industry pages while a watched one is only noted. A missed follow-up
# is a reminder, like an overdue review.
# (name, indicator, match, severity, description)
RULES: list[tuple[str, str, list[str] | None, str, str]] = [
    ("customer in a watched industry", "industry_watch", ["watch"], "info", "The customer's industry is on the watch-list (watch)"),
    ("customer in a restricted industry", "industry_watch", ["restricted"], "warning", "The customer's industry is restricted on the watch-list"),
    ("customer in a prohibited industry", "industry_watch", ["prohibited"], "critical", "The customer's industry is prohibited on the watch-list"),
    ("customer follow-up overdue", "follow_up_overdue", None, "info", "A follow-up promised at the customer's latest interaction is past due (value: days)"),
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
                "scope": "customer",
                "scope_value": None,
                "match": match,
                "op": "gt",
                "threshold": "0",
                "for_cycles": 1,
                "severity": severity,
                "labels": {"source": "default"},
                "description": description,
                "enabled": True,
                "version": 1,
            }
            for name, indicator, match, severity, description in RULES
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
