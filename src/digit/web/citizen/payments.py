"""Pay: find what is due by business service and consumer code, see the bill, pay online through the
gateway, get the receipt.

`/billing-service/bill/v2/_fetchbill` (the citizen asks by consumer code; billing decides what they
may see), `/pg-service/transaction/v1/_create` (the gateway's page is where the money moves; it sends
the browser back to `/payment/status`), `_search` for the outcome, and the receipt rendered by the
pdf service (key `consolidatedreceipt`) from the payment `/collection-services/payments/_search` finds.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi.responses import Response

from digit.blocks.mdms.client import MDMS_CLIENT
from digit.web.backend import ApiError
from digit.web.layout import CITIZEN_PREFIX, WebContext, WebDep, login_redirect

router = APIRouter(prefix=CITIZEN_PREFIX, include_in_schema=False)

FIELD_OF_ERROR = {"TXN_AMOUNT_MISMATCH": "amount", "BILL_EXPIRED": "form"}


async def business_services(web: WebContext) -> list[tuple[str, str]]:
    """The billing business services of the state (MDMS BillingService.BusinessService)."""
    mdms = web.platform.get(MDMS_CLIENT)
    records = await mdms.get_master(tenant_id=web.state_id, module="BillingService", master="BusinessService")
    codes = sorted({str(r["code"]) for r in records if isinstance(r, dict) and r.get("code")})
    return [
        (code, web.t(f"BILLINGSERVICE_BUSINESSSERVICE_{code.upper().replace('.', '_')}", default=code))
        for code in codes
    ]


async def tax_head_names(web: WebContext) -> dict[str, str]:
    """Tax head code -> its MDMS name (BillingService.TaxHeadMaster): what a bill line shows when localization has
    no message for the code, rather than the code itself."""
    mdms = web.platform.get(MDMS_CLIENT)
    records = await mdms.get_master(tenant_id=web.state_id, module="BillingService", master="TaxHeadMaster")
    return {str(r["code"]): str(r.get("name") or r["code"]) for r in records if isinstance(r, dict) and r.get("code")}


async def _bill(web: WebContext, tenant_id: str, business_service: str, consumer_code: str) -> dict[str, Any] | None:
    body = await web.backend.post(
        "/billing-service/bill/v2/_fetchbill",
        tenantId=tenant_id,
        consumerCode=consumer_code,
        businessService=business_service,
    )
    bills = [b for b in body.get("Bill") or [] if b.get("totalAmount")]
    return bills[0] if bills else None


@router.get("/payment")
async def find_bill(
    web: WebDep,
    business_service: Annotated[str, Query(alias="businessService")] = "",
    consumer_code: Annotated[str, Query(alias="consumerCode")] = "",
) -> Response:
    """The search form; with a consumer code, the bill found (GET, so it works without JavaScript)."""
    if web.user is None:
        return login_redirect(web)
    values = {"businessService": business_service, "consumerCode": consumer_code.strip(), "tenantId": web.city}
    errors: dict[str, str] = {}
    bill = None
    if values["consumerCode"] and business_service:
        try:
            bill = await _bill(web, web.city, business_service, values["consumerCode"])
        except ApiError as error:
            errors["consumerCode"] = web.error_text(error)
        if bill is None and not errors:
            errors["consumerCode"] = web.t("CU_PAY_NO_DUES")
    return await web.render(
        "citizen/pay.html",
        status=400 if errors else 200,
        services=await business_services(web),
        values=values,
        errors=errors,
        bill=bill,
        tax_heads=await tax_head_names(web) if bill else {},
    )


@router.post("/payment")
async def pay(web: WebDep) -> Response:
    """Open a gateway transaction for the bill and send the browser to the gateway's page."""
    if web.user is None:
        return login_redirect(web)
    form = await web.form()
    if form is None:
        return await web.refused()
    tenant_id = str(form.get("tenantId", web.city))
    business_service, consumer_code = str(form.get("businessService", "")), str(form.get("consumerCode", ""))
    callback = str(web.request.url_for("payment_status"))
    try:
        bill = await _bill(web, tenant_id, business_service, consumer_code)
        if bill is None:
            raise ApiError(status=404, code="BILL_NOT_FOUND", message="")
        transaction = {
            "tenantId": tenant_id,
            "txnAmount": bill["totalAmount"],
            "module": business_service,
            "billId": bill["id"],
            "consumerCode": consumer_code,
            "gateway": "SANDBOX",
            "callbackUrl": callback,
            "taxAndPayments": [{"billId": bill["id"], "amountPaid": bill["totalAmount"]}],
            "user": {"uuid": web.user.uuid, "tenantId": web.user.tenant_id},
        }
        body = await web.backend.post("/pg-service/transaction/v1/_create", {"Transaction": transaction})
    except ApiError as error:
        values = {"businessService": business_service, "consumerCode": consumer_code, "tenantId": tenant_id}
        return await web.render(
            "citizen/pay.html",
            status=400,
            services=await business_services(web),
            values=values,
            errors={FIELD_OF_ERROR.get(error.code, "consumerCode"): web.error_text(error)},
            bill=None,
        )
    return web.redirect(str(body["Transaction"]["redirectUrl"]))


@router.get("/payment/status", name="payment_status")
async def payment_status(web: WebDep, eg_pg_txnid: str = "") -> Response:
    """Where the gateway sends the payer back: the transaction's outcome and the receipt."""
    if web.user is None:
        return login_redirect(web)
    transaction: dict[str, Any] | None = None
    for city in web.cities:
        try:
            body = await web.backend.post("/pg-service/transaction/v1/_search", tenantId=city.code, txnId=eg_pg_txnid)
        except ApiError:
            continue
        found = body.get("Transaction") or []
        if found:
            transaction = found[0]
            break
    if transaction is None:
        return await web.not_found()
    return await web.render("citizen/payment_status.html", txn=transaction)


@router.get("/payment/receipt")
async def receipt(
    web: WebDep,
    receipt_number: Annotated[str, Query(alias="receiptNumber", min_length=1, max_length=128)],
    tenant_id: Annotated[str, Query(alias="tenantId")] = "",
) -> Response:
    """The receipt PDF, in the citizen's language."""
    if web.user is None:
        return login_redirect(web)
    tenant_id = tenant_id or web.city
    try:
        body = await web.backend.post(
            "/collection-services/payments/_search", tenantId=tenant_id, receiptNumbers=receipt_number
        )
        payments = body.get("Payments") or []
        if not payments:
            return await web.not_found()
        pdf = await web.backend.post_bytes(
            "/pdf-service/v1/_createnosave",
            {"Payments": payments[:1]},
            key="consolidatedreceipt",
            tenantId=tenant_id,
            locale=web.locale,
        )
    except ApiError:
        return await web.not_found()
    disposition = f'attachment; filename="{receipt_number.replace("/", "-")}.pdf"'
    return web.finish(Response(pdf.content, media_type="application/pdf", headers={"content-disposition": disposition}))
