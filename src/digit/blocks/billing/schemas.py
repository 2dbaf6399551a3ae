"""Billing wire models: DIGIT's Demand and Bill (v2) shapes; amounts are Decimal, JSON numbers on the wire."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum
from typing import Annotated, Any

from pydantic import AfterValidator, ConfigDict, Field, PlainSerializer

from digit.kernel.envelope import RequestInfo, ResponseInfo, WireModel
from digit.kernel.errors import Invalid
from digit.kernel.inputs import EpochMs
from digit.kernel.paging import Csv, SearchQuery

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


class DemandStatus(StrEnum):
    """DIGIT's demand StatusEnum; the wire strings are the values."""

    ACTIVE = "ACTIVE"
    CANCELLED = "CANCELLED"
    ADJUSTED = "ADJUSTED"


class AmendmentStatus(StrEnum):
    """An amendment is ACTIVE until the next bill of its consumer code folds it into a demand (CONSUMED)."""

    ACTIVE = "ACTIVE"
    CONSUMED = "CONSUMED"


class BillStatus(StrEnum):
    """A bill's life: ACTIVE until paid in part or full, replaced (EXPIRED), cancelled, or its payment cancelled."""

    ACTIVE = "ACTIVE"
    PARTIALLY_PAID = "PARTIALLY_PAID"
    PAID = "PAID"
    EXPIRED = "EXPIRED"
    CANCELLED = "CANCELLED"
    PAYMENT_CANCELLED = "PAYMENT_CANCELLED"


OPEN_BILL_STATUSES = (BillStatus.ACTIVE, BillStatus.PARTIALLY_PAID)
"""The statuses of a bill that still takes payments."""


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
    status: DemandStatus | None = None
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
    status: BillStatus
    total_amount: Money
    amount_paid: Money
    payer_id: str | None = None
    payer_name: str | None = None
    mobile_number: str | None = None
    bill_details: list[BillDetail]
    audit_details: AuditDetails | None = None
    additional_details: dict[str, Any] | None = None


@dataclass(frozen=True)
class Apportioned:
    """What one payment put on one demand detail (tax head): kept by collection so a cancellation can undo it."""

    demand_detail_id: str
    tax_head_code: str
    amount: Decimal

    def record(self) -> dict[str, str]:
        """The stored form (JSON in the payment detail row; `amount` a decimal string)."""
        return {"demandDetailId": self.demand_detail_id, "taxHeadCode": self.tax_head_code, "amount": str(self.amount)}

    @classmethod
    def of_record(cls, record: dict[str, Any]) -> Apportioned:
        return cls(
            demand_detail_id=record["demandDetailId"],
            tax_head_code=record["taxHeadCode"],
            amount=Decimal(str(record["amount"])),
        )


@dataclass(frozen=True)
class AppliedPayment:
    """Billing's answer to a payment: the bill (its paid and adjusted amounts this payment's share alone),
    the share per tax head, what the bill owed before it, and the bill's status after it."""

    bill: Bill
    apportioned: list[Apportioned]
    total_due: Decimal
    status: BillStatus


@dataclass(frozen=True)
class PayableBill:
    """A bill with what is still payable on it, as collection and the gateway check a payment against it."""

    bill: Bill
    amount_due: Decimal

    @property
    def expiry_date(self) -> int:
        return min((d.expiry_date for d in self.bill.bill_details), default=0)

    def check_open(self, now_ms: int) -> None:
        """Refuse a bill that is paid, cancelled or expired (DIGIT's codes), before anything is taken."""
        if self.bill.status == BillStatus.PAID:
            raise Invalid("BILL_ALREADY_PAID", f"bill {self.bill.bill_number} is paid already")
        if self.bill.status not in OPEN_BILL_STATUSES or self.expiry_date <= now_ms:
            raise Invalid("BILL_EXPIRED", f"bill {self.bill.bill_number} has expired; fetch the bill again")


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


class DemandSearch(SearchQuery):
    """demand/_search criteria (query parameters); `mobileNumber` finds the payer's demands."""

    consumer_code: Csv
    demand_id: Csv
    business_service: str | None = None
    is_payment_completed: bool | None = None
    status: str | None = None
    mobile_number: str | None = Field(default=None, max_length=20)


class BillSearch(SearchQuery):
    """bill/v2/_search criteria; `service` is DIGIT's other name for `businessService`."""

    bill_id: Csv
    consumer_code: Csv
    business_service: str | None = None
    service: str | None = None
    status: str | None = None


class AmendmentSearch(SearchQuery):
    """amendment/_search criteria (consumer codes need businessService)."""

    consumer_code: Csv
    business_service: str | None = None
    amendment_id: Csv
    status: Csv
