"""PDF tables: templates (per key and tenant, state fallback) and jobs (what `_create` stored)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import BigInteger, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from digit.kernel.db import Audited, Base, new_id


class TemplateRow(Audited, Base):
    __tablename__ = "eg_pdf_template"
    __table_args__ = (UniqueConstraint("tenant_id", "key"),)

    id: Mapped[str] = mapped_column(primary_key=True, default=new_id)
    key: Mapped[str] = mapped_column(String(100))
    config: Mapped[dict[str, Any]]


class JobRow(Audited, Base):
    __tablename__ = "eg_pdf_job"

    id: Mapped[str] = mapped_column(primary_key=True, default=new_id)  # DIGIT's jobid
    key: Mapped[str] = mapped_column(String(100))
    entity_ids: Mapped[list[Any]]
    filestore_ids: Mapped[list[Any]]
    total_count: Mapped[int]
    end_time: Mapped[int | None] = mapped_column(BigInteger, default=None)
