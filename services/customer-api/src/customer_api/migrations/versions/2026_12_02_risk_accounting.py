"""risk accounting: reserve balances reported by finance, and stress tests with their inputs

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02 13:10:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "reserve_balances",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("unearned_premium_reserve", sa.Numeric(precision=18, scale=2), nullable=False),
        sa.Column("compensation_reserve", sa.Numeric(precision=18, scale=2), nullable=False),
        sa.Column("reported_by", sa.String(length=200), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "unearned_premium_reserve >= 0 AND compensation_reserve >= 0",
            name=op.f("ck_reserve_balances_not_negative"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reserve_balances")),
        sa.UniqueConstraint("year", name=op.f("uq_reserve_balances_year")),
        schema="customer",
    )
    op.create_table(
        "stress_tests",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("preset", sa.String(length=40), nullable=True),
        sa.Column("inputs", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("result", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("actor", sa.String(length=200), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_stress_tests")),
        schema="customer",
    )


def downgrade() -> None:
    op.drop_table("stress_tests", schema="customer")
    op.drop_table("reserve_balances", schema="customer")
