"""A complaint as an employee sees it, the actions the workflow allows them now, and a CSR filing one for a
citizen.

- Details, photos and the timeline come from PGR `_search` and the workflow's process history; the
  citizen shows masked (PGR masks for every employee). "Show contact" asks the user block for the
  citizen (`/user/_search` with a purpose): it answers in clear only when the role's data-security
  policy allows, and records the read in its PII audit.
- The actions offered are the newest process instance's `nextActions`, which the workflow computes
  for this employee; the assignees offered are HRMS's PGR_LME employees of the complaint's department.
  Each action is PGR `_update`, with photos uploaded to the filestore first.
- Filing for a citizen is PGR `_create` with the citizen's mobile number and name: PGR finds that
  citizen or creates them.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.responses import Response
from starlette.datastructures import UploadFile

from digit.kernel.envelope import UserType
from digit.web.backend import ApiError
from digit.web.citizen.complaints import (
    MAX_PHOTOS,
    boundary_name,
    complaint_facts,
    complaint_types,
    localities,
    process_instances,
    timeline_step,
    upload_photos,
)
from digit.web.employee.desk import COMPLAINT, FILE_COMPLAINT, Desk, open_desk, open_desk_form, sla_left
from digit.web.layout import EMPLOYEE_PREFIX, WebContext, WebDep

router = APIRouter(prefix=EMPLOYEE_PREFIX, include_in_schema=False)

PGR = "/pgr-services/v2/request"
EMPLOYEE_ACTIONS = ("ASSIGN", "REASSIGN", "RESOLVE", "REJECT", "COMMENT")
FIELD_OF_ERROR = {
    "INVALID_ASSIGNMENT": "assignee",
    "INVALID_ASSIGNEE": "assignee",
    "INVALID_REJECTION": "comment",
    "INVALID_FILESTORE_ID": "photos",
    "EG_FILESTORE_INVALID_INPUT": "photos",
    "INVALID_SERVICECODE": "serviceCode",
    "INVALID_LOCALITY": "locality",
    "INVALID_CITIZEN": "mobile",
    "INVALID_MOBILE_NUMBER": "mobile",
}


def _field(error: ApiError, default: str) -> str:
    return next((FIELD_OF_ERROR[c] for c in (*error.codes, error.code) if c in FIELD_OF_ERROR), default)


async def find(web: WebContext, service_request_id: str) -> dict[str, Any] | None:
    """The complaint in the working city, as PGR shows it to this employee; None when it is not there."""
    try:
        body = await web.backend.post(f"{PGR}/_search", tenantId=web.city, serviceRequestId=service_request_id)
    except ApiError:
        return None
    wrappers = body.get("ServiceWrappers") or []
    found: dict[str, Any] | None = wrappers[0] if wrappers else None
    return found


async def _names(web: WebContext, uuids: set[str]) -> dict[str, str]:
    """Employees' names by uuid (HRMS); anyone else (the citizen) is not named here."""
    if not uuids:
        return {}
    try:
        body = await web.backend.post("/egov-hrms/employees/_search", tenantId=web.city, uuids=",".join(sorted(uuids)))
    except ApiError:
        return {}
    return {
        str(e.get("uuid")): str((e.get("user") or {}).get("name") or e.get("code")) for e in body.get("Employees") or []
    }


async def _locality_name(web: WebContext, service: dict[str, Any]) -> str | None:
    code = ((service.get("address") or {}).get("locality") or {}).get("code")
    return await boundary_name(web, service["tenantId"], code) if code else None


async def _history(web: WebContext, service: dict[str, Any]) -> tuple[list[dict[str, Any]], dict[str, Any] | None]:
    """The timeline with employees named (HRMS), and the newest process instance (its next actions, SLA)."""
    instances = await process_instances(web, service)
    people = {str((i.get("assigner") or {}).get("uuid")) for i in instances}
    people |= {str(a.get("uuid")) for i in instances for a in i.get("assignes") or [] if isinstance(a, dict)}
    names = await _names(web, {p for p in people if p and p != "None"})
    by_citizen = web.t("EU_TIMELINE_BY_CITIZEN")
    steps = []
    for instance in instances:
        assigner = str((instance.get("assigner") or {}).get("uuid"))
        assignees = [names.get(str(a.get("uuid")), "") for a in instance.get("assignes") or [] if isinstance(a, dict)]
        to = ", ".join(a for a in assignees if a)
        steps.append(timeline_step(web, instance, by=names.get(assigner) or by_citizen, to=to))
    return steps, instances[0] if instances else None


