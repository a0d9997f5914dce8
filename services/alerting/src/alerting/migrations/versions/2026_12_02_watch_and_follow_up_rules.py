"""default alert rules for the industry_watch and follow_up_overdue signals

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-02 13:20:00
"""

# ruff: noqa: E501 - one rule per line reads best as a table
from __future__ import annotations

from collections.abc import Sequence

from alerting.migrations.rule_rows import CustomerRule, delete_rules, insert_customer_rules

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Frozen here, as in 0002. industry_watch's value is the watch-list level; the severity grows
# with it, so a prohibited industry pages while a watched one is only noted. A missed follow-up
# is a reminder, like an overdue review.
RULES: list[CustomerRule] = [
    ("customer in a watched industry", "industry_watch", ["watch"], "info", "The customer's industry is on the watch-list (watch)"),
    ("customer in a restricted industry", "industry_watch", ["restricted"], "warning", "The customer's industry is restricted on the watch-list"),
    ("customer in a prohibited industry", "industry_watch", ["prohibited"], "critical", "The customer's industry is prohibited on the watch-list"),
    ("customer follow-up overdue", "follow_up_overdue", None, "info", "A follow-up promised at the customer's latest interaction is past due (value: days)"),
]  # fmt: skip


def upgrade() -> None:
    insert_customer_rules(RULES)


def downgrade() -> None:
    delete_rules([rule[0] for rule in RULES])
