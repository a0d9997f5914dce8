"""partner banks: the registry and the lender names that are each partner's

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-02 06:00:21.081255
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "partners",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
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
        sa.PrimaryKeyConstraint("id", name=op.f("pk_partners")),
        sa.UniqueConstraint("code", name=op.f("uq_partners_code")),
        schema="customer",
    )
    # The lender name is the key: one name belongs to one partner.
    op.create_table(
        "partner_lenders",
        sa.Column("lender", sa.String(length=200), nullable=False),
        sa.Column("partner_id", sa.Uuid(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["partner_id"],
            ["customer.partners.id"],
            name=op.f("fk_partner_lenders_partner_id_partners"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("lender", name=op.f("pk_partner_lenders")),
        schema="customer",
    )
    op.create_index(
        "ix_partner_lenders_partner_id",
        "partner_lenders",
        ["partner_id", "position"],
        unique=False,
        schema="customer",
    )


def downgrade() -> None:
    op.drop_index("ix_partner_lenders_partner_id", table_name="partner_lenders", schema="customer")
    op.drop_table("partner_lenders", schema="customer")
    op.drop_table("partners", schema="customer")
