"""HRMS for the HR administrator: list and search employees, create one (user, current assignment,
jurisdiction over the city, roles), edit the name, assignment and roles, deactivate with a reason.

Every rule (codes, overlapping assignments, departments that exist, who may see contact details) is
egov-hrms's: the pages send `/egov-hrms/employees/_create`, `_update`, `_search` and show its errors
at the field. Departments, designations, employee types and deactivation reasons are MDMS masters;
the roles offered are `/access/v1/roles/_search`.
"""

from __future__ import annotations

import copy
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi.responses import Response

from digit.blocks.mdms.client import MDMS_CLIENT
from digit.web.backend import ApiError
from digit.web.employee.desk import HRMS, Desk, open_desk, open_desk_form
from digit.web.layout import EMPLOYEE_PREFIX, WebContext, WebDep

router = APIRouter(prefix=EMPLOYEE_PREFIX, include_in_schema=False)

H = "/egov-hrms/employees"
PAGE_SIZE = 20
FIELD_OF_ERROR = {
    "ERR_HRMS_INVALID_DEPT": "department",
    "ERR_HRMS_INVALID_DESG": "designation",
    "ERR_HRMS_USER_EXIST_MOB": "mobile",
    "ERR_HRMS_INVALID_MOB": "mobile",
    "INVALID_MOBILE_NUMBER": "mobile",
    "DUPLICATE_MOBILE_NUMBER": "mobile",
    "INVALID_PASSWORD": "password",
    "ERR_HRMS_INVALID_DEACT_REQUEST": "reason",
    "ERR_HRMS_INVALID_ROLE": "roles",
}
FORM_FIELDS = ("name", "mobile", "gender", "password", "appointed", "employeeType", "department", "designation")


def _field(error: ApiError) -> str:
    return next((FIELD_OF_ERROR[c] for c in (*error.codes, error.code) if c in FIELD_OF_ERROR), "form")


async def _master(web: WebContext, module: str, master: str) -> list[tuple[str, str]]:
    mdms = web.platform.get(MDMS_CLIENT)
    records = await mdms.get_master(tenant_id=web.city, module=module, master=master)
    prefix = f"{module}_{master}".upper().replace("-", "_")
    return [
        (str(r["code"]), web.t(f"{prefix}_{r['code']}", default=str(r.get("name") or r["code"])))
        for r in records
        if isinstance(r, dict) and r.get("code") and r.get("active", True)
    ]


async def _roles(web: WebContext) -> list[tuple[str, str]]:
    try:
        body = await web.backend.post("/access/v1/roles/_search", {"tenantId": web.city})
    except ApiError:
        return []
    return sorted(
        (str(r["code"]), web.t(f"ACCESSCONTROL_ROLES_ROLES_{r['code']}", default=str(r.get("name") or r["code"])))
        for r in body.get("roles") or []
        if isinstance(r, dict) and r.get("code") and r["code"] not in ("CITIZEN", "SYSTEM")
    )


async def _form(
    desk: Desk, *, values: dict[str, Any], errors: dict[str, str], code: str | None = None, status: int = 200
) -> Response:
    web = desk.web
    return await desk.render(
        "employee/hrms_form.html",
        status=status,
        code=code,
        values=values,
        errors=errors,
        departments=await _master(web, "common-masters", "Department"),
        designations=await _master(web, "common-masters", "Designation"),
        types=await _master(web, "egov-hrms", "EmployeeType"),
        reasons=await _master(web, "egov-hrms", "DeactivationReason"),
        roles=await _roles(web),
    )


def _epoch_ms(day: str) -> int | None:
    try:
        return int(datetime.strptime(day, "%Y-%m-%d").replace(tzinfo=UTC).timestamp() * 1000)
    except ValueError:
        return None


def _day(epoch_ms: object) -> str:
    if not isinstance(epoch_ms, int | float):
        return ""
    return datetime.fromtimestamp(epoch_ms / 1000, tz=UTC).strftime("%Y-%m-%d")


@router.get("/hrms")
async def employees(
    web: WebDep, name: Annotated[str, Query(max_length=128)] = "", page: Annotated[int, Query(ge=0, le=10_000)] = 0
) -> Response:
    desk = await open_desk(web, HRMS)
    if not isinstance(desk, Desk):
        return desk
    criteria: dict[str, Any] = {"tenantId": web.city, "offset": page * PAGE_SIZE, "limit": PAGE_SIZE + 1}
    if name.strip():
        criteria["names"] = name.strip()
    try:
        found = (await web.backend.post(f"{H}/_search", **criteria)).get("Employees") or []
    except ApiError:
        found = []
    departments = dict(await _master(web, "common-masters", "Department"))
    rows = [
        {
            "code": e.get("code"),
            "name": (e.get("user") or {}).get("name"),
            "active": e.get("isActive"),
            "department": next(
                (
                    departments.get(a["department"], a["department"])
                    for a in e.get("assignments") or []
                    if a.get("isCurrentAssignment")
                ),
                "",
            ),
        }
        for e in found[:PAGE_SIZE]
    ]
    more = len(found) > PAGE_SIZE
    return await desk.render(
        "employee/hrms_list.html",
        rows=rows,
        name=name,
        previous=web.url(f"{EMPLOYEE_PREFIX}/hrms", name=name, page=page - 1) if page > 0 else None,
        next_page=web.url(f"{EMPLOYEE_PREFIX}/hrms", name=name, page=page + 1) if more else None,
    )


