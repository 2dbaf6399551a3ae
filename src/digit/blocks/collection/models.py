"""Collection tables: payments and their per-bill details (receipts)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy import BigInteger, ForeignKey, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from digit.kernel.db import Audited, Base, new_id

MONEY = Numeric(14, 2)


class PaymentRow(Audited, Base):
    """A payment; the same idempotency key (or gateway transaction) can be stored once per tenant."""

    __tablename__ = "eg_collection_payment"
    __table_args__ = (UniqueConstraint("tenant_id", "idempotency_key"),)

    id: Mapped[str] = mapped_column(String(64), primary_key=True, default=new_id)
    total_due: Mapped[Decimal] = mapped_column(MONEY)
    total_amount_paid: Mapped[Decimal] = mapped_column(MONEY)
    transaction_number: Mapped[str | None] = mapped_column(String(250))
    transaction_date: Mapped[int] = mapped_column(BigInteger)
    payment_mode: Mapped[str] = mapped_column(String(32))
    instrument_date: Mapped[int | None] = mapped_column(BigInteger)
    instrument_number: Mapped[str | None] = mapped_column(String(250))
    instrument_status: Mapped[str] = mapped_column(String(32))
    ifsc_code: Mapped[str | None] = mapped_column(String(64))
    paid_by: Mapped[str | None] = mapped_column(String(64))
    payer_name: Mapped[str | None] = mapped_column(Text)  # encrypted
    mobile_number: Mapped[str | None] = mapped_column(Text)  # encrypted
    payer_id: Mapped[str | None] = mapped_column(String(64), index=True)
    payment_status: Mapped[str] = mapped_column(String(32))
    file_store_id: Mapped[str | None] = mapped_column(String(250))
    idempotency_key: Mapped[str | None] = mapped_column(String(250))
    additional_details: Mapped[dict[str, Any] | None]
    details: Mapped[list[PaymentDetailRow]] = relationship(
        back_populates="payment", lazy="selectin", order_by="PaymentDetailRow.receipt_number"
    )


class PaymentDetailRow(Audited, Base):
    __tablename__ = "eg_collection_payment_detail"
    __table_args__ = (UniqueConstraint("tenant_id", "receipt_number"),)

    id: Mapped[str] = mapped_column(String(64), primary_key=True, default=new_id)
    payment_id: Mapped[str] = mapped_column(ForeignKey("eg_collection_payment.id"), index=True)
    bill_id: Mapped[str] = mapped_column(String(64), index=True)
    consumer_code: Mapped[str] = mapped_column(String(250), index=True)
    business_service: Mapped[str] = mapped_column(String(250))
    total_due: Mapped[Decimal] = mapped_column(MONEY)
    total_amount_paid: Mapped[Decimal] = mapped_column(MONEY)
    receipt_number: Mapped[str] = mapped_column(String(250))
    receipt_date: Mapped[int] = mapped_column(BigInteger)
    receipt_type: Mapped[str] = mapped_column(String(32))
    bill: Mapped[dict[str, Any]]
    apportioned: Mapped[list[Any]]
    payment: Mapped[PaymentRow] = relationship(back_populates="details")
