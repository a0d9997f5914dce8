"""What the migrations that add default customer rules share: the rules table as they see it,
and writing or removing a set of rules by name.

Migrations import this, so it is frozen like them: a change here changes what an old
migration does. A rule set needing something else gets a function of its own.
"""

from __future__ import annotations

import json
import uuid

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

RULES = sa.table(
    "rules",
    sa.column("id", sa.Uuid()),
    sa.column("name", sa.String()),
    sa.column("indicator", sa.String()),
    sa.column("scope", sa.String()),
    sa.column("scope_value", sa.String()),
    sa.column("match", postgresql.JSONB()),
    sa.column("op", sa.String()),
    sa.column("threshold", sa.Numeric()),
    sa.column("for_cycles", sa.Integer()),
    sa.column("severity", sa.String()),
    sa.column("labels", postgresql.JSONB()),
    sa.column("description", sa.Text()),
    sa.column("enabled", sa.Boolean()),
    sa.column("version", sa.Integer()),
    schema="alerting",
)

# (name, indicator, match, severity, description): a customer-scoped rule that fires when the
# customer has the signal (value above 0), on its first breaching cycle.
CustomerRule = tuple[str, str, list[str] | None, str, str]


def insert_customer_rules(rules: list[CustomerRule]) -> None:
    """Insert ``rules`` with the ids every installation gives them (uuid5 of the name)."""
    op.bulk_insert(
        RULES,
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
            for name, indicator, match, severity, description in rules
        ],
    )


def delete_rules(names: list[str]) -> None:
    op.execute(
        sa.text(
            "DELETE FROM alerting.rules WHERE name IN "
            "(SELECT jsonb_array_elements_text(CAST(:names AS jsonb)))"
        ).bindparams(names=json.dumps(names))
    )