async def _assignees(web: WebContext, department: object) -> list[tuple[str, str]]:
    """The last-mile employees of the complaint's department in this city."""
    criteria: dict[str, Any] = {"tenantId": web.city, "roles": "PGR_LME", "isActive": "true"}
    if department:
        criteria["departments"] = str(department)
    try:
        body = await web.backend.post("/egov-hrms/employees/_search", **criteria)
    except ApiError:
        return []
    return sorted(
        (
            (str(e["uuid"]), str((e.get("user") or {}).get("name") or e.get("code")))
            for e in body.get("Employees") or []
        ),
        key=lambda item: item[1],
    )


async def _page(
    desk: Desk,
    found: dict[str, Any],
    *,
    errors: dict[str, str] | None = None,
    values: dict[str, str] | None = None,
    contact: dict[str, Any] | None = None,
    status: int = 200,
) -> Response:
    web = desk.web
    service = found["service"]
    timeline, latest = await _history(web, service)
    offered = [str(a.get("action")) for a in (latest or {}).get("nextActions") or []]
    actions = [a for a in EMPLOYEE_ACTIONS if a in offered]
    department = ((latest or {}).get("additionalDetails") or {}).get("department")
    assignees = await _assignees(web, department) if {"ASSIGN", "REASSIGN"} & set(actions) else []
    photos = [d.get("fileStoreId") for d in service.get("documents") or [] if d.get("fileStoreId")]
    return await desk.render(
        "employee/complaint.html",
        status=status,
        **complaint_facts(web, service, locality_name=await _locality_name(web, service)),
        department=web.t(f"COMMON_MASTERS_DEPARTMENT_{department}", default=str(department or "")),
        sla=sla_left((latest or {}).get("businesssServiceSla")),
        photos=photos,
        timeline=timeline,
        actions=actions,
        assignees=assignees,
        person=service.get("citizen") or {},
        contact=contact,
        errors=errors or {},
        values=values or {},
        max_photos=MAX_PHOTOS,
    )


@router.get("/pgr/complaint/{service_request_id}")
async def complaint_page(web: WebDep, service_request_id: str) -> Response:
    desk = await open_desk(web, COMPLAINT)
    if not isinstance(desk, Desk):
        return desk
    found = await find(web, service_request_id)
    if found is None:
        return await desk.not_found()
    return await _page(desk, found)


@router.post("/pgr/complaint/{service_request_id}/citizen")
async def show_citizen(web: WebDep, service_request_id: str) -> Response:
    """The citizen's contact in clear when the role may see it; the user block audits the read."""
    desk = await open_desk(web, COMPLAINT)
    if not isinstance(desk, Desk):
        return desk
    if await web.form() is None:
        return await web.refused()
    found = await find(web, service_request_id)
    if found is None:
        return await desk.not_found()
    account_id = found["service"].get("accountId")
    contact: dict[str, Any] = {}
    try:
        body = await web.backend.post(
            "/user/_search",
            {"uuid": [account_id], "tenantId": web.city, "purpose": f"PGR complaint {service_request_id}"},
        )
        users = body.get("user") or []
        contact = users[0] if users else {}
    except ApiError as error:
        return await _page(desk, found, errors={"contact": web.error_text(error)}, status=400)
    return await _page(desk, found, contact=contact)


