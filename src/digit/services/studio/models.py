"""Studio tables: the registry of configured services, and their applications, applicants and documents.

Applicants keep only the link to the citizen user (the user block holds their PII, encrypted); an
address's free-text parts are encrypted here, as PGR does.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import BigInteger, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from digit.kernel.db import Audited, Base, new_id


class ServiceRow(Audited, Base):
    """A registered service: its `serviceCode` and the configuration snapshot applications follow."""

    __tablename__ = "eg_studio_service"
    __table_args__ = (UniqueConstraint("tenant_id", "module", "business_service"),)

    id: Mapped[str] = mapped_column(primary_key=True, default=new_id)
    service_code: Mapped[str] = mapped_column(String(160), unique=True)
    module: Mapped[str] = mapped_column(String(64))
    business_service: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16))
    version: Mapped[int] = mapped_column(default=1)
    config: Mapped[dict[str, Any]]
    additional_details: Mapped[dict[str, Any] | None] = mapped_column(default=None)


class ServiceVersionRow(Audited, Base):
    """The configuration a service had at one version: applications made under it keep following it."""

    __tablename__ = "eg_studio_service_version"
    __table_args__ = (UniqueConstraint("service_code", "version"),)

    id: Mapped[str] = mapped_column(primary_key=True, default=new_id)
    service_code: Mapped[str] = mapped_column(String(160))
    version: Mapped[int]
    config: Mapped[dict[str, Any]]


class ApplicationRow(Audited, Base):
    __tablename__ = "eg_studio_application"
    __table_args__ = (
        UniqueConstraint("tenant_id", "application_number"),
        Index("ix_eg_studio_application_search", "tenant_id", "service_code", "created_time"),
    )

    id: Mapped[str] = mapped_column(primary_key=True, default=new_id)
    service_code: Mapped[str] = mapped_column(String(160))
    service_version: Mapped[int] = mapped_column(default=1, server_default="1")  # the definition it follows
    module: Mapped[str] = mapped_column(String(64))
    business_service: Mapped[str] = mapped_column(String(64))
    application_number: Mapped[str] = mapped_column(String(128))
    status: Mapped[str] = mapped_column(String(16))
    workflow_status: Mapped[str | None] = mapped_column(String(64), default=None)
    channel: Mapped[str | None] = mapped_column(String(32), default=None)
    account_id: Mapped[str] = mapped_column(String(64), index=True)
    service_details: Mapped[dict[str, Any]]
    additional_details: Mapped[dict[str, Any] | None] = mapped_column(default=None)
    address: Mapped[dict[str, Any] | None] = mapped_column(default=None)  # public parts
    address_private: Mapped[str | None] = mapped_column(Text, default=None)  # encrypted JSON
    reference_links: Mapped[list[Any] | None] = mapped_column(default=None)
    demand_id: Mapped[str | None] = mapped_column(String(64), default=None)
    certificate_signature: Mapped[str | None] = mapped_column(Text, default=None)
    certificate_time: Mapped[int | None] = mapped_column(BigInteger, default=None)


class ApplicantRow(Audited, Base):
    __tablename__ = "eg_studio_applicant"

    id: Mapped[str] = mapped_column(primary_key=True, default=new_id)
    application_id: Mapped[str] = mapped_column(ForeignKey("eg_studio_application.id"), index=True)
    type: Mapped[str] = mapped_column(String(32))
    user_uuid: Mapped[str] = mapped_column(String(64), index=True)
    prefix: Mapped[str | None] = mapped_column(String(8), default=None)
    active: Mapped[bool] = mapped_column(default=True)
    position: Mapped[int] = mapped_column(default=0)


class DocumentRow(Audited, Base):
    __tablename__ = "eg_studio_document"

    id: Mapped[str] = mapped_column(primary_key=True, default=new_id)
    application_id: Mapped[str] = mapped_column(ForeignKey("eg_studio_application.id"), index=True)
    document_type: Mapped[str] = mapped_column(String(160))
    file_store_id: Mapped[str] = mapped_column(String(64))
    document_uid: Mapped[str | None] = mapped_column(String(128), default=None)
    additional_details: Mapped[dict[str, Any] | None] = mapped_column(default=None)
