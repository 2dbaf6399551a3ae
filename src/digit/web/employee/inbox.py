"""The inbox: the working city's complaints from `/inbox/v2/_search`, with counts per status, SLA left,
filters (status, locality, complaint type, assigned to me), search by complaint number or citizen
mobile number (PGR `_search`, which does both), and pages.

Every filter is a GET parameter, so the page works without JavaScript and a filtered inbox is a link.
"""

from __future__ import annotations

import asyncio
import re
from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi.responses import Response

from digit.blocks.workflow.client import WORKFLOW_CLIENT
from digit.web.backend import ApiError
from digit.web.citizen.complaints import complaint_types, localities, locality_label, status_label, type_label
from digit.web.employee.desk import INBOX, Desk, open_desk, sla_left
from digit.web.layout import EMPLOYEE_PREFIX, WebContext, WebDep

router = APIRouter(prefix=EMPLOYEE_PREFIX, include_in_schema=False)

PAGE_SIZE = 20
MOBILE = re.compile(r"^[0-9]{10}$")


async def statuses(web: WebContext) -> list[tuple[str, str]]:
    """The complaint statuses an inbox may hold: the application statuses of PGR's workflow states.

    Read through the workflow client, whose configs are cached per process (dropped on every save, in any
    process, by the `workflow-config` counter), rather than by `businessservice/_search`, a statement a page."""
    workflow = web.platform.find(WORKFLOW_CLIENT)
    config = await workflow.business_service(tenant_id=web.city, code="PGR") if workflow is not None else None
    found: list[tuple[str, str]] = []
    for state in config.states if config else []:
        status = state.application_status
        if status and all(status != code for code, _ in found):
            found.append((str(status), status_label(web, status)))
    return found


def _row(web: WebContext, service: dict[str, Any], instance: dict[str, Any] | None) -> dict[str, Any]:
    locality = ((service.get("address") or {}).get("locality") or {}).get("code") or ""
    return {
        "id": service.get("serviceRequestId"),
        "type": type_label(web, str(service.get("serviceCode") or "")),
        "locality": locality_label(web, str(service.get("tenantId") or web.city), locality) if locality else "",
        "status": status_label(web, service.get("applicationStatus")),
        "filed": (service.get("auditDetails") or {}).get("createdTime"),
        "sla": sla_left((instance or {}).get("businesssServiceSla")),
    }


async def _find(web: WebContext, query: str) -> list[dict[str, Any]]:
    """Complaints by citizen mobile number (ten digits) or else by complaint number, through PGR `_search`."""
    mobile, number = (query, None) if MOBILE.match(query) else (None, query)
    body = await web.backend.post(
        "/pgr-services/v2/request/_search",
        tenantId=web.city,
        limit=PAGE_SIZE,
        mobileNumber=mobile,
        serviceRequestId=number,
    )
    return [_row(web, w["service"], None) for w in body.get("ServiceWrappers") or []]


def _inbox_criteria(
    web: WebContext, *, status: str, locality: str, service_code: str, mine: str, page: int
) -> dict[str, Any]:
    """The `/inbox/v2/_search` body for the filters: only the filters set narrow the search."""
    module: dict[str, Any] = {}
    if locality:
        module["locality"] = [locality]
    if service_code:
        module["serviceCode"] = service_code
    process: dict[str, Any] = {"businessService": ["PGR"], "moduleName": "pgr-services"}
    if status:
        process["status"] = [status]
    if mine:
        process["assignee"] = "me"
    return {
        "inbox": {
            "tenantId": web.city,
            "processSearchCriteria": process,
            "moduleSearchCriteria": module,
            "offset": page * PAGE_SIZE,
            "limit": PAGE_SIZE,
        }
    }


async def _inbox_page(
    web: WebContext, *, status: str, locality: str, service_code: str, mine: str, page: int
) -> tuple[list[dict[str, Any]], list[dict[str, Any]], int]:
    """One page of the filtered inbox: its rows, the counts per status, and the total."""
    criteria_body = _inbox_criteria(
        web, status=status, locality=locality, service_code=service_code, mine=mine, page=page
    )
    body = await web.backend.post("/inbox/v2/_search", criteria_body)
    total = int(body.get("totalCount") or 0)
    rows = [_row(web, i.get("businessObject") or {}, i.get("ProcessInstance")) for i in body.get("items") or []]
    counts = [
        {
            "code": s.get("applicationstatus"),
            "label": status_label(web, s.get("applicationstatus")),
            "count": s.get("count"),
        }
        for s in body.get("statusMap") or []
    ]
    return rows, counts, total


async def _results(
    web: WebContext, filters: dict[str, str], page: int
) -> tuple[list[dict[str, Any]], list[dict[str, Any]], int, str]:
    """The rows, counts per status and total the filters select, or the platform's refusal as a message."""
    try:
        if filters["q"]:
            found = await _find(web, filters["q"])
            return found, [], len(found), ""
        rows, counts, total = await _inbox_page(
            web,
            status=filters["status"],
            locality=filters["locality"],
            service_code=filters["serviceCode"],
            mine=filters["mine"],
            page=page,
        )
    except ApiError as failure:
        return [], [], 0, web.error_text(failure)
    return rows, counts, total, ""


@router.get("/inbox")
async def inbox(
    web: WebDep,
    status: str = "",
    locality: str = "",
    service_code: Annotated[str, Query(alias="serviceCode", max_length=128)] = "",
    mine: str = "",
    q: Annotated[str, Query(max_length=64)] = "",
    page: Annotated[int, Query(ge=0, le=100_000)] = 0,
) -> Response:
    desk = await open_desk(web, INBOX)
    if not isinstance(desk, Desk):
        return desk
    filters = {"status": status, "locality": locality, "serviceCode": service_code, "mine": mine, "q": q.strip()}
    (rows, counts, total, error), choices = await asyncio.gather(  # the filter's choices come while it searches
        _results(web, filters, page), statuses(web)
    )
    last_page = max(0, (total - 1) // PAGE_SIZE)
    link = {k: v for k, v in filters.items() if v}
    return await desk.render(
        "employee/inbox.html",
        status=400 if error else 200,
        rows=rows,
        counts=counts,
        total=total,
        filters=filters,
        error=error,
        page=page,
        pages=last_page + 1,
        previous=web.url(f"{EMPLOYEE_PREFIX}/inbox", **link, page=page - 1) if page > 0 else None,
        next_page=web.url(f"{EMPLOYEE_PREFIX}/inbox", **link, page=page + 1) if page < last_page else None,
        status_link=lambda code: web.url(f"{EMPLOYEE_PREFIX}/inbox", **{**link, "status": code}),
        statuses=choices,
        localities=await localities(web, web.city),
        types=await complaint_types(web, web.city),
    )
