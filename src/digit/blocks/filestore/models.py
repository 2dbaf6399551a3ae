"""Filestore tables: one row per stored file (the bytes live in the storage backend under `storage_key`)."""

from __future__ import annotations

from sqlalchemy import BigInteger, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from digit.kernel.db import Audited, Base, new_id


class FileRow(Audited, Base):
    __tablename__ = "eg_filestore_file"
    __table_args__ = (Index("ix_eg_filestore_file_tenant_tag", "tenant_id", "tag"),)

    id: Mapped[str] = mapped_column(primary_key=True, default=new_id)  # fileStoreId
    module: Mapped[str] = mapped_column(String(64))
    tag: Mapped[str | None] = mapped_column(String(128), default=None)
    file_name: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(128))
    size_bytes: Mapped[int] = mapped_column(BigInteger)
    sha256: Mapped[str] = mapped_column(String(64))
    storage_key: Mapped[str] = mapped_column(String(512))
