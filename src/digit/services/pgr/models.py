"""PGR tables: the complaint, its address (free-text parts encrypted: they can locate a person) and photos."""

from __future__ import annotations

from typing import Any

from sqlalchemy import BigInteger, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from digit.kernel.db import Audited, Base, new_id


class ServiceRow(Audited, Base):
    __tablename__ = "eg_pgr_service"
    __table_args__ = (
        UniqueConstraint("tenant_id", "service_request_id"),
        Index("ix_eg_pgr_service_search", "tenant_id", "application_status", "created_time"),
        Index("ix_eg_pgr_service_account", "account_id", "created_time"),
    )

    id: Mapped[str] = mapped_column(primary_key=True, default=new_id)
    service_request_id: Mapped[str] = mapped_column(String(64))
    service_code: Mapped[str] = mapped_column(String(64), index=True)
    description: Mapped[str | None] = mapped_column(default=None)
    account_id: Mapped[str] = mapped_column(String(64))
    rating: Mapped[int | None] = mapped_column(default=None)
    additional_detail: Mapped[dict[str, Any] | None] = mapped_column(default=None)
    application_status: Mapped[str] = mapped_column(String(64))
    source: Mapped[str] = mapped_column(String(32))
    active: Mapped[bool] = mapped_column(default=True)
    locality_code: Mapped[str] = mapped_column(String(64), index=True)
    assignee: Mapped[str | None] = mapped_column(String(64), default=None, index=True)
    department: Mapped[str | None] = mapped_column(String(64), default=None)
    resolved_time: Mapped[int | None] = mapped_column(BigInteger, default=None)


class AddressRow(Audited, Base):
    __tablename__ = "eg_pgr_address"

    id: Mapped[str] = mapped_column(primary_key=True, default=new_id)
    service_id: Mapped[str] = mapped_column(ForeignKey("eg_pgr_service.id"), unique=True)
    private_parts: Mapped[str | None] = mapped_column(
        default=None
    )  # encrypted JSON: door, plot, building, street, landmark
    city: Mapped[str | None] = mapped_column(default=None)
    district: Mapped[str | None] = mapped_column(default=None)
    region: Mapped[str | None] = mapped_column(default=None)
    state: Mapped[str | None] = mapped_column(default=None)
    country: Mapped[str | None] = mapped_column(default=None)
    pincode: Mapped[str | None] = mapped_column(default=None)
    locality_code: Mapped[str] = mapped_column(String(64))
    latitude: Mapped[float | None] = mapped_column(default=None)
    longitude: Mapped[float | None] = mapped_column(default=None)
    addition_details: Mapped[dict[str, Any] | None] = mapped_column(default=None)


class DocumentRow(Audited, Base):
    __tablename__ = "eg_pgr_document"

    id: Mapped[str] = mapped_column(primary_key=True, default=new_id)
    service_id: Mapped[str] = mapped_column(ForeignKey("eg_pgr_service.id"), index=True)
    document_type: Mapped[str] = mapped_column(String(64))
    file_store_id: Mapped[str] = mapped_column(String(64))
    document_uid: Mapped[str | None] = mapped_column(default=None)


class Open311ClientRow(Audited, Base):
    """An Open311 client allowed to post requests; only a hash of its api_key is kept."""

    __tablename__ = "eg_pgr_open311_client"

    id: Mapped[str] = mapped_column(primary_key=True, default=new_id)
    name: Mapped[str] = mapped_column(String(128))
    api_key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    active: Mapped[bool] = mapped_column(default=True)
