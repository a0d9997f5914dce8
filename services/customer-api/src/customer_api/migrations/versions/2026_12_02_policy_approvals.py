"""policy at the door: customers' related_party, the liability a rating saw, approvals

Revision ID: 0004_policy
Revises: 0003
Create Date: 2026-12-02 13:20:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004_policy"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "customers",
        sa.Column("related_party", sa.Boolean(), server_default=sa.false(), nullable=False),
        schema="customer",
    )
    op.add_column(
        "ratings",
        sa.Column("seen_liability", sa.Numeric(precision=18, scale=2), nullable=True),
        schema="customer",
    )


def downgrade() -> None:
    op.drop_column("ratings", "seen_liability", schema="customer")
    op.drop_column("customers", "related_party", schema="customer")
