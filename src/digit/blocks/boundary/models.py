"""boundary-service v2 tables: boundary entities, hierarchy definitions, and the parent-child relationships."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from digit.kernel.db import Audited, Base, new_id


class BoundaryRow(Audited, Base):
    __tablename__ = "eg_boundary_entity"
    __table_args__ = (UniqueConstraint("tenant_id", "code"),)

    id: Mapped[str] = mapped_column(primary_key=True, default=new_id)
    code: Mapped[str] = mapped_column(String(256))
    geometry: Mapped[dict[str, Any] | None] = mapped_column(default=None)
    additional_details: Mapped[dict[str, Any] | None] = mapped_column(default=None)


class HierarchyRow(Audited, Base):
    __tablename__ = "eg_boundary_hierarchy"
    __table_args__ = (UniqueConstraint("tenant_id", "hierarchy_type"),)

    id: Mapped[str] = mapped_column(primary_key=True, default=new_id)
    hierarchy_type: Mapped[str] = mapped_column(String(128))
    boundary_hierarchy: Mapped[list[Any]]


class RelationshipRow(Audited, Base):
    __tablename__ = "eg_boundary_relationship"
    __table_args__ = (
        UniqueConstraint("tenant_id", "hierarchy_type", "code"),
        Index("ix_eg_boundary_relationship_parent", "tenant_id", "hierarchy_type", "parent"),
    )

    id: Mapped[str] = mapped_column(primary_key=True, default=new_id)
    hierarchy_type: Mapped[str] = mapped_column(String(128))
    boundary_type: Mapped[str] = mapped_column(String(128))
    code: Mapped[str] = mapped_column(String(256))
    parent: Mapped[str | None] = mapped_column(String(256), default=None)
    ancestral_materialized_path: Mapped[str] = mapped_column(String(4000), default="")
