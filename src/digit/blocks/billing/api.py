"""billing-service on DIGIT's paths: demands (`/demand/_create|_update|_search|_history`), bills v2."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query

from digit.blocks.billing import amendments, service
from digit.blocks.billing.deps import BillingDepsDep
from digit.blocks.billing.schemas import (
    AmendmentRequest,
    AmendmentResponse,
    AmendmentSearch,
    AmendmentUpdateRequest,
    BillResponse,
    BillSearch,
    CancelBillResponse,
    DemandRequest,
    DemandResponse,
    DemandSearch,
    UpdateBillRequest,
)
from digit.kernel.anonymous import anonymous_actor
from digit.kernel.deps import CurrentActor, OptionalActor, SessionDep
from digit.kernel.envelope import RequestInfoBody, response_info, split_values
from digit.kernel.errors import Invalid
from digit.kernel.idempotency import IdempotencyKey
from digit.kernel.request_tenants import TenantQuery

router = APIRouter(prefix="/billing-service", tags=["billing"])


@router.post("/demand/_create")
async def create_demands(
    body: DemandRequest,
    session: SessionDep,
    actor: CurrentActor,
    deps: BillingDepsDep,
    idempotency_key: IdempotencyKey = None,
) -> DemandResponse:
    """DIGIT demand/_create; with an `Idempotency-Key` a retry answers the demands the first call made."""
    demands = await service.create_demands_once(
        session,
        deps,
        demands=body.demands,
        actor=actor,
        idempotency_key=idempotency_key,
        request=body.model_dump(mode="json", exclude={"request_info"}),
    )
    return DemandResponse(response_info=response_info(body.request_info), demands=demands)


@router.post("/demand/_update")
async def update_demands(
    body: DemandRequest, session: SessionDep, actor: CurrentActor, deps: BillingDepsDep
) -> DemandResponse:
    """DIGIT demand/_update: amendments, each former state kept in the history."""
    demands = await service.update_demands(session, deps, demands=body.demands, actor=actor)
    return DemandResponse(response_info=response_info(body.request_info), demands=demands)


@router.post("/demand/_search")
async def search_demands(
    session: SessionDep,
    actor: CurrentActor,
    deps: BillingDepsDep,
    tenant_id: TenantQuery,
    criteria: Annotated[DemandSearch, Query()],
    body: RequestInfoBody | None = None,
) -> DemandResponse:
    """DIGIT demand/_search (criteria as query parameters; `mobileNumber` finds the payer's demands)."""
    demands = await service.find_demands(session, deps, tenant_id=tenant_id, criteria=criteria, actor=actor)
    return DemandResponse(response_info=response_info(body), demands=demands)


@router.post("/demand/_history")
async def demand_history(
    session: SessionDep,
    actor: CurrentActor,
    tenant_id: TenantQuery,
    demand_id: str = Query(alias="demandId", min_length=1),
    body: RequestInfoBody | None = None,
) -> dict[str, Any]:
    """Every state the demand has been in, oldest first (`changeReason`: CREATE, UPDATE, PAYMENT, ...)."""
    history = await service.demand_history(session, tenant_id=tenant_id, demand_id=demand_id)
    return {"ResponseInfo": response_info(body).wire(), "Demands": history}


FETCH_BILL = "/billing-service/bill/v2/_fetchbill"


@router.post("/bill/v2/_fetchbill")
async def fetch_bill(
    session: SessionDep,
    actor: OptionalActor,
    deps: BillingDepsDep,
    tenant_id: TenantQuery,
    consumer_code: list[str] | None = Query(default=None, alias="consumerCode"),
    business_service: str = Query(alias="businessService", min_length=1),
    body: RequestInfoBody | None = None,
) -> BillResponse:
    """DIGIT bill/v2/_fetchbill: the open bill, or a fresh one built from the open demands.

    Also without a token (DIGIT's open payment page): then one consumer code, and the payer's
    name and mobile number are masked."""
    consumer_codes = split_values(consumer_code)
    if not consumer_codes:
        raise Invalid("EG_BS_FETCHBILL_CONSUMERCODE_MISSING", "consumerCode is required")
    bills = await service.fetch_bill(
        session,
        deps,
        tenant_id=tenant_id,
        consumer_codes=consumer_codes,
        business_service=business_service,
        actor=actor or anonymous_actor(tenant_id),
    )
    return BillResponse(resposne_info=response_info(body), bill=bills)


@router.post("/bill/v2/_search")
async def search_bills(
    session: SessionDep,
    actor: CurrentActor,
    tenant_id: TenantQuery,
    criteria: Annotated[BillSearch, Query()],
    body: RequestInfoBody | None = None,
) -> BillResponse:
    """DIGIT bill/v2/_search."""
    bills = await service.search_bills(
        session,
        tenant_id=tenant_id,
        bill_ids=criteria.bill_id,
        consumer_codes=criteria.consumer_code,
        business_service=criteria.business_service or criteria.service,
        status=criteria.status,
        actor=actor,
    )
    return BillResponse(resposne_info=response_info(body), bill=bills)


@router.post("/bill/v2/_generate")
async def generate_bill(actor: CurrentActor, body: RequestInfoBody | None = None) -> BillResponse:
    """Deprecated in DIGIT: always 400 `EG_BS_API_ERROR`; use `_fetchbill`."""
    service.generate_bill()


@router.post("/bill/v2/_cancelbill")
async def cancel_bill(
    body: UpdateBillRequest, session: SessionDep, actor: CurrentActor, deps: BillingDepsDep
) -> CancelBillResponse:
    """DIGIT bill/v2/_cancelbill: cancel the open bills of consumer codes; 400 when none is open."""
    criteria = body.update_bill_criteria
    count = await service.cancel_bills(
        session,
        tenant_id=criteria.tenant_id,
        consumer_codes=criteria.consumer_codes,
        business_service=criteria.business_service,
        actor=actor,
        now_ms=deps.platform.clock.now_ms(),
    )
    return CancelBillResponse(
        response_info=response_info(body.request_info),
        message=f"Successfully cancelled {count} Active bills for given consumer codes",
    )


@router.post("/amendment/_create", status_code=201)
async def create_amendment(
    body: AmendmentRequest,
    session: SessionDep,
    actor: CurrentActor,
    deps: BillingDepsDep,
    idempotency_key: IdempotencyKey = None,
) -> AmendmentResponse:
    """DIGIT amendment/_create: a credit or debit note, folded into the consumer's demand at the next bill.

    With an `Idempotency-Key` a retry answers the amendment the first call made, as it is now."""
    created = await service.create_amendment_once(
        session,
        deps,
        amendment=body.amendment,
        actor=actor,
        idempotency_key=idempotency_key,
        request=body.model_dump(mode="json", exclude={"request_info"}),
    )
    return AmendmentResponse(response_info=response_info(body.request_info), amendments=[created])


@router.post("/amendment/_search")
async def search_amendments(
    session: SessionDep,
    tenant_id: TenantQuery,
    criteria: Annotated[AmendmentSearch, Query()],
    body: RequestInfoBody | None = None,
) -> AmendmentResponse:
    """DIGIT amendment/_search (consumer codes need businessService)."""
    found = await amendments.search_amendments(
        session,
        tenant_id=tenant_id,
        consumer_codes=criteria.consumer_code,
        business_service=criteria.business_service,
        amendment_ids=criteria.amendment_id,
        statuses=criteria.status,
    )
    return AmendmentResponse(response_info=response_info(body), amendments=found)


@router.post("/amendment/_update")
async def update_amendment(body: AmendmentUpdateRequest, actor: CurrentActor) -> AmendmentResponse:
    """DIGIT amendment/_update: workflow actions on an amendment; without an amendment workflow, DIGIT's 400."""
    service.update_amendment()


@router.post("/taxheads/_search")
async def search_tax_heads(
    actor: CurrentActor,
    deps: BillingDepsDep,
    tenant_id: TenantQuery,
    service_code: str = Query(alias="service", min_length=1),
    body: RequestInfoBody | None = None,
) -> dict[str, Any]:
    """DIGIT taxheads/_search: the TaxHeadMaster records of a business service (MDMS, city -> state)."""
    heads = await service.tax_heads(deps, tenant_id=tenant_id, business_service=service_code)
    return {
        "ResponseInfo": response_info(body).wire(),
        "TaxHeadMasters": list(heads.values()),
    }


@router.post("/taxperiods/_search")
async def search_tax_periods(
    actor: CurrentActor,
    deps: BillingDepsDep,
    tenant_id: TenantQuery,
    service_code: str = Query(alias="service", min_length=1),
    body: RequestInfoBody | None = None,
) -> dict[str, Any]:
    """DIGIT taxperiods/_search."""
    periods = await service.tax_periods(deps, tenant_id=tenant_id, business_service=service_code)
    return {"ResponseInfo": response_info(body).wire(), "TaxPeriods": periods}


@router.post("/businessservices/_search")
async def search_business_services(
    actor: CurrentActor,
    deps: BillingDepsDep,
    tenant_id: TenantQuery,
    business_service: str = Query(alias="businessService", min_length=1),
    body: RequestInfoBody | None = None,
) -> dict[str, Any]:
    """DIGIT businessservices/_search."""
    found = await service.find_business_service(deps, tenant_id=tenant_id, code=business_service)
    return {
        "ResponseInfo": response_info(body).wire(),
        "BusinessServiceDetails": [found] if found else [],
    }
