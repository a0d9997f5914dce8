"""default alert rule for the finding_overdue signal

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-02 15:05:00
"""

# ruff: noqa: E501 - one rule per line reads best as a table
from __future__ import annotations

from collections.abc import Sequence

from alerting.migrations.rule_rows import CustomerRule, delete_rules, insert_customer_rules

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Frozen here, as in 0002. A finding left open past the date it had to be put right by is a
# warning: unlike a missed follow-up, it is a known problem of the customer still unfixed.
RULES: list[CustomerRule] = [
    ("customer finding overdue", "finding_overdue", None, "warning", "A finding of a review is still open past its due date (value: days)"),
]  # fmt: skip


def upgrade() -> None:
    insert_customer_rules(RULES)


def downgrade() -> None:
    delete_rules([rule[0] for rule in RULES])
