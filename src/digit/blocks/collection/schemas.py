"""collection-services wire models: DIGIT's Payment, PaymentDetail and PaymentWorkflow."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from pydantic import ConfigDict, Field

from digit.blocks.billing.client import Money
from digit.kernel.envelope import RequestInfo, ResponseInfo, WireModel
from digit.kernel.paging import Csv, Paged


class PaymentMode(StrEnum):
    CASH = "CASH"
    CHEQUE = "CHEQUE"
    DD = "DD"
    CARD = "CARD"
    OFFLINE_NEFT = "OFFLINE_NEFT"
    OFFLINE_RTGS = "OFFLINE_RTGS"
    POSTAL_ORDER = "POSTAL_ORDER"
    ONLINE = "ONLINE"


class PaymentStatus(StrEnum):
    """DIGIT's PaymentStatusEnum: NEW until cancelled, dishonoured (cheque/DD) or deposited."""

    NEW = "NEW"
    DEPOSITED = "DEPOSITED"
    CANCELLED = "CANCELLED"
    DISHONOURED = "DISHONOURED"


class InstrumentStatus(StrEnum):
    """DIGIT's InstrumentStatusEnum (the cheque, DD or transaction behind a payment)."""

    APPROVED = "APPROVED"
    APPROVAL_PENDING = "APPROVAL_PENDING"
    TO_BE_SUBMITTED = "TO_BE_SUBMITTED"
    REMITTED = "REMITTED"
    REJECTED = "REJECTED"
    CANCELLED = "CANCELLED"
    DISHONOURED = "DISHONOURED"


class AuditDetails(WireModel):
    created_by: str | None = None
    created_time: int | None = None
    last_modified_by: str | None = None
    last_modified_time: int | None = None


class PaymentDetail(WireModel):
    model_config = ConfigDict(extra="ignore")

    id: str | None = None
    tenant_id: str | None = None
    total_due: Money | None = None
    total_amount_paid: Money
    receipt_number: str | None = None
    manual_receipt_number: str | None = None
    manual_receipt_date: int | None = None
    receipt_date: int | None = None
    receipt_type: str | None = None
    business_service: str | None = None
    bill_id: str = Field(min_length=1)
    bill: dict[str, Any] | None = None
    additional_details: dict[str, Any] | None = None
    audit_details: AuditDetails | None = None


class Payment(WireModel):
    model_config = ConfigDict(extra="ignore")

    id: str | None = None
    tenant_id: str = Field(min_length=1)
    total_due: Money | None = None
    total_amount_paid: Money
    transaction_number: str | None = None
    transaction_date: int | None = None
    payment_mode: PaymentMode
    instrument_date: int | None = None
    instrument_number: str | None = None
    instrument_status: InstrumentStatus | None = None
    ifsc_code: str | None = None
    additional_details: dict[str, Any] | None = None
    payment_details: list[PaymentDetail] = Field(min_length=1)
    paid_by: str | None = None
    mobile_number: str | None = None
    payer_name: str | None = None
    payer_address: str | None = None
    payer_email: str | None = None
    payer_id: str | None = None
    payment_status: PaymentStatus | None = None
    file_store_id: str | None = None
    audit_details: AuditDetails | None = None


class PaymentRequest(WireModel):
    request_info: RequestInfo = Field(default_factory=RequestInfo, alias="RequestInfo")
    payment: Payment = Field(alias="Payment")


class PaymentResponse(WireModel):
    response_info: ResponseInfo = Field(alias="ResponseInfo")
    payments: list[Payment] = Field(alias="Payments")


class PaymentAction(StrEnum):
    CANCEL = "CANCEL"
    DISHONOUR = "DISHONOUR"
    REMIT = "REMIT"


class PaymentWorkflow(WireModel):
    payment_id: str = Field(min_length=1)
    action: PaymentAction
    tenant_id: str = Field(min_length=1)
    reason: str | None = Field(default=None, max_length=1000)
    additional_details: dict[str, Any] | None = None


class PaymentWorkflowRequest(WireModel):
    request_info: RequestInfo = Field(default_factory=RequestInfo, alias="RequestInfo")
    payment_workflows: list[PaymentWorkflow] = Field(alias="PaymentWorkflows", min_length=1)


class PaymentCriteria(Paged):
    """The criteria every payments search takes (query parameters)."""

    ids: Csv
    bill_ids: Csv
    receipt_numbers: Csv
    consumer_codes: Csv
    status: Csv
    from_date: int | None = None
    to_date: int | None = None


class PaymentSearch(PaymentCriteria):
    """payments/_search."""

    business_services: Csv
    payer_ids: Csv


class PlainPaymentSearch(PaymentCriteria):
    """payments/_plainsearch (no payer filter)."""

    business_services: Csv


class ModulePaymentSearch(PaymentCriteria):
    """payments/{moduleName}/_search (the module is the business service)."""

    payer_ids: Csv
