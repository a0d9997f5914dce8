"""policy at the door: customers' related_party, the liability a rating saw, approvals

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02 13:20:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0006"
down_revision: str | None = "0005"
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
    op.add_column(
        "ratings",
        sa.Column("source", sa.String(length=10), server_default="model", nullable=False),
        schema="customer",
    )
    op.add_column(
        "ratings",
        sa.Column("requested_by", sa.String(length=200), nullable=True),
        schema="customer",
    )
    op.add_column(
        "ratings",
        sa.Column("approved_by", sa.String(length=200), nullable=True),
        schema="customer",
    )
    op.create_check_constraint(
        op.f("ck_ratings_source"), "ratings", "source IN ('model', 'override')", schema="customer"
    )
    op.create_table(
        "approvals",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("subject_id", sa.Uuid(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("payload", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("requested_by", sa.String(length=200), nullable=False),
        sa.Column(
            "requested_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decision", sa.String(length=10), nullable=True),
        sa.Column("decided_by", sa.String(length=200), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.Column("consumed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "kind IN ('policy_override', 'rating_override')", name=op.f("ck_approvals_kind")
        ),
        sa.CheckConstraint("decision IN ('approve', 'reject')", name=op.f("ck_approvals_decision")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_approvals")),
        schema="customer",
    )
    op.create_index(
        "ix_approvals_requested",
        "approvals",
        ["requested_at", "id"],
        unique=False,
        schema="customer",
    )
    op.create_index(
        "ix_approvals_subject", "approvals", ["subject_id"], unique=False, schema="customer"
    )


def downgrade() -> None:
    op.drop_index("ix_approvals_subject", table_name="approvals", schema="customer")
    op.drop_index("ix_approvals_requested", table_name="approvals", schema="customer")
    op.drop_table("approvals", schema="customer")
    op.drop_constraint(op.f("ck_ratings_source"), "ratings", type_="check", schema="customer")
    for column in ("approved_by", "requested_by", "source", "seen_liability"):
        op.drop_column("ratings", column, schema="customer")
    op.drop_column("customers", "related_party", schema="customer")
