"""Add a complaint type: a `RAINMAKER-PGR.ServiceDefs` record and its name in every language the state offers,
on one screen, so the new type never shows as a raw key such as `SERVICEDEFS.TEST`.

The record goes to `/mdms-v2/v2/_create/RAINMAKER-PGR.ServiceDefs` at the state (its checks: the code is
unique, the record fits the schema); then the names go to `/localization/messages/v1/_upsert` under both
codes DIGIT looks them up by: `SERVICEDEFS.<CODE>` (pgr-services' notifications, DIGIT-UI) and
`SERVICEDEFS_<CODE>` (DIGIT-UI's transformed form, which this UI reads), module `rainmaker-pgr`.
The record first: a refused code must not overwrite an existing type's names.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi.responses import Response

from digit.blocks.mdms.client import MdmsClient
from digit.web.admin import fields
from digit.web.admin.fields import Field, Kind
from digit.web.backend import ApiError
from digit.web.employee.desk import COMPLAINT_TYPES, Desk, open_desk, open_desk_form
from digit.web.i18n import code_of
from digit.web.layout import EMPLOYEE_PREFIX, WebContext, WebDep

router = APIRouter(prefix=EMPLOYEE_PREFIX, include_in_schema=False)

SCHEMA = "RAINMAKER-PGR.ServiceDefs"
MODULE = "rainmaker-pgr"
FIELDS = (
    Field("serviceCode", Kind.TEXT, required=True, unique=True),
    Field("department", Kind.TEXT, required=True),
    Field("menuPath", Kind.TEXT, required=True),
    Field("slaHours", Kind.NUMBER, required=True),
    Field("keywords", Kind.TEXT),
)


def message_codes(service_code: str) -> tuple[str, ...]:
    """The codes a complaint type's name is looked up by, in DIGIT and here."""
    return (f"SERVICEDEFS.{service_code.upper()}", f"SERVICEDEFS_{code_of(service_code)}")


def name_field(locale: str) -> str:
    return f"name_{locale}"


async def _choices(web: WebContext) -> tuple[list[tuple[str, str]], list[tuple[str, str]], int]:
    """Departments, the existing menu groups (labelled), and how many types there are."""
    mdms = web.platform.get(MdmsClient)
    departments = [
        (str(r["code"]), web.t(f"COMMON_MASTERS_DEPARTMENT_{r['code']}", default=str(r.get("name") or r["code"])))
        for r in await mdms.get_master(tenant_id=web.state_id, module="common-masters", master="Department")
        if isinstance(r, dict) and r.get("code") and r.get("active", True)
    ]
    types = await mdms.get_master(tenant_id=web.state_id, module="RAINMAKER-PGR", master="ServiceDefs")
    menus = dict.fromkeys(str(r["menuPath"]) for r in types if isinstance(r, dict) and r.get("menuPath"))
    groups = [(m, web.t(f"SERVICEDEFS_{code_of(m)}", default=m)) for m in menus]
    return departments, groups, len(types)


async def _form(
    desk: Desk, *, values: dict[str, str], errors: dict[str, str], added: str = "", status: int = 200
) -> Response:
    departments, groups, _ = await _choices(desk.web)
    return await desk.render(
        "admin/complaint_type.html",
        status=status,
        added=added,
        values=values,
        errors=errors,
        departments=departments,
        groups=groups,
        ids={f.name: f.input_id for f in FIELDS},
    )


@router.get(COMPLAINT_TYPES.path)
async def new_complaint_type(web: WebDep, added: Annotated[str, Query(max_length=64)] = "") -> Response:
    """The form; after adding, the new type's name as the reader's language has it."""
    desk = await open_desk(web, COMPLAINT_TYPES)
    if not isinstance(desk, Desk):
        return desk
    label = web.t(message_codes(added)[1], default=added) if added else ""
    return await _form(desk, values={}, errors={}, added=label)


@router.post(COMPLAINT_TYPES.path)
async def create_complaint_type(web: WebDep) -> Response:
    opened = await open_desk_form(web, COMPLAINT_TYPES)
    if not isinstance(opened, tuple):
        return opened
    desk, form = opened
    values = fields.typed(form, FIELDS)
    names = {language.code: str(form.get(name_field(language.code), "")).strip() for language in web.languages}
    values.update({name_field(locale): name for locale, name in names.items()})
    errors = {name_field(locale): web.t("EU_ERR_NAME_REQUIRED") for locale, name in names.items() if not name}
    if errors:
        return await _form(desk, values=values, errors=errors, status=400)
    _, _, count = await _choices(web)
    data, _ = fields.record_of(values, FIELDS)
    data |= {"name": names.get("en_IN") or next(iter(names.values()), ""), "active": True, "order": count + 1}
    try:
        await web.backend.post(
            f"/mdms-v2/v2/_create/{SCHEMA}",
            {"Mdms": {"tenantId": web.state_id, "schemaCode": SCHEMA, "data": data, "isActive": True}},
        )
        service_code = str(data.get("serviceCode") or "")
        messages: list[dict[str, Any]] = [
            {"code": code, "message": name, "module": MODULE, "locale": locale}
            for locale, name in names.items()
            for code in message_codes(service_code)
        ]
        await web.backend.post("/localization/messages/v1/_upsert", {"tenantId": web.state_id, "messages": messages})
    except ApiError as error:
        found = fields.errors_by_field(error.details, FIELDS, ["serviceCode"])
        return await _form(desk, values=values, errors=fields.error_texts(found, FIELDS, web.t), status=400)
    return web.redirect(web.url(f"{EMPLOYEE_PREFIX}{COMPLAINT_TYPES.path}", added=service_code))
