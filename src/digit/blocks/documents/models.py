"""The document library: one row per document and tenant (DIGIT's eg_du_document)."""

from __future__ import annotations

from sqlalchemy import BigInteger, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from digit.kernel.db import Audited, Base, new_id


class DocumentRow(Audited, Base):
    """`uuid` is DIGIT's document number (`DOC-2026-11-26-000001`, numbered per state, so unique per tenant).

    `active` is True, or NULL once deleted (DIGIT soft-deletes): NULLs never collide, so the unique key keeps
    one live document per tenant, category and name while any number of deleted ones stay behind.
    `posted_by` is the publishing official's uuid; their name stays in the user block (it is PII).
    """

    __tablename__ = "eg_documents_document"
    __table_args__ = (
        UniqueConstraint("tenant_id", "uuid"),
        UniqueConstraint("tenant_id", "category", "name", "active"),
    )

    id: Mapped[str] = mapped_column(String(64), primary_key=True, default=new_id)
    uuid: Mapped[str] = mapped_column(String(128))
    name: Mapped[str] = mapped_column(String(128))
    category: Mapped[str] = mapped_column(String(128))
    description: Mapped[str | None] = mapped_column(String(140), default=None)
    filestore_id: Mapped[str | None] = mapped_column(String(1024), default=None)
    document_link: Mapped[str | None] = mapped_column(String(1024), default=None)
    file_type: Mapped[str | None] = mapped_column(String(128), default=None)
    file_size: Mapped[int | None] = mapped_column(BigInteger, default=None)
    posted_by: Mapped[str] = mapped_column(String(64), index=True)
    active: Mapped[bool | None] = mapped_column(default=True)