@router.get("/hrms/create")
async def new_employee(web: WebDep) -> Response:
    desk = await open_desk(web, HRMS)
    if not isinstance(desk, Desk):
        return desk
    values = {
        "employeeType": "PERMANENT",
        "gender": "FEMALE",
        "appointed": _day(web.platform.clock.now_ms()),
        "roles": [],
    }
    return await _form(desk, values=values, errors={})


def _values(form: Any) -> dict[str, Any]:
    values: dict[str, Any] = {k: str(form.get(k, "")).strip() for k in FORM_FIELDS}
    values["password"] = str(form.get("password", ""))
    values["roles"] = [str(r) for r in form.getlist("roles")]
    return values


@router.post("/hrms/create")
async def create_employee(web: WebDep) -> Response:
    opened = await open_desk_form(web, HRMS)
    if not isinstance(opened, tuple):
        return opened
    desk, form = opened
    values = _values(form)
    appointed = _epoch_ms(values["appointed"])
    if appointed is None:
        return await _form(desk, values=values, errors={"appointed": web.t("EU_ERR_INVALID_DATE")}, status=400)
    roles = [{"code": code, "tenantId": web.city} for code in values["roles"]]
    employee = {
        "tenantId": web.city,
        "employeeStatus": "EMPLOYED",
        "employeeType": values["employeeType"],
        "dateOfAppointment": appointed,
        "assignments": [
            {
                "department": values["department"],
                "designation": values["designation"],
                "fromDate": appointed,
                "isCurrentAssignment": True,
            }
        ],
        "jurisdictions": [
            {"hierarchy": "ADMIN", "boundaryType": "City", "boundary": web.city, "tenantId": web.city, "roles": roles}
        ],
        "user": {
            "name": values["name"],
            "mobileNumber": values["mobile"],
            "gender": values["gender"],
            "password": values["password"] or None,
            "roles": [{"code": "EMPLOYEE", "tenantId": web.city}, *roles],
        },
    }
    try:
        body = await web.backend.post(f"{H}/_create", {"Employees": [employee]})
    except ApiError as error:
        values["password"] = ""
        return await _form(desk, values=values, errors={_field(error): web.error_text(error)}, status=400)
    code = body["Employees"][0]["code"]
    return web.redirect(web.url(f"{EMPLOYEE_PREFIX}/hrms/{code}", created="1"))


async def _employee(web: WebContext, code: str) -> dict[str, Any] | None:
    try:
        body = await web.backend.post(f"{H}/_search", tenantId=web.city, codes=code)
    except ApiError:
        return None
    found = body.get("Employees") or []
    employee: dict[str, Any] | None = found[0] if found else None
    return employee


def _values_of(employee: dict[str, Any]) -> dict[str, Any]:
    user = employee.get("user") or {}
    current: dict[str, Any] = next((a for a in employee.get("assignments") or [] if a.get("isCurrentAssignment")), {})
    return {
        "name": user.get("name") or "",
        "mobile": user.get("mobileNumber") or "",
        "gender": user.get("gender") or "",
        "appointed": _day(employee.get("dateOfAppointment")),
        "employeeType": employee.get("employeeType") or "",
        "department": current.get("department") or "",
        "designation": current.get("designation") or "",
        "roles": [r.get("code") for r in user.get("roles") or [] if r.get("code") != "EMPLOYEE"],
        "active": employee.get("isActive"),
    }


@router.get("/hrms/{code}")
async def edit_page(web: WebDep, code: str) -> Response:
    desk = await open_desk(web, HRMS)
    if not isinstance(desk, Desk):
        return desk
    employee = await _employee(web, code)
    if employee is None:
        return await desk.not_found()
    return await _form(desk, values=_values_of(employee), errors={}, code=code)


@router.post("/hrms/{code}")
async def update_employee(web: WebDep, code: str) -> Response:
    """Save the name, the current assignment and the roles; or deactivate (action=deactivate, with a reason)."""
    opened = await open_desk_form(web, HRMS)
    if not isinstance(opened, tuple):
        return opened
    desk, form = opened
    employee = await _employee(web, code)
    if employee is None:
        return await desk.not_found()
    updated = copy.deepcopy(employee)
    if form.get("action") == "deactivate":
        values = _values_of(employee)
        reason = str(form.get("reason", ""))
        values["reason"] = reason
        if not reason:
            return await _form(
                desk, values=values, errors={"reason": web.t("EU_ERR_REASON_REQUIRED")}, code=code, status=400
            )
        now_ms = web.platform.clock.now_ms()
        remarks = str(form.get("remarks", "")).strip() or None
        updated["isActive"] = False
        updated["deactivationDetails"] = [
            {"reasonForDeactivation": reason, "effectiveFrom": now_ms, "remarks": remarks}
        ]
    else:
        values = _values(form)
        user = updated.setdefault("user", {})
        user["name"] = values["name"]
        current = next((a for a in updated.get("assignments") or [] if a.get("isCurrentAssignment")), None)
        if current is not None:
            current["department"], current["designation"] = values["department"], values["designation"]
        roles = [{"code": r, "tenantId": web.city} for r in values["roles"]]
        user["roles"] = [{"code": "EMPLOYEE", "tenantId": web.city}, *roles]
        for jurisdiction in updated.get("jurisdictions") or []:
            jurisdiction["roles"] = roles
    try:
        await web.backend.post(f"{H}/_update", {"Employees": [updated]})
    except ApiError as error:
        return await _form(desk, values=values, errors={_field(error): web.error_text(error)}, code=code, status=400)
    return web.redirect(web.url(f"{EMPLOYEE_PREFIX}/hrms/{code}", saved="1"))
