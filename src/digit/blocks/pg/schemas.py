"""pg-service wire models: DIGIT's Transaction."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from pydantic import ConfigDict, Field

from digit.blocks.billing.client import Money
from digit.kernel.envelope import RequestInfo, ResponseInfo, WireModel


class TxnStatus(StrEnum):
    """A transaction's status (DIGIT's strings): PENDING until its gateway decides, then SUCCESS or FAILURE."""

    PENDING = "PENDING"
    SUCCESS = "SUCCESS"
    FAILURE = "FAILURE"


FINAL_TXN_STATUSES = (TxnStatus.SUCCESS, TxnStatus.FAILURE)
"""A transaction in one of these is settled for good."""


class SandboxOrderStatus(StrEnum):
    """The sandbox gateway's order: CREATED until the payer decides."""

    CREATED = "CREATED"
    SUCCESS = "SUCCESS"
    FAILURE = "FAILURE"


class TaxAndPayment(WireModel):
    model_config = ConfigDict(extra="ignore")

    bill_id: str = Field(min_length=1)
    amount_paid: Money
    tax_amount: Money | None = None
    business_service: str | None = None


class TxnUser(WireModel):
    """Who pays; the wire may carry name/mobile (DIGIT's shape) but only uuid and tenant are stored."""

    model_config = ConfigDict(extra="ignore")

    uuid: str | None = None
    tenant_id: str | None = None
    name: str | None = None
    mobile_number: str | None = None
    email_id: str | None = None
    user_name: str | None = None


class Transaction(WireModel):
    model_config = ConfigDict(extra="ignore")

    tenant_id: str = Field(min_length=1)
    txn_amount: Money
    bill_id: str | None = None
    module: str | None = None
    consumer_code: str | None = None
    product_info: str | None = None
    gateway: str = "SANDBOX"
    callback_url: str | None = None
    tax_and_payments: list[TaxAndPayment] = Field(default_factory=list)
    user: TxnUser | None = None
    txn_id: str | None = None
    redirect_url: str | None = None
    txn_status: str | None = None
    txn_status_msg: str | None = None
    gateway_txn_id: str | None = None
    gateway_payment_mode: str | None = None
    gateway_status_code: str | None = None
    gateway_status_msg: str | None = None
    receipt: str | None = None
    additional_details: dict[str, Any] | None = None
    audit_details: dict[str, Any] | None = None


class TransactionRequest(WireModel):
    request_info: RequestInfo = Field(default_factory=RequestInfo, alias="RequestInfo")
    transaction: Transaction = Field(alias="Transaction")


class TransactionCreateResponse(WireModel):
    response_info: ResponseInfo = Field(alias="ResponseInfo")
    transaction: Transaction = Field(alias="Transaction")


class TransactionResponse(WireModel):
    response_info: ResponseInfo = Field(alias="ResponseInfo")
    transaction: list[Transaction] = Field(alias="Transaction")
