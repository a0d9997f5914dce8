"""ratings keep the request the engine answered (the training set reads it)

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-02 13:10:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Nullable: the ratings stored before this revision have only their request's hash.
    op.add_column(
        "ratings",
        sa.Column("request", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        schema="customer",
    )


def downgrade() -> None:
    op.drop_column("ratings", "request", schema="customer")
