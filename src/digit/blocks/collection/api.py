"""collection-services on DIGIT's paths: payments _create, _validate, _search, _plainsearch, _workflow (cancel,
dishonour).

Idempotency: send a header `Idempotency-Key: <your key>` with `_create`; the same key (per tenant) always answers
the first payment and never collects twice.
"""

from __future__ import annotations

from fastapi import APIRouter, Header, Path, Query

from digit.blocks.collection import service
from digit.blocks.collection.schemas import PaymentRequest, PaymentResponse, PaymentWorkflowRequest
from digit.kernel.anonymous import anonymous_actor
from digit.kernel.deps import CurrentActor, OptionalActor, PlatformDep, SessionDep
from digit.kernel.envelope import RequestInfoBody, response_info, split_values
from digit.kernel.errors import Invalid
from digit.kernel.request_tenants import TenantQuery
from digit.kernel.security import Actor

router = APIRouter(prefix="/collection-services/payments", tags=["collection"])


@router.post("/_create")
async def create_payment(
    body: PaymentRequest,
    session: SessionDep,
    actor: CurrentActor,
    platform: PlatformDep,
    idempotency_key: str | None = Header(default=None, alias="Idempotency-Key", max_length=200),
) -> PaymentResponse:
    """DIGIT payments/_create: apportion to the bills' tax heads, issue receipts, settle demands."""
    payment, _created = await service.create_payment(
        session, platform, payment=body.payment, actor=actor, idempotency_key=idempotency_key or None
    )
    return PaymentResponse(response_info=response_info(body.request_info), payments=[payment])


@router.post("/_validate")
async def validate_payment(
    body: PaymentRequest, session: SessionDep, actor: CurrentActor, platform: PlatformDep
) -> PaymentResponse:
    """DIGIT payments/_validate: the checks of _create without storing anything."""
    payment = await service.validate_only(session, platform, payment=body.payment, actor=actor)
    return PaymentResponse(response_info=response_info(body.request_info), payments=[payment])


async def _search(
    session: SessionDep,
    actor: Actor,
    platform: PlatformDep,
    *,
    module_name: str | None,
    tenant_id: str,
    ids: list[str] | None,
    bill_ids: list[str] | None,
    receipt_numbers: list[str] | None,
    consumer_codes: list[str] | None,
    business_services: list[str] | None,
    status: list[str] | None,
    payer_ids: list[str] | None,
    from_date: int | None,
    to_date: int | None,
    offset: int,
    limit: int,
    body: RequestInfoBody | None,
) -> PaymentResponse:
    services = split_values(business_services)
    if module_name:
        services = [module_name]
    payments = await service.search_payments(
        session,
        platform,
        tenant_id=tenant_id,
        actor=actor,
        ids=split_values(ids),
        bill_ids=split_values(bill_ids),
        receipt_numbers=split_values(receipt_numbers),
        consumer_codes=split_values(consumer_codes),
        business_services=services,
        statuses=split_values(status),
        payer_ids=split_values(payer_ids),
        from_date=from_date,
        to_date=to_date,
        offset=offset,
        limit=limit,
    )
    return PaymentResponse(response_info=response_info(body), payments=payments)


@router.post("/_search")
async def search_payments(
    session: SessionDep,
    actor: CurrentActor,
    platform: PlatformDep,
    tenant_id: TenantQuery,
    ids: list[str] | None = Query(default=None),
    bill_ids: list[str] | None = Query(default=None, alias="billIds"),
    receipt_numbers: list[str] | None = Query(default=None, alias="receiptNumbers"),
    consumer_codes: list[str] | None = Query(default=None, alias="consumerCodes"),
    business_services: list[str] | None = Query(default=None, alias="businessServices"),
    status: list[str] | None = Query(default=None),
    payer_ids: list[str] | None = Query(default=None, alias="payerIds"),
    from_date: int | None = Query(default=None, alias="fromDate"),
    to_date: int | None = Query(default=None, alias="toDate"),
    offset: int = Query(default=0, ge=0),
    limit: int = Query(default=100, ge=1, le=500),
    body: RequestInfoBody | None = None,
) -> PaymentResponse:
    """DIGIT payments/_search (criteria as query parameters)."""
    return await _search(
        session,
        actor,
        platform,
        module_name=None,
        tenant_id=tenant_id,
        ids=ids,
        bill_ids=bill_ids,
        receipt_numbers=receipt_numbers,
        consumer_codes=consumer_codes,
        business_services=business_services,
        status=status,
        payer_ids=payer_ids,
        from_date=from_date,
        to_date=to_date,
        offset=offset,
        limit=limit,
        body=body,
    )


