"""Complaints: file one (type, locality, landmark, description, location, photos), my complaints, a
complaint's page (timeline, rate, reopen, acknowledgement PDF).

Everything goes through PGR's DIGIT API as the citizen: `_create`, `_search` (a citizen sees only
their own, so another citizen's id is a 404 here), `_update` with RATE / REOPEN (the actions offered
are the workflow's `nextActions` for this citizen), `_acknowledgement`, and the workflow's process
history. Complaint types come from MDMS `RAINMAKER-PGR.ServiceDefs`, localities from boundaries.
"""

from __future__ import annotations

import itertools
from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi.responses import Response
from starlette.datastructures import UploadFile

from digit.blocks.boundary.client import BOUNDARY_CLIENT
from digit.blocks.mdms.client import MDMS_CLIENT
from digit.web.backend import ApiError, answered
from digit.web.i18n import code_of
from digit.web.layout import CITIZEN_PREFIX, WebContext, WebDep, login_redirect

router = APIRouter(prefix=CITIZEN_PREFIX, include_in_schema=False)
TenantQuery = Annotated[str | None, Query(alias="tenantId")]

PGR = "/pgr-services/v2/request"
MAX_PHOTOS = 3
DEFAULT_REOPEN_SLA_MS = 5 * 24 * 3600 * 1000  # DIGIT's when RAINMAKER-PGR.UIConstants has no REOPENSLA
MAX_PHOTO_BYTES = 5 * 1024 * 1024
CITIZEN_ACTIONS = ("RATE", "REOPEN")
FIELD_OF_ERROR = {
    "INVALID_SERVICECODE": "serviceCode",
    "INVALID_LOCALITY": "locality",
    "INVALID_FILESTORE_ID": "photos",
    "EG_FILESTORE_INVALID_INPUT": "photos",
    "INVALID_RATING": "rating",
    "REOPEN_WINDOW_EXPIRED": "reopen",
}
WIRE_FIELDS = ("serviceCode", "description", "locality", "landmark", "latitude", "longitude")


def _field_of(error: ApiError, default: str) -> str:
    for code in (*error.codes, error.code):
        if code in FIELD_OF_ERROR:
            return FIELD_OF_ERROR[code]
    for name in WIRE_FIELDS:
        if name.lower() in error.message.lower():
            return name
    return default


async def complaint_types(web: WebContext, tenant_id: str) -> list[tuple[str, list[tuple[str, str]]]]:
    """ServiceDefs grouped by menu path, as DIGIT's UI groups them: [(group label, [(code, label)])]."""
    mdms = web.platform.get(MDMS_CLIENT)
    records = await mdms.get_master(tenant_id=tenant_id, module="RAINMAKER-PGR", master="ServiceDefs")
    active = [r for r in records if isinstance(r, dict) and r.get("active", True) and r.get("serviceCode")]
    active.sort(key=lambda r: (str(r.get("menuPath") or ""), r.get("order") or 0))
    groups = []
    for menu, items in itertools.groupby(active, key=lambda r: str(r.get("menuPath") or "Others")):
        label = web.t(f"SERVICEDEFS_{code_of(menu)}", default=menu)
        options = [(str(r["serviceCode"]), type_label(web, str(r["serviceCode"]), r.get("name"))) for r in items]
        groups.append((label, options))
    return groups


def type_label(web: WebContext, service_code: str, name: object = None) -> str:
    return web.t(f"SERVICEDEFS_{code_of(service_code)}", default=str(name or service_code))


async def localities(web: WebContext, tenant_id: str) -> list[tuple[str, str]]:
    boundaries = web.platform.get(BOUNDARY_CLIENT)
    found = []
    for node in await boundaries.localities(tenant_id):
        found.append((node.code, locality_label(web, tenant_id, node.code, node.name)))
    return sorted(found, key=lambda item: item[1])


def locality_label(web: WebContext, tenant_id: str, code: str, name: object = None) -> str:
    return web.t(f"{code_of(tenant_id)}_ADMIN_{code_of(code)}", default=str(name or code))


def status_label(web: WebContext, status: object) -> str:
    return web.t(f"CS_COMMON_{status}", default=str(status or ""))


async def _form_page(web: WebContext, *, values: dict[str, str], errors: dict[str, str], status: int = 200) -> Response:
    tenant_id = values.get("tenantId") or web.city
    return await web.render(
        "citizen/complaint_new.html",
        status=status,
        tenant_id=tenant_id,
        types=await complaint_types(web, tenant_id),
        localities=await localities(web, tenant_id),
        values=values,
        errors=errors,
        max_photos=MAX_PHOTOS,
    )


