"""bill amendments

Revision ID: billing_0002
Revises: billing_0001
Create Date: 2026-11-30 12:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy import Text
from sqlalchemy.dialects import postgresql

revision: str = "billing_0002"
down_revision: str | None = "billing_0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), "postgresql")


def upgrade() -> None:
    op.create_table(
        "eg_billing_amendment",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("amendment_id", sa.String(length=250), nullable=False),
        sa.Column("consumer_code", sa.String(length=250), nullable=False),
        sa.Column("business_service", sa.String(length=250), nullable=False),
        sa.Column("amendment_reason", sa.String(length=250), nullable=False),
        sa.Column("reason_document_number", sa.String(length=250), nullable=True),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column("effective_from", sa.BigInteger(), nullable=True),
        sa.Column("effective_till", sa.BigInteger(), nullable=True),
        sa.Column("demand_details", JSON, nullable=False),
        sa.Column("documents", JSON, nullable=False),
        sa.Column("additional_details", JSON, nullable=True),
        sa.Column("tenant_id", sa.String(), nullable=False),
        sa.Column("created_by", sa.String(), nullable=False),
        sa.Column("created_time", sa.BigInteger(), nullable=False),
        sa.Column("last_modified_by", sa.String(), nullable=False),
        sa.Column("last_modified_time", sa.BigInteger(), nullable=False),
        sa.Column("row_version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_eg_billing_amendment")),
        sa.UniqueConstraint("tenant_id", "amendment_id", name=op.f("uq_eg_billing_amendment_tenant_id_amendment_id")),
    )
    op.create_index(
        "ix_eg_billing_amendment_consumer",
        "eg_billing_amendment",
        ["tenant_id", "consumer_code", "business_service", "status"],
        unique=False,
    )
    op.create_index(op.f("ix_eg_billing_amendment_tenant_id"), "eg_billing_amendment", ["tenant_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_eg_billing_amendment_tenant_id"), table_name="eg_billing_amendment")
    op.drop_index("ix_eg_billing_amendment_consumer", table_name="eg_billing_amendment")
    op.drop_table("eg_billing_amendment")
