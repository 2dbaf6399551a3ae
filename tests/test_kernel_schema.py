"""Kernel: migrations build exactly the tables the models declare; every table is tenant-scoped and audited."""

from __future__ import annotations

from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy.engine import Connection

from digit.kernel.blocks import discover_blocks
from digit.kernel.db import Base
from digit.kernel.platform import Platform

AUDIT_COLUMNS = {"tenant_id", "created_by", "created_time", "last_modified_by", "last_modified_time", "row_version"}


async def test_migrations_match_the_models(platform: Platform) -> None:
    discover_blocks()

    def diff(connection: Connection) -> list[Any]:
        return list(compare_metadata(MigrationContext.configure(connection), Base.metadata))

    async with platform.engine.connect() as connection:
        changes = await connection.run_sync(diff)

    assert changes == []


def test_every_table_has_tenant_audit_and_version_columns() -> None:
    discover_blocks()

    lacking = {name: AUDIT_COLUMNS - set(table.columns.keys()) for name, table in Base.metadata.tables.items()}

    assert {name: missing for name, missing in lacking.items() if missing} == {}
