"""Messages for the administrator: search localization by tenant, locale, module and code, and edit one.

The search is `/localization/messages/v1/_search` (the tenant's messages after DIGIT's fallback city ->
state -> en_IN); the code box narrows what it answered to codes or texts containing what was typed.
Saving is `/localization/messages/v1/_upsert` at the chosen tenant: editing a city's message that came from
the state gives the city its own. The API's errors come back to the field.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi.responses import Response

from digit.web.admin.masters import tenant_of, tenants
from digit.web.backend import ApiError
from digit.web.employee.desk import MESSAGES, Desk, open_desk, open_desk_form
from digit.web.layout import EMPLOYEE_PREFIX, WebContext, WebDep

router = APIRouter(prefix=EMPLOYEE_PREFIX, include_in_schema=False)

BASE = f"{EMPLOYEE_PREFIX}{MESSAGES.path}"
PAGE_SIZE = 50
FORM_FIELDS = ("code", "module", "locale", "message")
Text = Annotated[str, Query(max_length=256)]


def _locale_of(web: WebContext, asked: str) -> str:
    offered = [language.code for language in web.languages]
    return asked if asked in offered else web.locale


async def _search(
    web: WebContext, *, tenant_id: str, locale: str, module: str, codes: str = ""
) -> list[dict[str, Any]]:
    try:
        body = await web.backend.post(
            "/localization/messages/v1/_search",
            tenantId=tenant_id,
            locale=locale,
            module=module or None,
            codes=codes or None,
        )
    except ApiError:
        return []
    return [m for m in body.get("messages") or [] if isinstance(m, dict)]


@router.get(MESSAGES.path)
async def search_messages(
    web: WebDep,
    tenant: Text = "",
    locale: Text = "",
    module: Text = "",
    code: Text = "",
    page: Annotated[int, Query(ge=0, le=10_000)] = 0,
) -> Response:
    desk = await open_desk(web, MESSAGES)
    if not isinstance(desk, Desk):
        return desk
    tenant_id, chosen = tenant_of(web, tenant), _locale_of(web, locale)
    searched = bool(module.strip() or code.strip())
    found = await _search(web, tenant_id=tenant_id, locale=chosen, module=module.strip()) if searched else []
    wanted = code.strip().lower()
    if wanted:
        found = [
            m for m in found if wanted in str(m.get("code", "")).lower() or wanted in str(m.get("message", "")).lower()
        ]
    found.sort(key=lambda m: (str(m.get("module")), str(m.get("code"))))
    rows = found[page * PAGE_SIZE : (page + 1) * PAGE_SIZE]
    query = {"tenant": tenant_id, "locale": chosen, "module": module, "code": code}
    return await desk.render(
        "admin/messages.html",
        tenants=tenants(web),
        values=query,
        searched=searched,
        rows=rows,
        total=len(found),
        edit=lambda m: web.url(
            f"{BASE}/edit", tenant=tenant_id, locale=chosen, module=m.get("module"), code=m.get("code")
        ),
        previous=web.url(BASE, **query, page=page - 1) if page > 0 else None,
        next_page=web.url(BASE, **query, page=page + 1) if len(found) > (page + 1) * PAGE_SIZE else None,
    )


async def _form(desk: Desk, *, values: dict[str, str], errors: dict[str, str], status: int = 200) -> Response:
    return await desk.render(
        "admin/message_form.html", status=status, values=values, errors=errors, tenants=tenants(desk.web)
    )


@router.get(MESSAGES.path + "/edit")
async def edit_message(
    web: WebDep, tenant: Text = "", locale: Text = "", module: Text = "", code: Text = ""
) -> Response:
    """One message's form: its current text (after fallback), or empty for a new code."""
    desk = await open_desk(web, MESSAGES)
    if not isinstance(desk, Desk):
        return desk
    tenant_id, chosen = tenant_of(web, tenant), _locale_of(web, locale)
    current = ""
    if module and code:
        found = await _search(web, tenant_id=tenant_id, locale=chosen, module=module, codes=code)
        current = next((str(m.get("message", "")) for m in found if m.get("code") == code), "")
    values = {"tenant": tenant_id, "locale": chosen, "module": module, "code": code, "message": current}
    return await _form(desk, values=values, errors={})


def _field_of(error: ApiError) -> str:
    """The form field a DIGIT error names (validation errors carry the body's path in params)."""
    for detail in error.details:
        for param in detail.get("params") or []:
            last = str(param).rsplit(".", 1)[-1]
            if last in FORM_FIELDS:
                return last
    return "form"


@router.post(MESSAGES.path + "/edit")
async def upsert_message(web: WebDep) -> Response:
    opened = await open_desk_form(web, MESSAGES)
    if not isinstance(opened, tuple):
        return opened
    desk, form = opened
    values = {k: str(form.get(k, "")).strip() for k in (*FORM_FIELDS, "tenant")}
    values["message"] = str(form.get("message", ""))
    values["tenant"] = tenant_of(web, values["tenant"])
    message = {k: values[k] for k in FORM_FIELDS}
    try:
        await web.backend.post(
            "/localization/messages/v1/_upsert", {"tenantId": values["tenant"], "messages": [message]}
        )
    except ApiError as error:
        return await _form(desk, values=values, errors={_field_of(error): web.error_text(error)}, status=400)
    return web.redirect(
        web.url(
            f"{BASE}/edit",
            tenant=values["tenant"],
            locale=values["locale"],
            module=values["module"],
            code=values["code"],
            saved="1",
        )
    )
