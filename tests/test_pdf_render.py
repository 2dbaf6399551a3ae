"""PDF: templates render the request's data in the caller's locale, with a QR code; bad input is a 400."""

from __future__ import annotations

import io
import re
from typing import Any

import pytest
from pypdf import PdfReader

from digit.blocks.pdf.client import PDF_CLIENT, InProcessPdfClient
from digit.kernel.errors import Invalid
from digit.kernel.platform import Platform

PAYMENT: dict[str, Any] = {
    "tenantId": "pb.amritsar",
    "totalAmountPaid": 250,
    "paymentMode": "CASH",
    "payerName": "Test Payer",
    "paymentDetails": [
        {
            "receiptNumber": "RCPT/2026-27/000042",
            "businessService": "PGR",
            "totalAmountPaid": 250,
            "receiptDate": 1764115200000,
            "bill": {
                "consumerCode": "PGR-1",
                "billDetails": [{"billAccountDetails": [{"taxHeadCode": "FEE", "amount": 250}]}],
            },
        }
    ],
}
COMPLAINT: dict[str, Any] = {
    "service": {
        "serviceRequestId": "PB-PGR-2026-11-26-000123",
        "serviceCode": "StreetLightNotWorking",
        "description": "Street light not working",
        "address": {"locality": {"code": "SUN04"}},
        "auditDetails": {"createdTime": 1764115200000},
        "applicationStatus": "PENDINGFORASSIGNMENT",
    }
}


def _client(platform: Platform) -> InProcessPdfClient:
    client = platform.get(PDF_CLIENT)
    assert isinstance(client, InProcessPdfClient)
    return client


def pdf_text(pdf: bytes) -> str:
    """The PDF's text without spaces or control characters (extraction of shaped Indic text inserts both)."""
    reader = PdfReader(io.BytesIO(pdf))
    return _squeezed("".join(page.extract_text() for page in reader.pages))


def _squeezed(text: str) -> str:
    return re.sub(r"[\x00-\x1f\s]", "", text)


async def test_render_receipt_in_english_shows_labels_and_values(platform: Platform) -> None:
    pdf = await _client(platform).render(
        key="consolidatedreceipt", tenant_id="pb.amritsar", locale="en_IN", data={"Payments": [PAYMENT]}
    )

    text = pdf_text(pdf)
    assert pdf.startswith(b"%PDF")
    for expected in ("Payment Receipt", "Receipt No.", "RCPT/2026-27/000042", "Cash", "250.00", "26/11/2025"):
        assert _squeezed(expected) in text


async def test_render_receipt_in_hindi_shapes_devanagari(platform: Platform) -> None:
    pdf = await _client(platform).render(
        key="consolidatedreceipt", tenant_id="pb.amritsar", locale="hi_IN", data={"Payments": [PAYMENT]}
    )

    text = pdf_text(pdf)
    for expected in ("भुगतान रसीद", "रसीद संख्या", "नकद", "RCPT/2026-27/000042"):
        assert _squeezed(expected) in text


async def test_render_receipt_has_a_qr_code_image(platform: Platform) -> None:
    pdf = await _client(platform).render(
        key="consolidatedreceipt", tenant_id="pb.amritsar", locale="en_IN", data={"Payments": [PAYMENT]}
    )

    page = PdfReader(io.BytesIO(pdf)).pages[0]
    assert len(page.images) == 1
    assert "/digit-ui/citizen/payment/verify/RCPT/2026-27/000042?tenantId=pb.amritsar" in pdf_text(pdf)


async def test_render_pgr_acknowledgement_in_hindi(platform: Platform) -> None:
    pdf = await _client(platform).render(
        key="pgr-acknowledgement", tenant_id="pb.amritsar", locale="hi_IN", data={"ServiceWrappers": [COMPLAINT]}
    )

    text = pdf_text(pdf)
    for expected in ("शिकायत पावती", "शिकायत संख्या", "PB-PGR-2026-11-26-000123", "SUN04", "इलाका"):
        assert _squeezed(expected) in text


async def test_render_with_unknown_key_is_invalid_key(platform: Platform) -> None:
    with pytest.raises(Invalid) as raised:
        await _client(platform).render(key="no-such-key", tenant_id="pb.amritsar", locale="en_IN", data={})

    assert raised.value.code == "INVALID_KEY"


async def test_render_without_required_fields_names_them(platform: Platform) -> None:
    payment = {**PAYMENT, "paymentMode": None, "paymentDetails": [{"bill": {}}]}

    with pytest.raises(Invalid) as raised:
        await _client(platform).render(
            key="consolidatedreceipt", tenant_id="pb.amritsar", locale="en_IN", data={"Payments": [payment]}
        )

    assert raised.value.code == "PDF_DATA_MISSING"
    assert raised.value.params == [
        "Payments[0].paymentDetails[0].receiptNumber",
        "Payments[0].paymentDetails[0].receiptDate",
        "Payments[0].paymentMode",
    ]
