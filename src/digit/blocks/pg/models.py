"""Payment-gateway tables: transactions, and the sandbox gateway's own ledger (as a real gateway keeps one)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy import BigInteger, Index, Numeric, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from digit.kernel.db import Audited, Base

MONEY = Numeric(14, 2)


class TransactionRow(Audited, Base):
    __tablename__ = "eg_pg_transaction"
    __table_args__ = (Index("ix_eg_pg_transaction_status", "txn_status", "created_time"),)

    id: Mapped[str] = mapped_column(String(128), primary_key=True)  # txnId
    txn_amount: Mapped[Decimal] = mapped_column(MONEY)
    txn_status: Mapped[str] = mapped_column(String(32))
    txn_status_msg: Mapped[str | None] = mapped_column(Text)
    gateway: Mapped[str] = mapped_column(String(64))
    bill_id: Mapped[str] = mapped_column(String(64), index=True)
    module: Mapped[str | None] = mapped_column(String(128))
    consumer_code: Mapped[str | None] = mapped_column(String(250), index=True)
    product_info: Mapped[str | None] = mapped_column(String(500))
    tax_and_payments: Mapped[list[Any]]
    user_uuid: Mapped[str | None] = mapped_column(String(64), index=True)
    user_tenant_id: Mapped[str | None] = mapped_column(String(250))
    callback_url: Mapped[str | None] = mapped_column(Text)
    redirect_url: Mapped[str | None] = mapped_column(Text)
    gateway_txn_id: Mapped[str | None] = mapped_column(String(250))
    gateway_payment_mode: Mapped[str | None] = mapped_column(String(64))
    gateway_status_code: Mapped[str | None] = mapped_column(String(64))
    gateway_status_msg: Mapped[str | None] = mapped_column(Text)
    receipt: Mapped[str | None] = mapped_column(String(250))
    additional_details: Mapped[dict[str, Any] | None]


class SandboxOrderRow(Audited, Base):
    """What the sandbox gateway knows of an order: the amount asked and what the payer chose."""

    __tablename__ = "eg_pg_sandbox_order"

    id: Mapped[str] = mapped_column(String(128), primary_key=True)  # the platform's txnId
    amount: Mapped[Decimal] = mapped_column(MONEY)
    status: Mapped[str] = mapped_column(String(32))  # CREATED | SUCCESS | FAILURE
    gateway_txn_id: Mapped[str | None] = mapped_column(String(250))
    decided_time: Mapped[int | None] = mapped_column(BigInteger)
