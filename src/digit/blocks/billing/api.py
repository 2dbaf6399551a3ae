"""billing-service on DIGIT's paths: demands (`/demand/_create|_update|_search|_history`), bills v2."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Query

from digit.blocks.billing import service
from digit.blocks.billing.schemas import BillResponse, DemandRequest, DemandResponse
from digit.kernel.deps import CurrentActor, PlatformDep, SessionDep
from digit.kernel.envelope import RequestInfoBody, response_info, split_values
from digit.kernel.errors import Invalid

router = APIRouter(prefix="/billing-service", tags=["billing"])


@router.post("/demand/_create")
async def create_demands(
    body: DemandRequest, session: SessionDep, actor: CurrentActor, platform: PlatformDep
) -> DemandResponse:
    """DIGIT demand/_create."""
    demands = await service.create_demands(session, platform, demands=body.demands, actor=actor)
    return DemandResponse(response_info=response_info(body.request_info), demands=demands)


@router.post("/demand/_update")
async def update_demands(
    body: DemandRequest, session: SessionDep, actor: CurrentActor, platform: PlatformDep
) -> DemandResponse:
    """DIGIT demand/_update: amendments, each former state kept in the history."""
    demands = await service.update_demands(session, platform, demands=body.demands, actor=actor)
    return DemandResponse(response_info=response_info(body.request_info), demands=demands)


@router.post("/demand/_search")
async def search_demands(
    session: SessionDep,
    actor: CurrentActor,
    platform: PlatformDep,
    tenant_id: str = Query(alias="tenantId", min_length=1),
    consumer_code: list[str] | None = Query(default=None, alias="consumerCode"),
    demand_id: list[str] | None = Query(default=None, alias="demandId"),
    business_service: str | None = Query(default=None, alias="businessService"),
    is_payment_completed: bool | None = Query(default=None, alias="isPaymentCompleted"),
    status: str | None = Query(default=None),
    mobile_number: str | None = Query(default=None, alias="mobileNumber", max_length=20),
    body: RequestInfoBody | None = None,
) -> DemandResponse:
    """DIGIT demand/_search (criteria as query parameters; `mobileNumber` finds the payer's demands)."""
    payer_uuids = await service.payers_by_mobile(platform, tenant_id=tenant_id, mobile_number=mobile_number)
    if mobile_number and not payer_uuids:
        return DemandResponse(response_info=response_info(body.request_info if body else None), demands=[])
    demands = await service.search_demands(
        session,
        payer_uuids=payer_uuids,
        tenant_id=tenant_id,
        demand_ids=split_values(demand_id),
        consumer_codes=split_values(consumer_code),
        business_service=business_service,
        is_payment_completed=is_payment_completed,
        status=status,
    )
    return DemandResponse(response_info=response_info(body.request_info if body else None), demands=demands)


@router.post("/demand/_history")
async def demand_history(
    session: SessionDep,
    actor: CurrentActor,
    tenant_id: str = Query(alias="tenantId", min_length=1),
    demand_id: str = Query(alias="demandId", min_length=1),
    body: RequestInfoBody | None = None,
) -> dict[str, Any]:
    """Every state the demand has been in, oldest first (`changeReason`: CREATE, UPDATE, PAYMENT, ...)."""
    history = await service.demand_history(session, tenant_id=tenant_id, demand_id=demand_id)
    return {"ResponseInfo": response_info(body.request_info if body else None).wire(), "Demands": history}


@router.post("/bill/v2/_fetchbill")
async def fetch_bill(
    session: SessionDep,
    actor: CurrentActor,
    platform: PlatformDep,
    tenant_id: str = Query(alias="tenantId", min_length=1),
    consumer_code: list[str] | None = Query(default=None, alias="consumerCode"),
    business_service: str = Query(alias="businessService", min_length=1),
    body: RequestInfoBody | None = None,
) -> BillResponse:
    """DIGIT bill/v2/_fetchbill: the open bill, or a fresh one built from the open demands."""
    consumer_codes = split_values(consumer_code)
    if not consumer_codes:
        raise Invalid("EG_BS_FETCHBILL_CONSUMERCODE_MISSING", "consumerCode is required")
    bills = await service.fetch_bill(
        session,
        platform,
        tenant_id=tenant_id,
        consumer_codes=consumer_codes,
        business_service=business_service,
        actor=actor,
    )
    return BillResponse(resposne_info=response_info(body.request_info if body else None), bill=bills)


@router.post("/bill/v2/_search")
async def search_bills(
    session: SessionDep,
    actor: CurrentActor,
    tenant_id: str = Query(alias="tenantId", min_length=1),
    bill_id: list[str] | None = Query(default=None, alias="billId"),
    consumer_code: list[str] | None = Query(default=None, alias="consumerCode"),
    business_service: str | None = Query(default=None, alias="businessService"),
    service_code: str | None = Query(default=None, alias="service"),
    status: str | None = Query(default=None),
    body: RequestInfoBody | None = None,
) -> BillResponse:
    """DIGIT bill/v2/_search."""
    bills = await service.search_bills(
        session,
        tenant_id=tenant_id,
        bill_ids=split_values(bill_id),
        consumer_codes=split_values(consumer_code),
        business_service=business_service or service_code,
        status=status,
    )
    return BillResponse(resposne_info=response_info(body.request_info if body else None), bill=bills)


@router.post("/taxheads/_search")
async def search_tax_heads(
    actor: CurrentActor,
    platform: PlatformDep,
    tenant_id: str = Query(alias="tenantId", min_length=1),
    service_code: str = Query(alias="service", min_length=1),
    body: RequestInfoBody | None = None,
) -> dict[str, Any]:
    """DIGIT taxheads/_search: the TaxHeadMaster records of a business service (MDMS, city -> state)."""
    heads = await service.tax_heads(platform, tenant_id=tenant_id, business_service=service_code)
    return {
        "ResponseInfo": response_info(body.request_info if body else None).wire(),
        "TaxHeadMasters": list(heads.values()),
    }


@router.post("/taxperiods/_search")
async def search_tax_periods(
    actor: CurrentActor,
    platform: PlatformDep,
    tenant_id: str = Query(alias="tenantId", min_length=1),
    service_code: str = Query(alias="service", min_length=1),
    body: RequestInfoBody | None = None,
) -> dict[str, Any]:
    """DIGIT taxperiods/_search."""
    periods = await service.tax_periods(platform, tenant_id=tenant_id, business_service=service_code)
    return {"ResponseInfo": response_info(body.request_info if body else None).wire(), "TaxPeriods": periods}


@router.post("/businessservices/_search")
async def search_business_services(
    actor: CurrentActor,
    platform: PlatformDep,
    tenant_id: str = Query(alias="tenantId", min_length=1),
    business_service: str = Query(alias="businessService", min_length=1),
    body: RequestInfoBody | None = None,
) -> dict[str, Any]:
    """DIGIT businessservices/_search."""
    found = await service.find_business_service(platform, tenant_id=tenant_id, code=business_service)
    return {
        "ResponseInfo": response_info(body.request_info if body else None).wire(),
        "BusinessServiceDetails": [found] if found else [],
    }
