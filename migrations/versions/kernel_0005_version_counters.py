"""version counters for per-process caches

Revision ID: kernel_0005
Revises: kernel_0004
Create Date: 2026-11-30 14:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "kernel_0005"
down_revision: str | None = "kernel_0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "eg_kernel_version",
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("version", sa.BigInteger(), nullable=False),
        sa.Column("tenant_id", sa.String(), nullable=False),
        sa.Column("created_by", sa.String(), nullable=False),
        sa.Column("created_time", sa.BigInteger(), nullable=False),
        sa.Column("last_modified_by", sa.String(), nullable=False),
        sa.Column("last_modified_time", sa.BigInteger(), nullable=False),
        sa.Column("row_version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_eg_kernel_version")),
    )
    with op.batch_alter_table("eg_kernel_version", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_eg_kernel_version_tenant_id"), ["tenant_id"], unique=False)


def downgrade() -> None:
    raise NotImplementedError("migrations are forward-only")
