"""Counter collection: find a bill by business service and consumer code, take a cash, cheque or card
payment, print the receipt; the day's collections.

`/billing-service/bill/v2/_fetchbill` finds the bill, `/collection-services/payments/_create` takes
the payment (with an Idempotency-Key carried by the form, so a double submit pays once; the collection
block decides which modes need which instrument details), `/collection-services/payments/_search`
lists receipts and the pdf service renders the receipt (key `consolidatedreceipt`).
"""

from __future__ import annotations

import secrets
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi.responses import Response

from digit.web.backend import ApiError
from digit.web.citizen.payments import business_services
from digit.web.employee.desk import COLLECT, Desk, open_desk, open_desk_form
from digit.web.layout import EMPLOYEE_PREFIX, WebContext, WebDep

router = APIRouter(prefix=EMPLOYEE_PREFIX, include_in_schema=False)

MODES = ("CASH", "CHEQUE", "CARD")
FIELD_OF_ERROR = {
    "INVALID_INSTRUMENT_DETAILS": "instrumentNumber",
    "INVALID_TRANSACTION_NUMBER": "transactionNumber",
    "INVALID_AMOUNT": "amount",
    "INVALID_PAYMENT_MODE": "paymentMode",
}
DAY_MS = 24 * 3600 * 1000


async def _bill(web: WebContext, business_service: str, consumer_code: str) -> dict[str, Any] | None:
    body = await web.backend.post(
        "/billing-service/bill/v2/_fetchbill",
        tenantId=web.city,
        consumerCode=consumer_code,
        businessService=business_service,
    )
    bills = [b for b in body.get("Bill") or [] if b.get("totalAmount")]
    return bills[0] if bills else None


async def _collect_page(
    desk: Desk, *, values: dict[str, str], errors: dict[str, str], bill: dict[str, Any] | None, status: int = 200
) -> Response:
    return await desk.render(
        "employee/collect.html",
        status=status,
        services=await business_services(desk.web),
        values=values,
        errors=errors,
        bill=bill,
        modes=MODES,
        idempotency_key=values.get("key") or secrets.token_hex(16),
    )


@router.get("/collect")
async def find_bill(
    web: WebDep,
    business_service: Annotated[str, Query(alias="businessService", max_length=64)] = "",
    consumer_code: Annotated[str, Query(alias="consumerCode", max_length=128)] = "",
) -> Response:
    desk = await open_desk(web, COLLECT)
    if not isinstance(desk, Desk):
        return desk
    values = {"businessService": business_service, "consumerCode": consumer_code.strip()}
    errors: dict[str, str] = {}
    bill = None
    if values["consumerCode"] and business_service:
        try:
            bill = await _bill(web, business_service, values["consumerCode"])
        except ApiError as error:
            errors["consumerCode"] = web.error_text(error)
        if bill is None and not errors:
            errors["consumerCode"] = web.t("CU_PAY_NO_DUES")
    return await _collect_page(desk, values=values, errors=errors, bill=bill, status=400 if errors else 200)


PAYMENT_FORM_FIELDS = (
    "businessService",
    "consumerCode",
    "paymentMode",
    "amount",
    "payerName",
    "mobile",
    "instrumentNumber",
    "instrumentDate",
    "transactionNumber",
    "key",
)


@router.post("/collect")
async def take_payment(web: WebDep) -> Response:
    opened = await open_desk_form(web, COLLECT)
    if not isinstance(opened, tuple):
        return opened
    desk, form = opened
    values = {k: str(form.get(k, "")).strip() for k in PAYMENT_FORM_FIELDS}
    try:
        bill = await _bill(web, values["businessService"], values["consumerCode"])
    except ApiError as error:
        return await _collect_page(
            desk, values=values, errors={"consumerCode": web.error_text(error)}, bill=None, status=400
        )
    if bill is None:
        errors = {"consumerCode": web.t("CU_PAY_NO_DUES")}
        return await _collect_page(desk, values=values, errors=errors, bill=None, status=400)
    try:
        instrument_date = _epoch_ms(values["instrumentDate"])
    except ValueError:
        errors = {"instrumentDate": web.t("EU_ERR_INVALID_DATE")}
        return await _collect_page(desk, values=values, errors=errors, bill=bill, status=400)
    payment = _payment(web.city, bill, values, instrument_date=instrument_date)
    try:
        body = await web.backend.post(
            "/collection-services/payments/_create",
            {"Payment": payment},
            headers={"Idempotency-Key": values["key"]} if values["key"] else None,
        )
    except ApiError as error:
        field = next((FIELD_OF_ERROR[c] for c in (*error.codes, error.code) if c in FIELD_OF_ERROR), "form")
        return await _collect_page(desk, values=values, errors={field: web.error_text(error)}, bill=bill, status=400)
    receipt = body["Payments"][0]["paymentDetails"][0]["receiptNumber"]
    return web.redirect(web.url(f"{EMPLOYEE_PREFIX}/collect/paid", receiptNumber=receipt))


