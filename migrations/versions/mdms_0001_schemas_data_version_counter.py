"""schemas, data, version counter

Revision ID: mdms_0001
Revises:
Create Date: 2026-11-26 01:03:05.086690
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy import Text
from sqlalchemy.dialects import postgresql

revision: str = "mdms_0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = ("mdms",)
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "eg_mdms_data",
        sa.Column("id", sa.String(), nullable=False),
        sa.Column("schema_code", sa.String(length=200), nullable=False),
        sa.Column("unique_identifier", sa.String(length=500), nullable=False),
        sa.Column("data", sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), "postgresql"), nullable=False),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.Column("ordinal", sa.BigInteger(), nullable=False),
        sa.Column("tenant_id", sa.String(), nullable=False),
        sa.Column("created_by", sa.String(), nullable=False),
        sa.Column("created_time", sa.BigInteger(), nullable=False),
        sa.Column("last_modified_by", sa.String(), nullable=False),
        sa.Column("last_modified_time", sa.BigInteger(), nullable=False),
        sa.Column("row_version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_eg_mdms_data")),
        sa.UniqueConstraint(
            "tenant_id",
            "schema_code",
            "unique_identifier",
            name=op.f("uq_eg_mdms_data_tenant_id_schema_code_unique_identifier"),
        ),
    )
    with op.batch_alter_table("eg_mdms_data", schema=None) as batch_op:
        batch_op.create_index("ix_eg_mdms_data_lookup", ["schema_code", "tenant_id", "ordinal"], unique=False)
        batch_op.create_index(batch_op.f("ix_eg_mdms_data_tenant_id"), ["tenant_id"], unique=False)

    op.create_table(
        "eg_mdms_schema_definition",
        sa.Column("id", sa.String(), nullable=False),
        sa.Column("code", sa.String(length=200), nullable=False),
        sa.Column("description", sa.String(), nullable=True),
        sa.Column(
            "definition", sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), "postgresql"), nullable=False
        ),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.Column("tenant_id", sa.String(), nullable=False),
        sa.Column("created_by", sa.String(), nullable=False),
        sa.Column("created_time", sa.BigInteger(), nullable=False),
        sa.Column("last_modified_by", sa.String(), nullable=False),
        sa.Column("last_modified_time", sa.BigInteger(), nullable=False),
        sa.Column("row_version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_eg_mdms_schema_definition")),
        sa.UniqueConstraint("tenant_id", "code", name=op.f("uq_eg_mdms_schema_definition_tenant_id_code")),
    )
    with op.batch_alter_table("eg_mdms_schema_definition", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_eg_mdms_schema_definition_tenant_id"), ["tenant_id"], unique=False)

    op.create_table(
        "eg_mdms_version",
        sa.Column("name", sa.String(length=50), nullable=False),
        sa.Column("version", sa.BigInteger(), nullable=False),
        sa.Column("tenant_id", sa.String(), nullable=False),
        sa.Column("created_by", sa.String(), nullable=False),
        sa.Column("created_time", sa.BigInteger(), nullable=False),
        sa.Column("last_modified_by", sa.String(), nullable=False),
        sa.Column("last_modified_time", sa.BigInteger(), nullable=False),
        sa.Column("row_version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_eg_mdms_version")),
    )
    with op.batch_alter_table("eg_mdms_version", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_eg_mdms_version_tenant_id"), ["tenant_id"], unique=False)


def downgrade() -> None:
    raise NotImplementedError("migrations are forward-only")
