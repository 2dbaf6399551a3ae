"""Collection: counter and online payments, receipts, cancellation; events for the services that wait on payment."""

from __future__ import annotations

import logging

from digit.blocks.collection import service
from digit.blocks.collection.api import MODULE_SEARCH, router
from digit.blocks.collection.client import COLLECTION_CLIENT, InProcessCollectionClient
from digit.blocks.collection.deps import COLLECTION_DEPS, CollectionDeps
from digit.kernel.blocks import Block
from digit.kernel.events import Consumer, Event, delivery_session
from digit.kernel.platform import Platform
from digit.kernel.security import Actor

log = logging.getLogger(__name__)
RECEIPT_PDF_KEY = "consolidatedreceipt"


def install(platform: Platform) -> None:
    deps = CollectionDeps.of(platform)
    platform.provide(COLLECTION_DEPS, deps)
    platform.provide(COLLECTION_CLIENT, InProcessCollectionClient(deps))


async def make_receipt_pdf(platform: Platform, event: Event) -> None:
    """On each payment: render the receipt (pdf key `consolidatedreceipt`) and keep its fileStoreId on the payment."""
    deps = platform.get(COLLECTION_DEPS)
    pdf = deps.pdf  # optional: without the pdf block, payments have no receipt PDF
    session = delivery_session()
    if pdf is None or session is None:
        return
    tenant_id = event.data["tenantId"]
    payment = await service.get_payment(session, deps, tenant_id=tenant_id, payment_id=event.data["paymentId"])
    if payment.file_store_id:
        return
    file_store_ids = await pdf.create(
        key=RECEIPT_PDF_KEY,
        tenant_id=tenant_id,
        locale="en_IN",
        data={"Payments": [payment.wire()]},
        actor=Actor.system(tenant_id),
        session=session,
    )
    if file_store_ids:
        await service.attach_receipt(
            session, tenant_id=tenant_id, payment_id=payment.id or "", file_store_id=file_store_ids[0]
        )
        log.info("receipt_pdf_attached", extra={"payment_id": payment.id})


BLOCK = Block(
    name="collection",
    routers=[router],
    depends=("billing", "mdms", "idgen", "encryption"),
    optional=("pdf",),
    install=install,
    consumers=(Consumer("collection-receipt-pdf", (service.TOPIC_CREATE,), make_receipt_pdf),),
    anonymous_routes=(MODULE_SEARCH,),
)
