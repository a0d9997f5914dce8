"""customer nature (ownership, market position), the industry watch-list, interactions

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02 13:10:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "customers", sa.Column("ownership", sa.String(length=12), nullable=True), schema="customer"
    )
    op.add_column(
        "customers",
        sa.Column("market_position", sa.String(length=10), nullable=True),
        schema="customer",
    )
    op.create_index(op.f("ix_customers_ownership"), "customers", ["ownership"], schema="customer")
    op.create_index(
        op.f("ix_customers_market_position"), "customers", ["market_position"], schema="customer"
    )
    op.create_table(
        "industry_watch",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("industry_prefix", sa.String(length=5), nullable=False),
        sa.Column("level", sa.String(length=10), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("effective_from", sa.Date(), nullable=False),
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
            "level IN ('watch', 'restricted', 'prohibited')", name=op.f("ck_industry_watch_level")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_industry_watch")),
        sa.UniqueConstraint("industry_prefix", name=op.f("uq_industry_watch_industry_prefix")),
        schema="customer",
    )
    op.create_table(
        "interactions",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("customer_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("occurred_on", sa.Date(), nullable=False),
        sa.Column("by", sa.String(length=100), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("needs", postgresql.ARRAY(sa.String(length=20)), nullable=False),
        sa.Column("follow_up_on", sa.Date(), nullable=True),
        sa.Column("actor", sa.String(length=200), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "kind IN ('visit', 'call', 'meeting', 'message')", name=op.f("ck_interactions_kind")
        ),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customer.customers.id"],
            name=op.f("fk_interactions_customer_id_customers"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_interactions")),
        schema="customer",
    )
    op.create_index(
        "ix_interactions_customer_occurred",
        "interactions",
        ["customer_id", "occurred_on", "id"],
        schema="customer",
    )


def downgrade() -> None:
    op.drop_index("ix_interactions_customer_occurred", table_name="interactions", schema="customer")
    op.drop_table("interactions", schema="customer")
    op.drop_table("industry_watch", schema="customer")
    op.drop_index(op.f("ix_customers_market_position"), table_name="customers", schema="customer")
    op.drop_index(op.f("ix_customers_ownership"), table_name="customers", schema="customer")
    op.drop_column("customers", "market_position", schema="customer")
    op.drop_column("customers", "ownership", schema="customer")
