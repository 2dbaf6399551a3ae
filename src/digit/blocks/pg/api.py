"""pg-service on DIGIT's paths (`/pg-service/transaction/v1/_create|_update|_search`, `_redirect`), plus the
sandbox gateway's payer page (`/pg-service/sandbox/pay/{txnId}`), which needs no token."""

from __future__ import annotations

import html
from typing import Any

from fastapi import APIRouter, Form, Path, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from digit.blocks.billing.client import money_out
from digit.blocks.pg import service
from digit.blocks.pg.gateways import GatewayRegistry, SandboxGateway
from digit.blocks.pg.models import TransactionRow
from digit.blocks.pg.schemas import TransactionCreateResponse, TransactionRequest, TransactionResponse
from digit.kernel.anonymous import anonymous_actor
from digit.kernel.deps import CurrentActor, OptionalActor, PlatformDep, SessionDep
from digit.kernel.envelope import RequestInfoBody, response_info, split_values
from digit.kernel.errors import Invalid
from digit.kernel.idempotency import IdempotencyKey
from digit.kernel.request_tenants import OptionalTenantQuery

router = APIRouter(prefix="/pg-service", tags=["pg"])

OPEN_ROUTES = (
    "/pg-service/sandbox/pay/{txnId}",
    "/pg-service/sandbox/pay/{txnId}/_decide",
    "/pg-service/transaction/v1/_redirect",
)


ANONYMOUS_ROUTES = ("/pg-service/transaction/v1/_create", "/pg-service/transaction/v1/_update")
"""DIGIT's open payment page calls these without a token (kernel/anonymous.py)."""


@router.post("/transaction/v1/_create")
async def create_transaction(
    body: TransactionRequest,
    session: SessionDep,
    actor: OptionalActor,
    platform: PlatformDep,
    idempotency_key: IdempotencyKey = None,
) -> TransactionCreateResponse:
    """DIGIT transaction/v1/_create: PENDING transaction and the gateway's `redirectUrl`.

    Without a token (open payment) the body's `consumerCode` must be the bill's, and the transaction has no owner.
    With an `Idempotency-Key` a retry answers the transaction the first call made, as it is now (an anonymous
    caller's keys are the anonymous actor's, per tenant)."""
    txn = await service.create_transaction_once(
        session,
        platform.get(service.PG_DEPS),
        transaction=body.transaction,
        actor=actor or anonymous_actor(body.transaction.tenant_id),
        idempotency_key=idempotency_key,
        request=body.model_dump(mode="json", exclude={"request_info"}),
    )
    return TransactionCreateResponse(response_info=response_info(body.request_info), transaction=txn)


@router.post("/transaction/v1/_update")
async def update_transaction(
    request: Request,
    session: SessionDep,
    actor: OptionalActor,
    platform: PlatformDep,
    transaction_id: str | None = Query(default=None, alias="transactionId"),
    body: RequestInfoBody | None = None,
) -> TransactionResponse:
    """DIGIT transaction/v1/_update?transactionId=...: settle from the gateway's own answer.

    Without a token, only a transaction made without one (open payment)."""
    params = dict(request.query_params)
    txn_id = transaction_id or params.get("eg_pg_txnid")
    if not txn_id:
        raise Invalid("TXN_ID_MISSING", "transactionId is required")
    caller = actor or anonymous_actor("")
    txn = await service.update_transaction(
        session, platform.get(service.PG_DEPS), txn_id=txn_id, params=params, actor=caller
    )
    return TransactionResponse(response_info=response_info(body), transaction=[txn])