@router.get("/pgr/create-complaint")
async def new_complaint(web: WebDep) -> Response:
    if web.user is None:
        return login_redirect(web)
    return await _form_page(web, values={"tenantId": web.city}, errors={})


async def upload_photos(web: WebContext, tenant_id: str, files: list[UploadFile]) -> list[dict[str, str]]:
    """Photos to the filestore (at most MAX_PHOTOS), as the workflow's verification documents; shared by both apps."""
    uploads = []
    for item in files[:MAX_PHOTOS]:
        content = await item.read()
        if content:
            uploads.append((item.filename or "photo", content, item.content_type or "application/octet-stream"))
    if not uploads:
        return []
    body = await web.backend.upload(
        "/filestore/v1/files", fields={"tenantId": tenant_id, "module": "rainmaker-pgr"}, files=uploads
    )
    return [{"documentType": "PHOTO", "fileStoreId": f["fileStoreId"]} for f in body.get("files", [])]


@router.post("/pgr/create-complaint")
async def file_complaint(web: WebDep) -> Response:
    """Upload the photos to the filestore, then PGR `_create` with them as verification documents."""
    if web.user is None:
        return login_redirect(web)
    form = await web.form()
    if form is None:
        return await web.refused()
    values = {
        k: str(form.get(k, "")).strip()
        for k in ("tenantId", "serviceCode", "locality", "landmark", "description", "latitude", "longitude")
    }
    tenant_id = values["tenantId"] if values["tenantId"] in [c.code for c in web.cities] else web.city
    values["tenantId"] = tenant_id
    files = [f for f in form.getlist("photos") if isinstance(f, UploadFile) and f.filename]
    if len(files) > MAX_PHOTOS:
        return await _form_page(web, values=values, errors={"photos": web.t("CU_ERR_TOO_MANY_PHOTOS")}, status=400)
    address: dict[str, Any] = {"city": tenant_id, "locality": {"code": values["locality"]}}
    if values["landmark"]:
        address["landmark"] = values["landmark"]
    try:
        latitude, longitude = float(values["latitude"]), float(values["longitude"])
        address["geoLocation"] = {"latitude": latitude, "longitude": longitude}
    except ValueError:
        pass  # no location shared: it is optional
    service = {
        "tenantId": tenant_id,
        "serviceCode": values["serviceCode"],
        "description": values["description"],
        "source": "web",
        "address": address,
    }
    try:
        documents = await upload_photos(web, tenant_id, files)
        body = await web.backend.post(
            f"{PGR}/_create",
            {"service": service, "workflow": {"action": "APPLY", "verificationDocuments": documents}},
            tenantId=tenant_id,
        )
    except ApiError as error:
        errors = {_field_of(error, "form"): web.error_text(error)}
        return await _form_page(web, values=values, errors=errors, status=400)
    created = body["ServiceWrappers"][0]["service"]
    return web.redirect(web.url(f"{CITIZEN_PREFIX}/pgr/response", id=created["serviceRequestId"], tenantId=tenant_id))


@router.get("/pgr/response")
async def complaint_filed(web: WebDep, id: str = "", tenant_id: TenantQuery = None) -> Response:
    """The confirmation page with the complaint number."""
    if web.user is None:
        return login_redirect(web)
    found = await _find(web, id, tenant_id)
    if found is None:
        return await web.not_found()
    return await web.render("citizen/complaint_filed.html", service=found["service"])


async def _find(web: WebContext, service_request_id: str, tenant_id: str | None) -> dict[str, Any] | None:
    """The citizen's own complaint (PGR answers nothing for another's), looked for in its city or all."""
    if not service_request_id:
        return None
    cities = [tenant_id] if tenant_id in [c.code for c in web.cities] else [c.code for c in web.cities]
    for city in cities:
        try:
            body = await web.backend.post(f"{PGR}/_search", tenantId=city, serviceRequestId=service_request_id)
        except ApiError:
            continue
        wrappers = body.get("ServiceWrappers") or []
        if wrappers:
            found: dict[str, Any] = wrappers[0]
            return found
    return None


