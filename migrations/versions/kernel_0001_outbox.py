"""outbox

Revision ID: kernel_0001
Revises:
Create Date: 2026-11-26 01:03:03.642223
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy import Text
from sqlalchemy.dialects import postgresql

revision: str = "kernel_0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = ("kernel",)
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "eg_outbox_event",
        sa.Column("seq", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("id", sa.String(), nullable=False),
        sa.Column("topic", sa.String(length=200), nullable=False),
        sa.Column("aggregate_id", sa.String(length=200), nullable=False),
        sa.Column("data", sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), "postgresql"), nullable=False),
        sa.Column("published_time", sa.BigInteger(), nullable=True),
        sa.Column("tenant_id", sa.String(), nullable=False),
        sa.Column("created_by", sa.String(), nullable=False),
        sa.Column("created_time", sa.BigInteger(), nullable=False),
        sa.Column("last_modified_by", sa.String(), nullable=False),
        sa.Column("last_modified_time", sa.BigInteger(), nullable=False),
        sa.Column("row_version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_eg_outbox_event")),
        sa.UniqueConstraint("id", name=op.f("uq_eg_outbox_event_id")),
    )
    with op.batch_alter_table("eg_outbox_event", schema=None) as batch_op:
        batch_op.create_index("ix_eg_outbox_event_pending", ["published_time", "seq"], unique=False)
        batch_op.create_index(batch_op.f("ix_eg_outbox_event_tenant_id"), ["tenant_id"], unique=False)


def downgrade() -> None:
    raise NotImplementedError("migrations are forward-only")
