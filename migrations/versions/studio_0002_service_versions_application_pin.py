"""service versions; each application pinned to the version it was made under

Revision ID: studio_0002
Revises: studio_0001
Create Date: 2026-11-30 14:10:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy import Text
from sqlalchemy.dialects import postgresql

revision: str = "studio_0002"
down_revision: str | None = "studio_0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "eg_studio_service_version",
        sa.Column("id", sa.String(), nullable=False),
        sa.Column("service_code", sa.String(length=160), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("config", sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), "postgresql"), nullable=False),
        sa.Column("tenant_id", sa.String(), nullable=False),
        sa.Column("created_by", sa.String(), nullable=False),
        sa.Column("created_time", sa.BigInteger(), nullable=False),
        sa.Column("last_modified_by", sa.String(), nullable=False),
        sa.Column("last_modified_time", sa.BigInteger(), nullable=False),
        sa.Column("row_version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_eg_studio_service_version")),
        sa.UniqueConstraint("service_code", "version", name=op.f("uq_eg_studio_service_version_service_code_version")),
    )
    with op.batch_alter_table("eg_studio_service_version", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_eg_studio_service_version_tenant_id"), ["tenant_id"], unique=False)

    with op.batch_alter_table("eg_studio_application", schema=None) as batch_op:
        batch_op.add_column(sa.Column("service_version", sa.Integer(), server_default="1", nullable=False))


def downgrade() -> None:
    raise NotImplementedError("migrations are forward-only")
