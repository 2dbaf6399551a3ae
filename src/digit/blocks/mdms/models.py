"""MDMS tables: schemas, records, and one counter that tells other processes the data changed."""

from __future__ import annotations

from typing import Any

from sqlalchemy import BigInteger, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from digit.kernel.db import Audited, Base, new_id


class SchemaRow(Audited, Base):
    __tablename__ = "eg_mdms_schema_definition"
    __table_args__ = (UniqueConstraint("tenant_id", "code"),)

    id: Mapped[str] = mapped_column(primary_key=True, default=new_id)
    code: Mapped[str] = mapped_column(String(200))
    description: Mapped[str | None] = mapped_column(default=None)
    definition: Mapped[dict[str, Any]]
    is_active: Mapped[bool] = mapped_column(default=True)


class DataRow(Audited, Base):
    __tablename__ = "eg_mdms_data"
    __table_args__ = (
        UniqueConstraint("tenant_id", "schema_code", "unique_identifier"),
        Index("ix_eg_mdms_data_lookup", "schema_code", "tenant_id", "ordinal"),
    )

    id: Mapped[str] = mapped_column(primary_key=True, default=new_id)
    schema_code: Mapped[str] = mapped_column(String(200))
    unique_identifier: Mapped[str] = mapped_column(String(500))
    data: Mapped[dict[str, Any]]
    is_active: Mapped[bool] = mapped_column(default=True)
    ordinal: Mapped[int] = mapped_column(BigInteger, default=0)


class VersionRow(Audited, Base):
    """A counter bumped by every master-data write; caches compare it to know they are stale.

    Bumped with a plain `UPDATE ... SET version = version + 1`, so concurrent writers never conflict.
    """

    __tablename__ = "eg_mdms_version"

    name: Mapped[str] = mapped_column(String(50), primary_key=True)  # "*": one counter for all tenants
    version: Mapped[int] = mapped_column(BigInteger, default=0)
