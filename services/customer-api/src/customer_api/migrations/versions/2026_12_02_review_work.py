"""work: customers' account managers, review campaigns, their tasks, findings

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02 13:40:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0005"
down_revision: str | None = "0004"
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
    op.create_table(
        "review_campaigns",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("filter", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("assign_to", sa.String(length=200), nullable=True),
        sa.Column("actor", sa.String(length=200), nullable=False),
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
        sa.PrimaryKeyConstraint("id", name=op.f("pk_review_campaigns")),
        schema="customer",
    )
    op.create_index(
        "ix_review_campaigns_created_at_id",
        "review_campaigns",
        ["created_at", "id"],
        unique=False,
        schema="customer",
    )
    op.create_table(
        "review_tasks",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("campaign_id", sa.Uuid(), nullable=False),
        sa.Column("customer_id", sa.Uuid(), nullable=False),
        sa.Column("assignee", sa.String(length=200), nullable=True),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column(
            "opened_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False
        ),
        sa.Column("completed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "status IN ('open', 'in_progress', 'done', 'cancelled')",
            name=op.f("ck_review_tasks_status"),
        ),
        sa.ForeignKeyConstraint(
            ["campaign_id"],
            ["customer.review_campaigns.id"],
            name=op.f("fk_review_tasks_campaign_id_review_campaigns"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customer.customers.id"],
            name=op.f("fk_review_tasks_customer_id_customers"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_review_tasks")),
        sa.UniqueConstraint(
            "campaign_id", "customer_id", name=op.f("uq_review_tasks_campaign_id_customer_id")
        ),
        schema="customer",
    )
    for name, columns in (
        ("ix_review_tasks_due_on_id", ["due_on", "id"]),
        ("ix_review_tasks_assignee_due_on_id", ["assignee", "due_on", "id"]),
        ("ix_review_tasks_customer_status", ["customer_id", "status"]),
        ("ix_review_tasks_campaign_assignee_status", ["campaign_id", "assignee", "status"]),
    ):
        op.create_index(name, "review_tasks", columns, unique=False, schema="customer")
    op.create_table(
        "findings",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("customer_id", sa.Uuid(), nullable=False),
        sa.Column("severity", sa.String(length=10), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("owner", sa.String(length=200), nullable=True),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("resolution_note", sa.Text(), nullable=True),
        sa.Column("actor", sa.String(length=200), nullable=False),
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
            "severity IN ('low', 'medium', 'high')", name=op.f("ck_findings_severity")
        ),
        sa.CheckConstraint(
            "status IN ('open', 'resolved', 'waived')", name=op.f("ck_findings_status")
        ),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customer.customers.id"],
            name=op.f("fk_findings_customer_id_customers"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_findings")),
        schema="customer",
    )
    op.create_index(
        "ix_findings_customer_created_id",
        "findings",
        ["customer_id", "created_at", "id"],
        unique=False,
        schema="customer",
    )
    op.create_index(
        "ix_findings_status_customer",
        "findings",
        ["status", "customer_id"],
        unique=False,
        schema="customer",
    )


def downgrade() -> None:
    op.drop_table("findings", schema="customer")
    op.drop_table("review_tasks", schema="customer")
    op.drop_index(
        "ix_review_campaigns_created_at_id", table_name="review_campaigns", schema="customer"
    )
    op.drop_table("review_campaigns", schema="customer")
    op.drop_index(op.f("ix_customers_account_manager"), table_name="customers", schema="customer")
    op.drop_column("customers", "account_manager", schema="customer")
