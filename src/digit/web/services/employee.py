"""The employee's pages of configured services: an inbox per service for the working city and an application
page with the workflow actions this employee may take now.

The menu gets one inbox per ACTIVE service open to employees whose access roles the employee holds in the
city (`menu`, a desk menu source); the API decides the rest (`nextActions` are computed for the caller,
a refused action comes back as its error).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query
from fastapi.responses import Response

from digit.kernel.security import role_codes_in
from digit.web.backend import ApiError
from digit.web.citizen.complaints import locality_label
from digit.web.employee.desk import Desk, Screen, open_desk, sla_left
from digit.web.i18n import code_of
from digit.web.layout import EMPLOYEE_PREFIX, WebContext, WebDep
from digit.web.services import common

router = APIRouter(prefix=f"{EMPLOYEE_PREFIX}/services", include_in_schema=False)
Code = Annotated[str, Path(min_length=1, max_length=160)]
Number = Annotated[str, Path(min_length=1, max_length=128)]
PAGE_SIZE = 20
APPLICATIONS_ROUTE = "/public-service/v1/application/{serviceCode}"


def _screen(service: dict[str, Any]) -> Screen:
    key = f"{code_of(service['module'])}_{code_of(service['businessService'])}_SERVICE"
    return Screen(key, f"/services/{service['serviceCode']}/inbox", (APPLICATIONS_ROUTE,))


def _roles_of(service: dict[str, Any]) -> set[str]:
    access = service.get("access") or {}
    roles = access.get("roles") if isinstance(access, dict) else None
    if isinstance(roles, dict):
        return {r for kind in ("creator", "editor", "viewer") for r in roles.get(kind) or []}
    return set(roles or [])


async def menu(desk: Desk) -> list[Screen]:
    """An inbox entry for each service whose roles the employee holds in the working city."""
    web = desk.web
    if web.user is None:
        return []
    mine = role_codes_in(web.user.roles or [], web.city)
    found = [s for s in await common.services(web, channel="employee") if _roles_of(s) & mine - {"CITIZEN"}]
    if found:
        loaded = [f for s in found if (f := await common.load_form(web, s["serviceCode"])) is not None]
        web.t = await common.words(web, [f.definition for f in loaded])
    return [_screen(s) for s in found]


async def _desk(web: WebContext, form: common.ServiceForm) -> Desk | Response:
    return await open_desk(web, _screen(form.service))


@router.get("/{service_code}/inbox")
async def inbox(
    web: WebDep,
    service_code: Code,
    status: Annotated[str, Query(max_length=64)] = "",
    page: Annotated[int, Query(ge=0, le=100_000)] = 0,
) -> Response:
    """The service's applications in the working city, newest first, by state, with the SLA left."""
    form = await common.load_form(web, service_code)
    if form is None:
        desk = await open_desk(web, None)
        return await desk.not_found() if isinstance(desk, Desk) else desk
    desk = await _desk(web, form)
    if not isinstance(desk, Desk):
        return desk
    t = await common.words(web, [form.definition])
    web.t = t
    rows: list[dict[str, Any]] = []
    total, error = 0, ""
    try:
        found, total = await common.search(
            web, service_code, limit=PAGE_SIZE, offset=page * PAGE_SIZE, workflowStatus=status or None
        )
    except ApiError as failure:
        found, error = [], web.error_text(failure)
    for application in found:
        instance = (application.get("processInstance") or [{}])[0] or {}
        applicant = (application.get("applicants") or [{}])[0] or {}
        rows.append(
            {
                "number": application["applicationNumber"],
                "href": f"{EMPLOYEE_PREFIX}/services/{service_code}/applications/{application['applicationNumber']}",
                "applicant": applicant.get("name") or "",
                "status": common.state_label(t, form.prefix, application.get("workflowStatus")),
                "filed": (application.get("auditDetails") or {}).get("createdTime"),
                "sla": sla_left(instance.get("businesssServiceSla")),
            }
        )
    last_page = max(0, (total - 1) // PAGE_SIZE)
    here = f"{EMPLOYEE_PREFIX}/services/{service_code}/inbox"
    states = [s.get("state") for s in form.definition.states() if s.get("state")]
    return await desk.render(
        "services/employee_inbox.html",
        status=400 if error else 200,
        form=form,
        title=common.service_label(t, form.definition.module, form.definition.service),
        rows=rows,
        total=total,
        error=error,
        status_filter=status,
        states=[(s, common.state_label(t, form.prefix, s)) for s in states],
        page=page,
        pages=last_page + 1,
        previous=web.url(here, status=status, page=page - 1) if page > 0 else None,
        next_page=web.url(here, status=status, page=page + 1) if page < last_page else None,
    )


async def _page(
    web: WebContext,
    desk: Desk,
    form: common.ServiceForm,
    application: dict[str, Any],
    *,
    errors: dict[str, str] | None = None,
    values: dict[str, str] | None = None,
    status: int = 200,
) -> Response:
    t = await common.words(web, [form.definition])
    web.t = t
    instance = (application.get("processInstance") or [{}])[0] or {}
    return await desk.render(
        "services/employee_application.html",
        status=status,
        **await common.application_view(web, t, form, application),
        sla=sla_left(instance.get("businesssServiceSla")),
        applicants=application.get("applicants") or [],
        locality=locality_label(
            web, application["tenantId"], str((application.get("address") or {}).get("boundarycode"))
        )
        if (application.get("address") or {}).get("boundarycode")
        else "",
        errors=errors or {},
        values=values or {},
    )


async def _open(web: WebContext, service_code: str, number: str) -> tuple[Desk, common.ServiceForm, Any] | Response:
    form = await common.load_form(web, service_code)
    desk = await (_desk(web, form) if form else open_desk(web, None))
    if not isinstance(desk, Desk):
        return desk
    application = await common.find(web, service_code, number) if form else None
    if form is None or application is None:
        return await desk.not_found()
    return desk, form, application


@router.get("/{service_code}/applications/{number}")
async def application_page(web: WebDep, service_code: Code, number: Number) -> Response:
    opened = await _open(web, service_code, number)
    if not isinstance(opened, tuple):
        return opened
    desk, form, application = opened
    return await _page(web, desk, form, application)


@router.post("/{service_code}/applications/{number}")
async def take_action(web: WebDep, service_code: Code, number: Number) -> Response:
    """One of the actions the workflow offers this employee now, with a comment (Studio's update)."""
    opened = await _open(web, service_code, number)
    if not isinstance(opened, tuple):
        return opened
    desk, form, application = opened
    posted = await web.form()
    if posted is None:
        return await web.refused()
    action, comment = str(posted.get("action") or ""), str(posted.get("comment") or "").strip()
    values = {"action": action, "comment": comment}
    if action not in (application.get("nextActions") or []):
        errors = {"form": web.t("EU_SVC_ACTION_NOT_OPEN")}
        return await _page(web, desk, form, application, errors=errors, values=values, status=400)
    try:
        await common.act(web, service_code, application, action, comment)
    except ApiError as error:
        errors = {"form": web.error_text(error)}
        return await _page(web, desk, form, application, errors=errors, values=values, status=400)
    return web.redirect(web.url(f"{EMPLOYEE_PREFIX}/services/{service_code}/applications/{number}", done=action))


@router.get("/{service_code}/applications/{number}/pdf")
async def application_pdf(
    web: WebDep, service_code: Code, number: Number, key: Annotated[str, Query(min_length=1, max_length=128)]
) -> Response:
    opened = await _open(web, service_code, number)
    if not isinstance(opened, tuple):
        return opened
    desk, _, application = opened
    return await common.pdf_response(web, application, key) or await desk.not_found()


@router.get("/{service_code}/applications/{number}/documents/{file_store_id}")
async def application_document(web: WebDep, service_code: Code, number: Number, file_store_id: str) -> Response:
    opened = await _open(web, service_code, number)
    if not isinstance(opened, tuple):
        return opened
    desk, _, application = opened
    if file_store_id not in {d["fileStoreId"] for d in application.get("documents") or []}:
        return await desk.not_found()
    return await common.file_response(web, application["tenantId"], file_store_id) or await desk.not_found()
