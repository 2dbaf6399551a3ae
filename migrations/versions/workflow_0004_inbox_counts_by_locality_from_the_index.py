"""inbox counts by locality from the index

Revision ID: workflow_0004
Revises: workflow_0003
Create Date: 2026-11-30 17:54:53.660108
"""

from collections.abc import Sequence

from alembic import op
from sqlalchemy import Text  # noqa: F401  (autogenerate writes JSONB(astext_type=Text()))

revision: str = "workflow_0004"
down_revision: str | None = "workflow_0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("eg_workflow_current_state", schema=None) as batch_op:
        batch_op.create_index(
            "ix_eg_workflow_current_state_inbox_locality",
            [
                "tenant_id",
                "business_service",
                "module_name",
                "locality",
                "is_terminal",
                "application_status",
                "state_uuid",
                "business_sla_due_ms",
            ],
            unique=False,
        )


def downgrade() -> None:
    raise NotImplementedError("migrations are forward-only")