@router.get("/pgr/complaints")
async def my_complaints(web: WebDep) -> Response:
    """Every complaint of the citizen, newest first, in every city of the state."""
    if web.user is None:
        return login_redirect(web)
    found = await answered(web.backend.post(f"{PGR}/_search", tenantId=c.code, limit=100) for c in web.cities)
    items: list[dict[str, Any]] = [w["service"] for body in found for w in body.get("ServiceWrappers") or []]
    items.sort(key=lambda s: (s.get("auditDetails") or {}).get("createdTime") or 0, reverse=True)
    rows = [
        {
            "id": s["serviceRequestId"],
            "tenant_id": s["tenantId"],
            "type": type_label(web, s["serviceCode"]),
            "status": status_label(web, s.get("applicationStatus")),
            "status_code": s.get("applicationStatus"),
            "filed": (s.get("auditDetails") or {}).get("createdTime"),
        }
        for s in items
    ]
    return await web.render("citizen/complaints.html", rows=rows)


async def process_instances(web: WebContext, service: dict[str, Any]) -> list[dict[str, Any]]:
    """The workflow's history of the complaint, newest first ([] when the API refuses); shared by both apps."""
    try:
        body = await web.backend.post(
            "/egov-workflow-v2/egov-wf/process/_search",
            tenantId=service["tenantId"],
            businessIds=service["serviceRequestId"],
            history="true",
        )
    except ApiError:
        return []
    return sorted(
        body.get("ProcessInstances") or [],
        key=lambda i: (i.get("auditDetails") or {}).get("createdTime") or 0,
        reverse=True,
    )


def timeline_step(web: WebContext, instance: dict[str, Any], *, by: str, to: str = "") -> dict[str, Any]:
    """One process instance as a timeline entry (who is said by the caller: each app names people its way)."""
    state = instance.get("state") or {}
    return {
        "action": web.t(f"CS_ACTION_{instance.get('action')}", default=str(instance.get("action"))),
        "status": status_label(web, state.get("applicationStatus") or state.get("state")),
        "by": by,
        "to": to,
        "when": (instance.get("auditDetails") or {}).get("createdTime"),
        "comment": instance.get("comment"),
        "rating": instance.get("rating"),
        "photos": [d.get("fileStoreId") for d in instance.get("documents") or [] if d.get("fileStoreId")],
    }


async def _history(web: WebContext, service: dict[str, Any]) -> tuple[list[dict[str, Any]], set[str]]:
    """The complaint's timeline, and the actions the citizen may take now (the newest instance's
    `nextActions`, which the workflow computes for the caller)."""
    instances = await process_instances(web, service)
    offered = {str(a.get("action")) for a in (instances[0].get("nextActions") or [])} if instances else set()
    me = web.user.uuid if web.user else None
    by_you, by_staff = web.t("CU_TIMELINE_BY_YOU"), web.t("CU_TIMELINE_BY_STAFF")
    steps = [
        timeline_step(web, i, by=by_you if (i.get("assigner") or {}).get("uuid") == me else by_staff) for i in instances
    ]
    return steps, offered


def complaint_facts(web: WebContext, service: dict[str, Any], *, locality_name: object = None) -> dict[str, Any]:
    """What both apps' complaint pages show of a complaint, labelled in the reader's language (the locality by
    its message, else `locality_name`, the boundary's name PGR's search does not carry, else its code)."""
    address = service.get("address") or {}
    code = (address.get("locality") or {}).get("code") or ""
    return {
        "service": service,
        "type": type_label(web, service["serviceCode"]),
        "status_text": status_label(web, service.get("applicationStatus")),
        "locality": locality_label(web, service["tenantId"], code, locality_name or code),
        "landmark": address.get("landmark"),
    }


async def boundary_name(web: WebContext, tenant_id: str, code: str) -> str | None:
    """A locality's name in the boundary hierarchy, for a page that has only its code."""
    found = await web.platform.get(BOUNDARY_CLIENT).get_boundaries(tenant_id, [code]) if code else {}
    boundary = found.get(code)
    return boundary.name if boundary else None


async def reopen_open(web: WebContext, service: dict[str, Any]) -> bool:
    """Whether the reopen window is still open: `RAINMAKER-PGR.UIConstants.REOPENSLA` after the complaint's last
    change, the setting DIGIT-UI reads to offer REOPEN. PGR refuses a late REOPEN all the same; this only keeps
    the page from offering what would be refused."""
    mdms = web.platform.get(MDMS_CLIENT)
    constants = await mdms.get_master(tenant_id=service["tenantId"], module="RAINMAKER-PGR", master="UIConstants")
    sla = next(
        (c["REOPENSLA"] for c in constants if isinstance(c, dict) and isinstance(c.get("REOPENSLA"), int | float)), None
    )
    changed = (service.get("auditDetails") or {}).get("lastModifiedTime")
    if not isinstance(changed, int):
        return True
    return web.platform.clock.now_ms() - changed <= (sla if sla is not None else DEFAULT_REOPEN_SLA_MS)


