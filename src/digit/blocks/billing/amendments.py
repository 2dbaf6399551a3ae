"""Bill amendments (billing-service `/amendment/_create|_search|_update`), as DIGIT runs them without a
workflow: a new amendment is ACTIVE and the next bill of its consumer code folds its amounts into the
consumer's latest open demand (as demand details), after which it is CONSUMED. `_update` only moves
amendments through a workflow, which DIGIT's default (and ours) does not configure: it answers DIGIT's error.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from digit.blocks.billing.models import AmendmentRow, DemandDetailRow, DemandRow
from digit.blocks.billing.schemas import Amendment, AmendmentStatus, money_out
from digit.kernel.db import stamp
from digit.kernel.errors import Invalid, NotFound
from digit.kernel.security import Actor

log = logging.getLogger(__name__)

MAX_RESULTS = 500


def check_amendment(amendment: Amendment, *, business_service: dict[str, Any] | None, tax_head_codes: set[str]) -> None:
    """DIGIT's AmendmentValidator for create (the business-service switch first, then the rest at once)."""
    if business_service is None:
        raise Invalid(
            "EG_BS_AMENDMENT_BUSINESS_ERROR",
            f"Business service not found for the given code : {amendment.business_service}",
        )
    if not business_service.get("isBillAmendmentEnabled"):
        raise Invalid(
            "EG_BS_AMENDMENT_DISABLED_ERROR",
            f"Amendment is disabled for the given Business-service : {amendment.business_service}",
        )
    faults: list[tuple[str, str]] = []
    positive = [d for d in amendment.demand_details if d.tax_amount >= 0]
    if positive and len(positive) != len(amendment.demand_details):
        faults.append(("EG_BS_AMENDMENT_TAXAMOUNT_ERROR", "All Tax amounts should either be positive or negative"))
    missing = [d.tax_head_master_code for d in amendment.demand_details if d.tax_head_master_code not in tax_head_codes]
    if not tax_head_codes:
        faults.append(
            (
                "EG_BS_AMENDMENT_TAXHEAD_ERROR",
                f"No taxheads found for the given business service : {amendment.business_service}",
            )
        )
    elif missing:
        faults.append(("EG_BS_AMENDMENT_TAXHEAD_ERROR", f"Taxheads not found for the following codes : {missing}"))
    if amendment.effective_from is None and amendment.effective_till is not None:
        faults.append(("EG_BS_AMENDMENT_PERIOD_ERROR", "End period cannot be given without from period"))
    elif (
        amendment.effective_from is not None
        and amendment.effective_till is not None
        and amendment.effective_from >= amendment.effective_till
    ):
        faults.append(
            ("EG_BS_AMENDMENT_PERIOD_ERROR", "From period cannot be greater or equal to end period in amendment")
        )
    if faults:
        raise Invalid.many(faults)


def amendment_wire(row: AmendmentRow) -> dict[str, Any]:
    return {
        "id": row.id,
        "tenantId": row.tenant_id,
        "amendmentId": row.amendment_id,
        "businessService": row.business_service,
        "consumerCode": row.consumer_code,
        "amendmentReason": row.amendment_reason,
        "reasonDocumentNumber": row.reason_document_number,
        "status": row.status,
        "effectiveFrom": row.effective_from,
        "effectiveTill": row.effective_till,
        "demandDetails": row.demand_details,
        "documents": row.documents,
        "additionalDetails": row.additional_details,
        "auditDetails": row.audit_details(),
    }