@router.post("/pgr/complaint/{service_request_id}")
async def act(web: WebDep, service_request_id: str) -> Response:
    """ASSIGN / REASSIGN (to an LME), RESOLVE (comment, photos), REJECT (reason), COMMENT: PGR `_update`."""
    opened = await open_desk_form(web, COMPLAINT)
    if not isinstance(opened, tuple):
        return opened
    desk, form = opened
    found = await find(web, service_request_id)
    if found is None:
        return await desk.not_found()
    action = str(form.get("action", ""))
    comment, assignee = str(form.get("comment", "")).strip(), str(form.get("assignee", ""))
    values = {"action": action, "comment": comment, "assignee": assignee}
    if action not in EMPLOYEE_ACTIONS:
        return await _page(desk, found, errors={"form": web.t("CU_ERR_GENERIC")}, values=values, status=400)
    files = [f for f in form.getlist("photos") if isinstance(f, UploadFile) and f.filename]
    if len(files) > MAX_PHOTOS:
        errors = {"photos": web.t("CU_ERR_TOO_MANY_PHOTOS")}
        return await _page(desk, found, errors=errors, values=values, status=400)
    workflow: dict[str, Any] = {"action": action}
    if comment:
        workflow["comments"] = comment
    if assignee and action in ("ASSIGN", "REASSIGN"):
        workflow["assignes"] = [assignee]
    try:
        workflow["verificationDocuments"] = await upload_photos(web, web.city, files)
        await web.backend.post(f"{PGR}/_update", {"service": found["service"], "workflow": workflow})
    except ApiError as error:
        errors = {_field(error, "form"): web.error_text(error)}
        return await _page(desk, found, errors=errors, values=values, status=400)
    return web.redirect(f"{EMPLOYEE_PREFIX}/pgr/complaint/{service_request_id}")


async def _form_page(desk: Desk, *, values: dict[str, str], errors: dict[str, str], status: int = 200) -> Response:
    web = desk.web
    return await desk.render(
        "employee/complaint_new.html",
        status=status,
        types=await complaint_types(web, web.city),
        localities=await localities(web, web.city),
        values=values,
        errors=errors,
        max_photos=MAX_PHOTOS,
    )


@router.get("/pgr/create-complaint")
async def new_complaint(web: WebDep) -> Response:
    desk = await open_desk(web, FILE_COMPLAINT)
    if not isinstance(desk, Desk):
        return desk
    return await _form_page(desk, values={}, errors={})


@router.post("/pgr/create-complaint")
async def file_complaint(web: WebDep) -> Response:
    """A CSR files for the citizen with this mobile number (found, or created by PGR with the name given)."""
    opened = await open_desk_form(web, FILE_COMPLAINT)
    if not isinstance(opened, tuple):
        return opened
    desk, form = opened
    names = ("mobile", "name", "serviceCode", "locality", "landmark", "description")
    values = {k: str(form.get(k, "")).strip() for k in names}
    files = [f for f in form.getlist("photos") if isinstance(f, UploadFile) and f.filename]
    if len(files) > MAX_PHOTOS:
        return await _form_page(desk, values=values, errors={"photos": web.t("CU_ERR_TOO_MANY_PHOTOS")}, status=400)
    address: dict[str, Any] = {"city": web.city, "locality": {"code": values["locality"]}}
    if values["landmark"]:
        address["landmark"] = values["landmark"]
    citizen = {"mobileNumber": values["mobile"], "name": values["name"] or None, "type": UserType.CITIZEN}
    service = {
        "tenantId": web.city,
        "serviceCode": values["serviceCode"],
        "description": values["description"],
        "source": "web",
        "address": address,
        "citizen": citizen,
    }
    try:
        documents = await upload_photos(web, web.city, files)
        body = await web.backend.post(
            f"{PGR}/_create",
            {"service": service, "workflow": {"action": "APPLY", "verificationDocuments": documents}},
            tenantId=web.city,
        )
    except ApiError as error:
        errors = {_field(error, "form"): web.error_text(error)}
        return await _form_page(desk, values=values, errors=errors, status=400)
    created = body["ServiceWrappers"][0]["service"]
    return web.redirect(f"{EMPLOYEE_PREFIX}/pgr/complaint/{created['serviceRequestId']}?filed=1")
