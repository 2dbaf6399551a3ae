"""Billing wire models: DIGIT's Demand and Bill (v2) shapes; amounts are Decimal, JSON numbers on the wire."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Annotated, Any

from pydantic import AfterValidator, ConfigDict, Field, PlainSerializer

from digit.kernel.envelope import RequestInfo, ResponseInfo, WireModel
from digit.kernel.inputs import EpochMs

CENT = Decimal("0.01")
MAX_AMOUNT = Decimal("999999999999.99")
"""The largest amount (in either sign) a NUMERIC(14,2) money column holds: just under 10^12 rupees.
DIGIT's BigDecimal has no bound; ours is the column's, refused at the door instead of failing in the database."""
MAX_BILL_EXPIRY_MS = 100 * 366 * 86_400_000  # billExpiryTime is a duration; a century is past any sane bill


def _money_in_range(value: Decimal) -> Decimal:
    if not value.is_finite() or value.copy_abs() > MAX_AMOUNT:  # copy_abs: no context, never overflows
        raise ValueError(f"an amount must lie between -{MAX_AMOUNT} and {MAX_AMOUNT}")
    return value


def money_out(value: Decimal) -> int | float:
    """A JSON number with the Decimal's exact digits (two decimals at most, so the float repr is exact)."""
    value = value.quantize(CENT, rounding=ROUND_HALF_UP)
    return int(value) if value == value.to_integral_value() else float(value)


Money = Annotated[
    Decimal,
    AfterValidator(_money_in_range),
    PlainSerializer(money_out, return_type=int | float, when_used="json"),
]
"""An amount: finite, within +-MAX_AMOUNT; whole paise and the sign its tax head allows are the service's rules."""


class AuditDetails(WireModel):
    created_by: str | None = None
    created_time: int | None = None
    last_modified_by: str | None = None
    last_modified_time: int | None = None


class Payer(WireModel):
    model_config = ConfigDict(extra="allow")

    uuid: str | None = None
    id: int | None = None
    tenant_id: str | None = None


class DemandDetail(WireModel):
    id: str | None = None
    demand_id: str | None = None
    tax_head_master_code: str = Field(min_length=1, max_length=250)
    tax_amount: Money
    collection_amount: Money = Decimal(0)
    additional_details: dict[str, Any] | None = None
    tenant_id: str | None = None
    audit_details: AuditDetails | None = None


class Demand(WireModel):
    id: str | None = None
    tenant_id: str = Field(min_length=1, max_length=250)
    consumer_code: str = Field(min_length=1, max_length=250)
    consumer_type: str | None = None
    business_service: str = Field(min_length=1, max_length=250)
    payer: Payer | None = None
    tax_period_from: EpochMs
    tax_period_to: EpochMs
    demand_details: list[DemandDetail] = Field(min_length=1)
    audit_details: AuditDetails | None = None
    bill_expiry_time: int | None = Field(default=None, ge=0, le=MAX_BILL_EXPIRY_MS)
    additional_details: dict[str, Any] | None = None
    minimum_amount_payable: Money = Decimal(0)
    is_payment_completed: bool = False
    status: str | None = None
    row_version: int | None = None


class DemandRequest(WireModel):
    request_info: RequestInfo = Field(default_factory=RequestInfo, alias="RequestInfo")
    demands: list[Demand] = Field(alias="Demands", min_length=1)


class DemandResponse(WireModel):
    response_info: ResponseInfo = Field(alias="ResponseInfo")
    demands: list[Demand] = Field(alias="Demands")


class BillAccountDetail(WireModel):
    id: str
    tenant_id: str
    bill_detail_id: str
    demand_detail_id: str
    order: int
    amount: Money
    adjusted_amount: Money
    tax_head_code: str


class BillDetail(WireModel):
    id: str
    tenant_id: str
    demand_id: str
    bill_id: str
    expiry_date: int
    amount: Money
    amount_paid: Money
    from_period: int
    to_period: int
    bill_account_details: list[BillAccountDetail]


class Bill(WireModel):
    id: str
    tenant_id: str
    bill_number: str
    bill_date: int
    consumer_code: str
    business_service: str
    status: str
    total_amount: Money
    amount_paid: Money
    payer_id: str | None = None
    payer_name: str | None = None
    mobile_number: str | None = None
    bill_details: list[BillDetail]
    audit_details: AuditDetails | None = None
    additional_details: dict[str, Any] | None = None


class BillResponse(WireModel):
    """DIGIT's bill v2 answer keeps its typo: `ResposneInfo`."""

    resposne_info: ResponseInfo = Field(alias="ResposneInfo")
    bill: list[Bill] = Field(alias="Bill")


class UpdateBillCriteria(WireModel):
    """DIGIT's cancel criteria: the open bills of these consumer codes of one business service."""

    tenant_id: str = Field(min_length=1, max_length=256)
    consumer_codes: list[str] = Field(min_length=1, max_length=100)
    business_service: str = Field(min_length=1, max_length=250)
    additional_details: dict[str, Any] | None = None  # DIGIT: {"reason": ..., "reasonMessage": ...}
    status_to_be_updated: str | None = None  # DIGIT sets CANCELLED whatever is sent


class UpdateBillRequest(WireModel):
    request_info: RequestInfo = Field(default_factory=RequestInfo, alias="RequestInfo")
    update_bill_criteria: UpdateBillCriteria = Field(alias="UpdateBillCriteria")


class CancelBillResponse(WireModel):
    response_info: ResponseInfo = Field(alias="ResponseInfo")
    message: str = Field(alias="Message")


class AmendmentDemandDetail(WireModel):
    tax_head_master_code: str = Field(min_length=1, max_length=250)
    tax_amount: Money


class Amendment(WireModel):
    """DIGIT's Amendment (billing-service `/amendment/_create`): a credit or debit note on a consumer code."""

    tenant_id: str = Field(min_length=1, max_length=256)
    business_service: str = Field(min_length=1, max_length=250)
    consumer_code: str = Field(min_length=1, max_length=250)
    amendment_reason: str = Field(min_length=1, max_length=250)
    reason_document_number: str | None = Field(default=None, max_length=250)
    effective_from: EpochMs | None = None
    effective_till: EpochMs | None = None
    demand_details: list[AmendmentDemandDetail] = Field(min_length=1, max_length=100)
    documents: list[dict[str, Any]] = Field(default_factory=list, max_length=20)
    additional_details: dict[str, Any] | None = None


class AmendmentRequest(WireModel):
    request_info: RequestInfo = Field(default_factory=RequestInfo, alias="RequestInfo")
    amendment: Amendment = Field(alias="Amendment")


class AmendmentUpdateRequest(WireModel):
    request_info: RequestInfo = Field(default_factory=RequestInfo, alias="RequestInfo")
    amendment_update: dict[str, Any] = Field(alias="AmendmentUpdate")


class AmendmentResponse(WireModel):
    response_info: ResponseInfo = Field(alias="ResponseInfo")
    amendments: list[dict[str, Any]] = Field(alias="Amendments")
