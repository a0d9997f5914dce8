"""partner events: subscriptions, and the outbox of events sent to them with every attempt

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-02 06:09:32.830756
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "partner_subscriptions",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("partner_id", sa.Uuid(), nullable=False),
        sa.Column("events", postgresql.ARRAY(sa.String(length=40)), nullable=False),
        sa.Column("url", sa.String(length=2000), nullable=False),
        sa.Column("secret", sa.String(length=500), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("disabled_reason", sa.Text(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["partner_id"],
            ["customer.partners.id"],
            name=op.f("fk_partner_subscriptions_partner_id_partners"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_partner_subscriptions")),
        schema="customer",
    )
    op.create_index(
        "ix_partner_subscriptions_partner_id_id",
        "partner_subscriptions",
        ["partner_id", "id"],
        unique=False,
        schema="customer",
    )
    op.create_table(
        "outbox",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("subscription_id", sa.Uuid(), nullable=False),
        sa.Column("event_type", sa.String(length=40), nullable=False),
        sa.Column("rating_id", sa.Uuid(), nullable=False),
        sa.Column("body", sa.LargeBinary(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("delivered_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["rating_id"],
            ["customer.ratings.id"],
            name=op.f("fk_outbox_rating_id_ratings"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["subscription_id"],
            ["customer.partner_subscriptions.id"],
            name=op.f("fk_outbox_subscription_id_partner_subscriptions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbox")),
        schema="customer",
    )
    op.create_index(
        "ix_outbox_due",
        "outbox",
        ["next_attempt_at"],
        unique=False,
        schema="customer",
        postgresql_where="status = 'pending'",
    )
    op.create_index(
        "ix_outbox_subscription_id_id",
        "outbox",
        ["subscription_id", "id"],
        unique=False,
        schema="customer",
    )
    op.create_table(
        "delivery_attempts",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("outbox_id", sa.Uuid(), nullable=False),
        sa.Column("attempt", sa.Integer(), nullable=False),
        sa.Column(
            "at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False
        ),
        sa.Column("status_code", sa.Integer(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("duration_ms", sa.Integer(), nullable=False),
        sa.Column("replica", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(
            ["outbox_id"],
            ["customer.outbox.id"],
            name=op.f("fk_delivery_attempts_outbox_id_outbox"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_delivery_attempts")),
        schema="customer",
    )
    op.create_index(
        "ix_delivery_attempts_outbox_id",
        "delivery_attempts",
        ["outbox_id", "id"],
        unique=False,
        schema="customer",
    )


def downgrade() -> None:
    op.drop_index(
        "ix_delivery_attempts_outbox_id", table_name="delivery_attempts", schema="customer"
    )
    op.drop_table("delivery_attempts", schema="customer")
    op.drop_index("ix_outbox_subscription_id_id", table_name="outbox", schema="customer")
    op.drop_index(
        "ix_outbox_due",
        table_name="outbox",
        schema="customer",
        postgresql_where="status = 'pending'",
    )
    op.drop_table("outbox", schema="customer")
    op.drop_index(
        "ix_partner_subscriptions_partner_id_id",
        table_name="partner_subscriptions",
        schema="customer",
    )
    op.drop_table("partner_subscriptions", schema="customer")
