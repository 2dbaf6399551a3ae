"""Localization tables: messages per (tenant, locale, module, code), and a counter that tells caches they are stale."""

from __future__ import annotations

from sqlalchemy import BigInteger, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from digit.kernel.db import Audited, Base, new_id


class MessageRow(Audited, Base):
    __tablename__ = "eg_localization_message"
    __table_args__ = (
        UniqueConstraint("tenant_id", "locale", "module", "code"),
        Index("ix_eg_localization_message_lookup", "locale", "tenant_id"),
    )

    id: Mapped[str] = mapped_column(primary_key=True, default=new_id)
    locale: Mapped[str] = mapped_column(String(16))
    module: Mapped[str] = mapped_column(String(255))
    code: Mapped[str] = mapped_column(String(512))
    message: Mapped[str] = mapped_column(Text)


class VersionRow(Audited, Base):
    """Bumped by every message write (atomic upsert); a process compares it to know its cache is stale."""

    __tablename__ = "eg_localization_version"

    name: Mapped[str] = mapped_column(String(50), primary_key=True)  # "*": one counter for all tenants
    version: Mapped[int] = mapped_column(BigInteger, default=0)