async def create_amendment(
    session: AsyncSession, *, amendment: Amendment, amendment_id: str, actor: Actor, now_ms: int
) -> dict[str, Any]:
    row = AmendmentRow(
        tenant_id=amendment.tenant_id,
        amendment_id=amendment_id,
        consumer_code=amendment.consumer_code,
        business_service=amendment.business_service,
        amendment_reason=amendment.amendment_reason,
        reason_document_number=amendment.reason_document_number,
        status=AmendmentStatus.ACTIVE,
        effective_from=amendment.effective_from,
        effective_till=amendment.effective_till,
        demand_details=[
            {"taxHeadMasterCode": d.tax_head_master_code, "taxAmount": money_out(d.tax_amount)}
            for d in amendment.demand_details
        ],
        documents=amendment.documents,
        additional_details=amendment.additional_details,
    )
    stamp(row, actor_uuid=actor.uuid, now_ms=now_ms)
    session.add(row)
    await session.flush()
    log.info("amendment_created", extra={"tenant_id": row.tenant_id, "amendment_id": row.amendment_id})
    return amendment_wire(row)


async def search_amendments(
    session: AsyncSession,
    *,
    tenant_id: str,
    consumer_codes: Sequence[str],
    business_service: str | None,
    amendment_ids: Sequence[str],
    statuses: Sequence[str],
) -> list[dict[str, Any]]:
    if consumer_codes and not business_service:
        raise Invalid(
            "EG_BS_AMENDMENT_CRITERIA_ERROR", "Consumer codes require businesService as mandatory parameter for search"
        )
    query = select(AmendmentRow).where(AmendmentRow.tenant_id == tenant_id)
    if consumer_codes:
        query = query.where(AmendmentRow.consumer_code.in_(consumer_codes))
    if business_service:
        query = query.where(AmendmentRow.business_service == business_service)
    if amendment_ids:
        query = query.where(AmendmentRow.amendment_id.in_(amendment_ids))
    if statuses:
        query = query.where(AmendmentRow.status.in_(statuses))
    rows = await session.scalars(query.order_by(AmendmentRow.created_time.desc()).limit(MAX_RESULTS))
    return [amendment_wire(r) for r in rows]


async def get_amendment(session: AsyncSession, *, tenant_id: str, amendment_id: str) -> dict[str, Any]:
    """The amendment of this id, as search answers it; 404 when it is gone."""
    found = await search_amendments(
        session,
        tenant_id=tenant_id,
        consumer_codes=[],
        business_service=None,
        amendment_ids=[amendment_id],
        statuses=[],
    )
    if not found:
        raise NotFound("EG_BS_AMENDMENT_NOT_FOUND", "the amendment this Idempotency-Key made is not found")
    return found[0]


async def consume_active(session: AsyncSession, *, demand: DemandRow, actor: Actor, now_ms: int) -> list[str]:
    """Fold the consumer code's ACTIVE amendments in effect now into `demand` (new demand details); they
    become CONSUMED. Returns their amendmentIds (the caller records the demand's history)."""
    rows = list(
        await session.scalars(
            select(AmendmentRow)
            .where(
                AmendmentRow.tenant_id == demand.tenant_id,
                AmendmentRow.consumer_code == demand.consumer_code,
                AmendmentRow.business_service == demand.business_service,
                AmendmentRow.status == AmendmentStatus.ACTIVE,
                or_(AmendmentRow.effective_from.is_(None), AmendmentRow.effective_from <= now_ms),
                or_(AmendmentRow.effective_till.is_(None), AmendmentRow.effective_till >= now_ms),
            )
            .order_by(AmendmentRow.created_time)
            .with_for_update()
        )
    )
    for row in rows:
        for detail in row.demand_details:
            added = DemandDetailRow(
                tenant_id=demand.tenant_id,
                demand_id=demand.id,
                tax_head_code=str(detail["taxHeadMasterCode"]),
                tax_amount=Decimal(str(detail["taxAmount"])),
                collection_amount=Decimal(0),
                additional_details={"amendmentId": row.amendment_id},
            )
            stamp(added, actor_uuid=actor.uuid, now_ms=now_ms)
            demand.details.append(added)
        row.status = AmendmentStatus.CONSUMED
        stamp(row, actor_uuid=actor.uuid, now_ms=now_ms)
    if rows:
        stamp(demand, actor_uuid=actor.uuid, now_ms=now_ms)
        await session.flush()
    return [row.amendment_id for row in rows]
