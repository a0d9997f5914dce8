"""default alert rule for the finding_overdue signal

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-02 15:05:00
"""

# ruff: noqa: E501 - one rule per line reads best as a table
from __future__ import annotations

import json
import uuid
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Frozen here, as in 0002. A finding left open past the date it had to be put right by is a
# warning: unlike a missed follow-up, it is a known problem of the customer still unfixed.
# (name, indicator, match, severity, description)
RULES: list[tuple[str, str, list[str] | None, str, str]] = [
    ("customer finding overdue", "finding_overdue", None, "warning", "A finding of a review is still open past its due date (value: days)"),
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