def _epoch_ms(day: str) -> int | None:
    """A form date (YYYY-MM-DD, UTC) as epoch milliseconds; none when blank, ValueError when malformed."""
    if not day:
        return None
    return int(datetime.strptime(day, "%Y-%m-%d").replace(tzinfo=UTC).timestamp() * 1000)


def _payment(city: str, bill: dict[str, Any], values: dict[str, str], *, instrument_date: int | None) -> dict[str, Any]:
    """The `_create` Payment for the bill: the amount defaults to the whole bill, blank fields are left out."""
    amount = values["amount"] or str(bill["totalAmount"])
    payment: dict[str, Any] = {
        "tenantId": city,
        "totalDue": bill["totalAmount"],
        "totalAmountPaid": amount,
        "paymentMode": values["paymentMode"],
        "payerName": values["payerName"] or None,
        "paidBy": "OWNER",
        "mobileNumber": values["mobile"] or None,
        "paymentDetails": [
            {
                "billId": bill["id"],
                "totalDue": bill["totalAmount"],
                "totalAmountPaid": amount,
                "businessService": values["businessService"],
            }
        ],
    }
    if values["instrumentNumber"]:
        payment["instrumentNumber"] = values["instrumentNumber"]
    if instrument_date is not None:
        payment["instrumentDate"] = instrument_date
    if values["transactionNumber"]:
        payment["transactionNumber"] = values["transactionNumber"]
    return payment


@router.get("/collect/paid")
async def paid(
    web: WebDep, receipt_number: Annotated[str, Query(alias="receiptNumber", max_length=128)] = ""
) -> Response:
    desk = await open_desk(web, COLLECT)
    if not isinstance(desk, Desk):
        return desk
    payments = await _payments(web, receiptNumbers=receipt_number) if receipt_number else []
    if not payments:
        return await desk.not_found()
    return await desk.render("employee/collect_paid.html", payment=payments[0], receipt_number=receipt_number)


async def _payments(web: WebContext, **criteria: Any) -> list[dict[str, Any]]:
    try:
        body = await web.backend.post("/collection-services/payments/_search", tenantId=web.city, **criteria)
    except ApiError:
        return []
    found: list[dict[str, Any]] = body.get("Payments") or []
    return found


@router.get("/collect/receipt")
async def receipt(
    web: WebDep, receipt_number: Annotated[str, Query(alias="receiptNumber", min_length=1, max_length=128)]
) -> Response:
    """The receipt PDF, in the employee's language."""
    desk = await open_desk(web, COLLECT)
    if not isinstance(desk, Desk):
        return desk
    payments = await _payments(web, receiptNumbers=receipt_number)
    if not payments:
        return await desk.not_found()
    try:
        pdf = await web.backend.post_bytes(
            "/pdf-service/v1/_createnosave",
            {"Payments": payments[:1]},
            key="consolidatedreceipt",
            tenantId=web.city,
            locale=web.locale,
        )
    except ApiError:
        return await desk.not_found()
    disposition = f'inline; filename="{receipt_number.replace("/", "-")}.pdf"'
    return web.finish(Response(pdf.content, media_type="application/pdf", headers={"content-disposition": disposition}))


@router.get("/collect/today")
async def todays_collections(web: WebDep) -> Response:
    """The receipts of this city since midnight (UTC), newest first, with their total."""
    desk = await open_desk(web, COLLECT)
    if not isinstance(desk, Desk):
        return desk
    now_ms = web.platform.clock.now_ms()
    midnight = now_ms - now_ms % DAY_MS
    payments = await _payments(web, fromDate=midnight, toDate=now_ms, limit=500)
    payments.sort(key=lambda p: p.get("transactionDate") or 0, reverse=True)
    total = sum(float(p.get("totalAmountPaid") or 0) for p in payments)
    return await desk.render("employee/collect_today.html", payments=payments, total=total)
