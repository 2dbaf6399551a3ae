"""current state by business id

Revision ID: workflow_0003
Revises: workflow_0002
Create Date: 2026-11-26 02:31:15.692612
"""

from collections.abc import Sequence

from alembic import op
from sqlalchemy import Text  # noqa: F401  (autogenerate writes JSONB(astext_type=Text()))

revision: str = "workflow_0003"
down_revision: str | None = "workflow_0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("eg_workflow_current_state", schema=None) as batch_op:
        batch_op.create_index("ix_eg_workflow_current_state_business_id", ["business_id", "tenant_id"], unique=False)


def downgrade() -> None:
    raise NotImplementedError("migrations are forward-only")
