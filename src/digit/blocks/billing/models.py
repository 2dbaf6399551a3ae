"""Billing tables: demands with their details and history, bills (one open bill per consumer code)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy import BigInteger, ForeignKey, Index, Numeric, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from digit.blocks.billing.schemas import DemandStatus
from digit.kernel.db import Audited, Base, new_id

MONEY = Numeric(14, 2)


class DemandRow(Audited, Base):
    __tablename__ = "eg_billing_demand"
    __table_args__ = (Index("ix_eg_billing_demand_consumer", "tenant_id", "consumer_code", "business_service"),)

    id: Mapped[str] = mapped_column(String(64), primary_key=True, default=new_id)
    consumer_code: Mapped[str] = mapped_column(String(250))
    consumer_type: Mapped[str | None] = mapped_column(String(250))
    business_service: Mapped[str] = mapped_column(String(250))
    payer_uuid: Mapped[str | None] = mapped_column(String(64))
    tax_period_from: Mapped[int] = mapped_column(BigInteger)
    tax_period_to: Mapped[int] = mapped_column(BigInteger)
    bill_expiry_time: Mapped[int | None] = mapped_column(BigInteger)
    minimum_amount_payable: Mapped[Decimal] = mapped_column(MONEY, default=Decimal(0))
    status: Mapped[str] = mapped_column(String(32), default=DemandStatus.ACTIVE)
    is_payment_completed: Mapped[bool] = mapped_column(default=False)
    additional_details: Mapped[dict[str, Any] | None]
    details: Mapped[list[DemandDetailRow]] = relationship(
        back_populates="demand", lazy="selectin", order_by="DemandDetailRow.created_time"
    )


class DemandDetailRow(Audited, Base):
    __tablename__ = "eg_billing_demand_detail"

    id: Mapped[str] = mapped_column(String(64), primary_key=True, default=new_id)
    demand_id: Mapped[str] = mapped_column(ForeignKey("eg_billing_demand.id"), index=True)
    tax_head_code: Mapped[str] = mapped_column(String(250))
    tax_amount: Mapped[Decimal] = mapped_column(MONEY)
    collection_amount: Mapped[Decimal] = mapped_column(MONEY, default=Decimal(0))
    additional_details: Mapped[dict[str, Any] | None]
    demand: Mapped[DemandRow] = relationship(back_populates="details")


class DemandHistoryRow(Audited, Base):
    """Every state a demand has been in (append-only): amendments never overwrite silently."""

    __tablename__ = "eg_billing_demand_history"

    id: Mapped[str] = mapped_column(String(64), primary_key=True, default=new_id)
    demand_id: Mapped[str] = mapped_column(String(64), index=True)
    reason: Mapped[str] = mapped_column(String(64))
    reference_id: Mapped[str | None] = mapped_column(String(64))
    snapshot: Mapped[dict[str, Any]]


class BillRow(Audited, Base):
    """A bill; `open_key` is set only while the bill is payable, so one open bill exists per consumer."""

    __tablename__ = "eg_billing_bill"
    __table_args__ = (
        UniqueConstraint("tenant_id", "open_key"),
        Index("ix_eg_billing_bill_consumer", "tenant_id", "consumer_code", "business_service"),
    )

    id: Mapped[str] = mapped_column(String(64), primary_key=True, default=new_id)
    bill_number: Mapped[str] = mapped_column(String(250))
    bill_date: Mapped[int] = mapped_column(BigInteger)
    consumer_code: Mapped[str] = mapped_column(String(250))
    business_service: Mapped[str] = mapped_column(String(250))
    payer_uuid: Mapped[str | None] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(32))
    open_key: Mapped[str | None] = mapped_column(String(600))
    total_amount: Mapped[Decimal] = mapped_column(MONEY)
    amount_paid: Mapped[Decimal] = mapped_column(MONEY, default=Decimal(0))
    expiry_date: Mapped[int] = mapped_column(BigInteger)
    bill_details: Mapped[list[Any]]


class AmendmentRow(Audited, Base):
    """DIGIT's bill amendment: a credit (negative) or debit note on a consumer code, applied once to its demand
    at the next bill (status ACTIVE -> CONSUMED)."""

    __tablename__ = "eg_billing_amendment"
    __table_args__ = (
        UniqueConstraint("tenant_id", "amendment_id"),
        Index("ix_eg_billing_amendment_consumer", "tenant_id", "consumer_code", "business_service", "status"),
    )

    id: Mapped[str] = mapped_column(String(64), primary_key=True, default=new_id)
    amendment_id: Mapped[str] = mapped_column(String(250))
    consumer_code: Mapped[str] = mapped_column(String(250))
    business_service: Mapped[str] = mapped_column(String(250))
    amendment_reason: Mapped[str] = mapped_column(String(250))
    reason_document_number: Mapped[str | None] = mapped_column(String(250))
    status: Mapped[str] = mapped_column(String(32))
    effective_from: Mapped[int | None] = mapped_column(BigInteger)
    effective_till: Mapped[int | None] = mapped_column(BigInteger)
    demand_details: Mapped[list[Any]]
    documents: Mapped[list[Any]]
    additional_details: Mapped[dict[str, Any] | None]