@router.post("/_plainsearch")
async def plain_search_payments(
    session: SessionDep,
    actor: CurrentActor,
    platform: PlatformDep,
    tenant_id: TenantQuery,
    ids: list[str] | None = Query(default=None),
    bill_ids: list[str] | None = Query(default=None, alias="billIds"),
    receipt_numbers: list[str] | None = Query(default=None, alias="receiptNumbers"),
    consumer_codes: list[str] | None = Query(default=None, alias="consumerCodes"),
    business_services: list[str] | None = Query(default=None, alias="businessServices"),
    status: list[str] | None = Query(default=None),
    from_date: int | None = Query(default=None, alias="fromDate"),
    to_date: int | None = Query(default=None, alias="toDate"),
    offset: int = Query(default=0, ge=0),
    limit: int = Query(default=100, ge=1, le=500),
    body: RequestInfoBody | None = None,
) -> PaymentResponse:
    """DIGIT payments/_plainsearch: every payment of a tenant, oldest first, page by page (system use:
    re-indexing; superusers only)."""
    payments = await service.plain_search_payments(
        session,
        platform,
        tenant_id=tenant_id,
        actor=actor,
        ids=split_values(ids),
        bill_ids=split_values(bill_ids),
        receipt_numbers=split_values(receipt_numbers),
        consumer_codes=split_values(consumer_codes),
        business_services=split_values(business_services),
        statuses=split_values(status),
        from_date=from_date,
        to_date=to_date,
        offset=offset,
        limit=limit,
    )
    return PaymentResponse(response_info=response_info(body), payments=payments)


MODULE_SEARCH = "/collection-services/payments/{moduleName}/_search"


@router.post("/{moduleName}/_search")
async def search_module_payments(
    session: SessionDep,
    actor: OptionalActor,
    platform: PlatformDep,
    tenant_id: TenantQuery,
    module_name: str = Path(alias="moduleName"),
    ids: list[str] | None = Query(default=None),
    bill_ids: list[str] | None = Query(default=None, alias="billIds"),
    receipt_numbers: list[str] | None = Query(default=None, alias="receiptNumbers"),
    consumer_codes: list[str] | None = Query(default=None, alias="consumerCodes"),
    status: list[str] | None = Query(default=None),
    payer_ids: list[str] | None = Query(default=None, alias="payerIds"),
    from_date: int | None = Query(default=None, alias="fromDate"),
    to_date: int | None = Query(default=None, alias="toDate"),
    offset: int = Query(default=0, ge=0),
    limit: int = Query(default=100, ge=1, le=500),
    body: RequestInfoBody | None = None,
) -> PaymentResponse:
    """DIGIT payments/{moduleName}/_search: the payments of one business service.

    Without a token (open payment's receipt): by `consumerCodes` or `receiptNumbers` only, payer masked."""
    return await _search(
        session,
        actor or anonymous_actor(tenant_id),
        platform,
        module_name=module_name,
        tenant_id=tenant_id,
        ids=ids,
        bill_ids=bill_ids,
        receipt_numbers=receipt_numbers,
        consumer_codes=consumer_codes,
        business_services=None,
        status=status,
        payer_ids=payer_ids,
        from_date=from_date,
        to_date=to_date,
        offset=offset,
        limit=limit,
        body=body,
    )


@router.post("/{moduleName}/_workflow")
async def payment_workflow(
    body: PaymentWorkflowRequest,
    session: SessionDep,
    actor: CurrentActor,
    platform: PlatformDep,
    module_name: str = Path(alias="moduleName"),
) -> PaymentResponse:
    """DIGIT payments/{moduleName}/_workflow: CANCEL or DISHONOUR; the demands owe again."""
    if not module_name:
        raise Invalid("INVALID_MODULE", "moduleName is required")
    payments = await service.payment_workflow(
        session, platform, workflows=body.payment_workflows, actor=actor, module_name=module_name
    )
    return PaymentResponse(response_info=response_info(body.request_info), payments=payments)


@router.post("/_workflow")
async def payment_workflow_any(
    body: PaymentWorkflowRequest, session: SessionDep, actor: CurrentActor, platform: PlatformDep
) -> PaymentResponse:
    """payments/_workflow without a module: CANCEL or DISHONOUR any payment."""
    payments = await service.payment_workflow(session, platform, workflows=body.payment_workflows, actor=actor)
    return PaymentResponse(response_info=response_info(body.request_info), payments=payments)
