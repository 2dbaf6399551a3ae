"""collection-services on DIGIT's paths: payments _create, _validate, _search, _plainsearch, _workflow (cancel,
dishonour).

Idempotency: send a header `Idempotency-Key: <your key>` with `_create`; the same key (per tenant) always answers
the first payment and never collects twice.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header, Path, Query

from digit.blocks.collection import service
from digit.blocks.collection.deps import CollectionDepsDep
from digit.blocks.collection.schemas import (
    ModulePaymentSearch,
    PaymentRequest,
    PaymentResponse,
    PaymentSearch,
    PaymentWorkflowRequest,
    PlainPaymentSearch,
)
from digit.kernel.anonymous import anonymous_actor
from digit.kernel.deps import CurrentActor, OptionalActor, SessionDep
from digit.kernel.envelope import RequestInfoBody, response_info
from digit.kernel.errors import Invalid
from digit.kernel.request_tenants import TenantQuery

router = APIRouter(prefix="/collection-services/payments", tags=["collection"])


@router.post("/_create")
async def create_payment(
    body: PaymentRequest,
    session: SessionDep,
    actor: CurrentActor,
    deps: CollectionDepsDep,
    idempotency_key: str | None = Header(default=None, alias="Idempotency-Key", max_length=200),
) -> PaymentResponse:
    """DIGIT payments/_create: apportion to the bills' tax heads, issue receipts, settle demands."""
    payment, _created = await service.create_payment(
        session, deps, payment=body.payment, actor=actor, idempotency_key=idempotency_key or None
    )
    return PaymentResponse(response_info=response_info(body.request_info), payments=[payment])


@router.post("/_validate")
async def validate_payment(
    body: PaymentRequest, session: SessionDep, actor: CurrentActor, deps: CollectionDepsDep
) -> PaymentResponse:
    """DIGIT payments/_validate: the checks of _create without storing anything."""
    payment = await service.validate_only(session, deps, payment=body.payment, actor=actor)
    return PaymentResponse(response_info=response_info(body.request_info), payments=[payment])


@router.post("/_search")
async def search_payments(
    session: SessionDep,
    actor: CurrentActor,
    deps: CollectionDepsDep,
    tenant_id: TenantQuery,
    criteria: Annotated[PaymentSearch, Query()],
    body: RequestInfoBody | None = None,
) -> PaymentResponse:
    """DIGIT payments/_search (criteria as query parameters)."""
    payments = await service.search_payments(
        session,
        deps,
        tenant_id=tenant_id,
        actor=actor,
        criteria=criteria,
        business_services=criteria.business_services,
        payer_ids=criteria.payer_ids,
    )
    return PaymentResponse(response_info=response_info(body), payments=payments)


@router.post("/_plainsearch")
async def plain_search_payments(
    session: SessionDep,
    actor: CurrentActor,
    deps: CollectionDepsDep,
    tenant_id: TenantQuery,
    criteria: Annotated[PlainPaymentSearch, Query()],
    body: RequestInfoBody | None = None,
) -> PaymentResponse:
    """DIGIT payments/_plainsearch: every payment of a tenant, oldest first, page by page (system use:
    re-indexing; superusers only)."""
    payments = await service.plain_search_payments(session, deps, tenant_id=tenant_id, actor=actor, criteria=criteria)
    return PaymentResponse(response_info=response_info(body), payments=payments)


MODULE_SEARCH = "/collection-services/payments/{moduleName}/_search"


@router.post("/{moduleName}/_search")
async def search_module_payments(
    session: SessionDep,
    actor: OptionalActor,
    deps: CollectionDepsDep,
    tenant_id: TenantQuery,
    criteria: Annotated[ModulePaymentSearch, Query()],
    module_name: str = Path(alias="moduleName"),
    body: RequestInfoBody | None = None,
) -> PaymentResponse:
    """DIGIT payments/{moduleName}/_search: the payments of one business service.

    Without a token (open payment's receipt): by `consumerCodes` or `receiptNumbers` only, payer masked."""
    payments = await service.search_payments(
        session,
        deps,
        tenant_id=tenant_id,
        actor=actor or anonymous_actor(tenant_id),
        criteria=criteria,
        business_services=[module_name] if module_name else [],
        payer_ids=criteria.payer_ids,
    )
    return PaymentResponse(response_info=response_info(body), payments=payments)


@router.post("/{moduleName}/_workflow")
async def payment_workflow(
    body: PaymentWorkflowRequest,
    session: SessionDep,
    actor: CurrentActor,
    deps: CollectionDepsDep,
    module_name: str = Path(alias="moduleName"),
) -> PaymentResponse:
    """DIGIT payments/{moduleName}/_workflow: CANCEL or DISHONOUR; the demands owe again."""
    if not module_name:
        raise Invalid("INVALID_MODULE", "moduleName is required")
    payments = await service.payment_workflow(
        session, deps, workflows=body.payment_workflows, actor=actor, module_name=module_name
    )
    return PaymentResponse(response_info=response_info(body.request_info), payments=payments)


@router.post("/_workflow")
async def payment_workflow_any(
    body: PaymentWorkflowRequest, session: SessionDep, actor: CurrentActor, deps: CollectionDepsDep
) -> PaymentResponse:
    """payments/_workflow without a module: CANCEL or DISHONOUR any payment."""
    payments = await service.payment_workflow(session, deps, workflows=body.payment_workflows, actor=actor)
    return PaymentResponse(response_info=response_info(body.request_info), payments=payments)
