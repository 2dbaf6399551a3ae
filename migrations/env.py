"""Alembic environment: runs on the connection `digit.kernel.migrate` hands over (SQLite or PostgreSQL)."""

from __future__ import annotations

from alembic import context

from digit.kernel import anonymous, events, idempotency, versions  # noqa: F401  (kernel tables)
from digit.kernel.blocks import discover_blocks
from digit.kernel.db import Base

discover_blocks()  # importing every block registers its tables on Base.metadata
target_metadata = Base.metadata

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("run migrations through `digit migrate`, which hands Alembic a connection")

table_prefixes: tuple[str, ...] | None = context.config.attributes.get("table_prefixes")


def include_object(obj, name, type_, reflected, compare_to):  # type: ignore[no-untyped-def]
    """When writing a block's revision, look only at that block's tables (`eg_<block>_...`)."""
    if table_prefixes is None:
        return True
    table = name if type_ == "table" else getattr(getattr(obj, "table", None), "name", "")
    return any(str(table).startswith(p) for p in table_prefixes)


context.configure(
    connection=connection,
    target_metadata=target_metadata,
    include_object=include_object,
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