@router.post("/transaction/v1/_search")
async def search_transactions(
    session: SessionDep,
    actor: CurrentActor,
    tenant_id: OptionalTenantQuery = None,
    txn_id: list[str] | None = Query(default=None, alias="txnId"),
    bill_id: list[str] | None = Query(default=None, alias="billId"),
    consumer_code: list[str] | None = Query(default=None, alias="consumerCode"),
    txn_status: list[str] | None = Query(default=None, alias="txnStatus"),
    body: RequestInfoBody | None = None,
) -> TransactionResponse:
    """DIGIT transaction/v1/_search."""
    txns = await service.search_transactions(
        session,
        actor=actor,
        tenant_id=tenant_id,
        txn_ids=split_values(txn_id),
        bill_ids=split_values(bill_id),
        consumer_codes=split_values(consumer_code),
        statuses=split_values(txn_status),
    )
    return TransactionResponse(response_info=response_info(body), transaction=txns)


def _back_to_caller(row: TransactionRow) -> Response:
    if row.callback_url:
        joiner = "&" if "?" in row.callback_url else "?"
        return RedirectResponse(f"{row.callback_url}{joiner}eg_pg_txnid={row.id}", status_code=303)
    page = (
        f"<!doctype html><title>Payment {html.escape(row.txn_status)}</title>"
        f"<h1>Payment {html.escape(row.txn_status.lower())}</h1><p>Transaction {html.escape(row.id)}</p>"
        f"<p>Receipt {html.escape(row.receipt or '-')}</p>"
    )
    return HTMLResponse(page)


@router.get("/transaction/v1/_redirect", response_model=None)
async def gateway_redirect(request: Request, session: SessionDep, platform: PlatformDep) -> Response:
    """Where a gateway sends the payer back (no token): the signature is verified before anything settles."""
    row = await service.handle_redirect(session, platform.get(service.PG_DEPS), params=dict(request.query_params))
    return _back_to_caller(row)


@router.post("/transaction/v1/_redirect", response_model=None)
async def gateway_redirect_post(request: Request, session: SessionDep, platform: PlatformDep) -> Response:
    """Gateways that POST their return (form-encoded) land here; same checks."""
    form = await request.form()
    params: dict[str, Any] = {**request.query_params, **{k: str(v) for k, v in form.items()}}
    row = await service.handle_redirect(session, platform.get(service.PG_DEPS), params=params)
    return _back_to_caller(row)


def _sandbox(platform: PlatformDep) -> SandboxGateway:
    gateway = platform.get(GatewayRegistry).get(SandboxGateway.name)
    assert isinstance(gateway, SandboxGateway)
    return gateway


@router.get("/sandbox/pay/{txnId}", response_class=HTMLResponse)
async def sandbox_page(session: SessionDep, txn_id: str = Path(alias="txnId")) -> HTMLResponse:
    """The sandbox gateway's payment page: pay (success) or fail."""
    row = await service.get_sandbox_transaction(session, txn_id=txn_id)
    safe_id = html.escape(txn_id)
    action = f"/pg-service/sandbox/pay/{safe_id}/_decide"
    amount, status = money_out(row.txn_amount), html.escape(row.txn_status)
    page = f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Sandbox payment</title></head>
<body>
<h1>Sandbox payment gateway</h1>
<p>Transaction <code>{safe_id}</code>, amount <strong>{amount}</strong> (INR), status {status}</p>
<form method="post" action="{action}"><input type="hidden" name="outcome" value="success">
<button type="submit" id="pay-success">Pay (success)</button></form>
<form method="post" action="{action}"><input type="hidden" name="outcome" value="failure">
<button type="submit" id="pay-failure">Fail the payment</button></form>
</body></html>"""
    return HTMLResponse(page)


@router.post("/sandbox/pay/{txnId}/_decide", response_model=None)
async def sandbox_decide(
    session: SessionDep,
    platform: PlatformDep,
    txn_id: str = Path(alias="txnId"),
    outcome: str = Form(pattern="^(success|failure)$"),
) -> Response:
    """The payer's click: the sandbox records it and sends the browser to the signed callback."""
    target = await _sandbox(platform).decide(session, txn_id=txn_id, success=outcome == "success")
    return RedirectResponse(target, status_code=303)
