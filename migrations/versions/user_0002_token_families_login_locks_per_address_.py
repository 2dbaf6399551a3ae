"""token families, login locks per address, throttle hits, unique mobile

Revision ID: user_0002
Revises: user_0001
Create Date: 2026-11-30 10:49:36.507197

- `eg_user_token.family_id`: every token pair descended from one login (existing tokens: their own
  session, so each live login is a family of one).
- `eg_user_login_attempt.locks_until`: a lockout holds for one account from one client address.
- `eg_user_throttle_hit`: counted requests of the per-address and per-number throttles.
- one user per mobile number, tenant and user type; the upgrade stops, naming no number, when a
  database already holds two (resolve them by hand, then migrate again).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "user_0002"
down_revision: str | None = "user_0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "eg_user_throttle_hit",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("scope", sa.String(length=32), nullable=False),
        sa.Column("subject", sa.String(length=128), nullable=False),
        sa.Column("tenant_id", sa.String(), nullable=False),
        sa.Column("created_by", sa.String(), nullable=False),
        sa.Column("created_time", sa.BigInteger(), nullable=False),
        sa.Column("last_modified_by", sa.String(), nullable=False),
        sa.Column("last_modified_time", sa.BigInteger(), nullable=False),
        sa.Column("row_version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_eg_user_throttle_hit")),
    )
    with op.batch_alter_table("eg_user_throttle_hit", schema=None) as batch_op:
        batch_op.create_index("ix_eg_user_throttle_hit_subject", ["scope", "subject", "created_time"], unique=False)
        batch_op.create_index(batch_op.f("ix_eg_user_throttle_hit_tenant_id"), ["tenant_id"], unique=False)
        batch_op.create_index("ix_eg_user_throttle_hit_time", ["created_time"], unique=False)

    with op.batch_alter_table("eg_user_login_attempt", schema=None) as batch_op:
        batch_op.add_column(sa.Column("locks_until", sa.BigInteger(), nullable=True))

    with op.batch_alter_table("eg_user_token", schema=None) as batch_op:
        batch_op.add_column(sa.Column("family_id", sa.String(length=64), nullable=True))
    op.execute("UPDATE eg_user_token SET family_id = session_id")
    with op.batch_alter_table("eg_user_token", schema=None) as batch_op:
        batch_op.alter_column("family_id", existing_type=sa.String(length=64), nullable=False)
        batch_op.create_index("ix_eg_user_token_family", ["family_id"], unique=False)

    clashes = op.get_bind().scalar(
        sa.text(
            "SELECT count(*) FROM (SELECT 1 FROM eg_user_user WHERE mobile_index IS NOT NULL"
            " GROUP BY tenant_id, type, mobile_index HAVING count(*) > 1) AS clash"
        )
    )
    if clashes:
        raise RuntimeError(
            f"{clashes} mobile numbers are each held by more than one user of one type in one tenant; "
            "give those users distinct numbers (POST /user/users/_updatenovalidate), then migrate again"
        )
    with op.batch_alter_table("eg_user_user", schema=None) as batch_op:
        batch_op.create_index("ux_eg_user_user_mobile_per_type", ["tenant_id", "type", "mobile_index"], unique=True)


def downgrade() -> None:
    raise NotImplementedError("migrations are forward-only")