async def _complaint_page(
    web: WebContext,
    found: dict[str, Any],
    *,
    errors: dict[str, str] | None = None,
    status: int = 200,
    values: dict[str, str] | None = None,
) -> Response:
    service = found["service"]
    timeline, offered = await _history(web, service)
    if "REOPEN" in offered and not await reopen_open(web, service):
        offered.discard("REOPEN")
    actions = [a for a in CITIZEN_ACTIONS if a in offered]
    locality = ((service.get("address") or {}).get("locality") or {}).get("code") or ""
    return await web.render(
        "citizen/complaint.html",
        status=status,
        **complaint_facts(web, service, locality_name=await boundary_name(web, service["tenantId"], locality)),
        timeline=timeline,
        actions=actions,
        errors=errors or {},
        values=values or {},
    )


@router.get("/pgr/complaints/{service_request_id}")
async def complaint_page(web: WebDep, service_request_id: str, tenant_id: TenantQuery = None) -> Response:
    """The page the SMS, in-app messages and QR codes link to (after login when needed)."""
    if web.user is None:
        return login_redirect(web)
    found = await _find(web, service_request_id, tenant_id)
    if found is None:
        return await web.not_found()
    return await _complaint_page(web, found)


@router.post("/pgr/complaints/{service_request_id}")
async def act_on_complaint(web: WebDep, service_request_id: str, tenant_id: TenantQuery = None) -> Response:
    """RATE (1-5 and a comment) or REOPEN (with a reason): PGR `_update` as the citizen."""
    if web.user is None:
        return login_redirect(web)
    form = await web.form()
    if form is None:
        return await web.refused()
    found = await _find(web, service_request_id, tenant_id)
    if found is None:
        return await web.not_found()
    action = str(form.get("action", ""))
    comment = str(form.get("comment", "")).strip()
    values = {"comment": comment, "rating": str(form.get("rating", "")), "action": action}
    service = dict(found["service"])
    if action not in CITIZEN_ACTIONS:
        return await _complaint_page(web, found, errors={"form": web.t("CU_ERR_GENERIC")}, status=400, values=values)
    if action == "RATE":
        try:
            service["rating"] = int(values["rating"])
        except ValueError:
            errors = {"rating": web.t("CU_ERR_INVALID_RATING")}
            return await _complaint_page(web, found, errors=errors, status=400, values=values)
    workflow: dict[str, Any] = {"action": action}
    if comment:
        workflow["comments"] = comment
    try:
        await web.backend.post(f"{PGR}/_update", {"service": service, "workflow": workflow})
    except ApiError as error:
        errors = {_field_of(error, action.lower()): web.error_text(error)}
        return await _complaint_page(web, found, errors=errors, status=400, values=values)
    return web.redirect(web.url(f"{CITIZEN_PREFIX}/pgr/complaints/{service_request_id}", tenantId=service["tenantId"]))


@router.get("/pgr/complaints/{service_request_id}/acknowledgement.pdf")
async def acknowledgement(web: WebDep, service_request_id: str, tenant_id: TenantQuery = None) -> Response:
    if web.user is None:
        return login_redirect(web)
    found = await _find(web, service_request_id, tenant_id)
    if found is None:
        return await web.not_found()
    pdf = await web.backend.post_bytes(
        f"{PGR}/_acknowledgement",
        tenantId=found["service"]["tenantId"],
        serviceRequestId=service_request_id,
        locale=web.locale,
    )
    disposition = f'attachment; filename="{service_request_id}.pdf"'
    return web.finish(Response(pdf.content, media_type="application/pdf", headers={"content-disposition": disposition}))


@router.get("/files/{file_store_id}")
async def photo(web: WebDep, file_store_id: str, tenant_id: TenantQuery = None) -> Response:
    """A complaint photo for <img>: the filestore's bytes, fetched with the session's token."""
    if web.user is None:
        return await web.not_found()
    try:
        found = await web.backend.get_bytes(
            "/filestore/v1/files/id", tenantId=tenant_id or web.city, fileStoreId=file_store_id
        )
    except ApiError:
        return await web.not_found()
    content_type = found.headers.get("content-type", "application/octet-stream")
    if not content_type.startswith("image/"):
        return await web.not_found()
    response = Response(found.content, media_type=content_type)
    web.finish(response)
    response.headers["Cache-Control"] = "private, max-age=3600"
    return response
