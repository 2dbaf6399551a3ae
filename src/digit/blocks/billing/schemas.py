"""Billing wire models: DIGIT's Demand and Bill (v2) shapes; amounts are Decimal, JSON numbers on the wire."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Annotated, Any

from pydantic import ConfigDict, Field, PlainSerializer

from digit.kernel.envelope import RequestInfo, ResponseInfo, WireModel

CENT = Decimal("0.01")


def money_out(value: Decimal) -> int | float:
    """A JSON number with the Decimal's exact digits (two decimals at most, so the float repr is exact)."""
    value = value.quantize(CENT, rounding=ROUND_HALF_UP)
    return int(value) if value == value.to_integral_value() else float(value)


Money = Annotated[Decimal, PlainSerializer(money_out, return_type=int | float, when_used="json")]


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
    tax_period_from: int
    tax_period_to: int
    demand_details: list[DemandDetail] = Field(min_length=1)
    audit_details: AuditDetails | None = None
    bill_expiry_time: int | None = None
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
