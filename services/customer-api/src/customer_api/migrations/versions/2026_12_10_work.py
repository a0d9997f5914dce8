"""work: customers' account managers

Revision ID: 0004_work
Revises: 0003
Create Date: 2026-12-10 09:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004_work"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "customers",
        sa.Column("account_manager", sa.String(length=200), nullable=True),
        schema="customer",
    )
    op.create_index(
        op.f("ix_customers_account_manager"),
        "customers",
        ["account_manager"],
        unique=False,
        schema="customer",
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_customers_account_manager"), table_name="customers", schema="customer")
    op.drop_column("customers", "account_manager", schema="customer")
