"""Master data for the administrator (DIGIT's workbench): a tenant's MDMS v2 masters, their records, and a
record's form generated from the master's JSON schema (`fields.py`).

Every page is a client of `/mdms-v2`: `schema/v1/_search` lists the masters, `v2/_search` the records,
`v2/_create/{schemaCode}` and `v2/_update/{schemaCode}` save one. What a record may hold (the schema,
`x-unique`, `x-ref-schema`) is checked there; its errors come back to the field with what was typed kept.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi.responses import Response
from starlette.datastructures import FormData

from digit.web.admin import fields
from digit.web.backend import ApiError
from digit.web.employee.desk import MASTERS, Desk, open_desk, open_desk_form
from digit.web.i18n import code_of
from digit.web.layout import EMPLOYEE_PREFIX, WebContext, WebDep

router = APIRouter(prefix=EMPLOYEE_PREFIX, include_in_schema=False)

BASE = f"{EMPLOYEE_PREFIX}{MASTERS.path}"
PAGE_SIZE = 20
SHOWN_COLUMNS = 4
Tenant = Annotated[str, Query(max_length=256)]
Page = Annotated[int, Query(ge=0, le=10_000)]


def tenants(web: WebContext) -> list[tuple[str, str]]:
    """Where masters live: the state, then its cities."""
    return [(web.state_id, web.city_name(web.state_id))] + [(c.code, web.city_name(c.code)) for c in web.cities]


def tenant_of(web: WebContext, asked: str) -> str:
    return asked if asked in [code for code, _ in tenants(web)] else web.state_id


def master_label(web: WebContext, schema_code: str) -> str:
    return web.t(code_of(schema_code), default=schema_code)


def field_label(web: WebContext, schema_code: str, name: str) -> str:
    return web.t(f"{code_of(schema_code)}_{code_of(name)}", default=name)


async def _schema(web: WebContext, tenant_id: str, schema_code: str) -> dict[str, Any] | None:
    criteria = {"tenantId": tenant_id, "codes": [schema_code]}
    try:
        found = await web.backend.post("/mdms-v2/schema/v1/_search", {"SchemaDefCriteria": criteria})
    except ApiError:
        return None
    schemas = found.get("SchemaDefinitions") or []
    schema: dict[str, Any] | None = schemas[0] if schemas and schemas[0].get("isActive", True) else None
    return schema


async def _records(
    web: WebContext, tenant_id: str, schema_code: str, *, ids: list[str] | None = None, offset: int = 0, limit: int = 1
) -> list[dict[str, Any]]:
    criteria: dict[str, Any] = {"tenantId": tenant_id, "schemaCode": schema_code, "offset": offset, "limit": limit}
    if ids:
        criteria["ids"] = ids
    try:
        body = await web.backend.post("/mdms-v2/v2/_search", {"MdmsCriteria": criteria})
    except ApiError:
        return []
    return [r for r in body.get("mdms") or [] if isinstance(r, dict)]


@router.get(MASTERS.path)
async def masters(web: WebDep, tenant: Tenant = "") -> Response:
    """The tenant's masters, by module."""
    desk = await open_desk(web, MASTERS)
    if not isinstance(desk, Desk):
        return desk
    tenant_id = tenant_of(web, tenant)
    try:
        body = await web.backend.post("/mdms-v2/schema/v1/_search", {"SchemaDefCriteria": {"tenantId": tenant_id}})
    except ApiError:
        body = {}
    modules: dict[str, list[dict[str, str]]] = {}
    for schema in body.get("SchemaDefinitions") or []:
        code = str(schema.get("code") or "")
        if code and schema.get("isActive", True):
            module, _, master = code.partition(".")
            modules.setdefault(module, []).append({"code": code, "master": master, "label": master_label(web, code)})
    return await desk.render(
        "admin/masters.html", tenant=tenant_id, tenants=tenants(web), modules=sorted(modules.items())
    )


async def _master(web: WebContext, tenant: str, schema_code: str) -> tuple[Desk, str, dict[str, Any]] | Response:
    """The desk, the tenant asked for (or the state) and its master `schema_code`, or the answer instead
    (to login, 403, 404 for an unknown or inactive master)."""
    desk = await open_desk(web, MASTERS)
    if not isinstance(desk, Desk):
        return desk
    tenant_id = tenant_of(web, tenant)
    schema = await _schema(web, tenant_id, schema_code)
    if schema is None:
        return await desk.not_found()
    return desk, tenant_id, schema


@router.get(MASTERS.path + "/{schema_code}")
async def records(web: WebDep, schema_code: str, tenant: Tenant = "", page: Page = 0) -> Response:
    """One master's records, a page at a time, with the first few fields of each."""
    opened = await _master(web, tenant, schema_code)
    if not isinstance(opened, tuple):
        return opened
    desk, tenant_id, schema = opened
    found = await _records(web, tenant_id, schema_code, offset=page * PAGE_SIZE, limit=PAGE_SIZE + 1)
    form_fields = fields.fields_of(schema.get("definition") or {}, (found[0].get("data") if found else None) or {})
    columns = [f for f in form_fields if f.kind != fields.Kind.JSON][:SHOWN_COLUMNS]
    rows = [
        {
            "id": r.get("id"),
            "tenant": r.get("tenantId"),
            "key": r.get("uniqueIdentifier"),
            "active": r.get("isActive", True),
            "cells": fields.shown(columns, r.get("data") or {}),
        }
        for r in found[:PAGE_SIZE]
    ]
    here = f"{BASE}/{schema_code}"
    return await desk.render(
        "admin/records.html",
        schema_code=schema_code,
        title=master_label(web, schema_code),
        tenant=tenant_id,
        columns=[(c.name, field_label(web, schema_code, c.name)) for c in columns],
        rows=rows,
        previous=web.url(here, tenant=tenant_id, page=page - 1) if page > 0 else None,
        next_page=web.url(here, tenant=tenant_id, page=page + 1) if len(found) > PAGE_SIZE else None,
    )


async def _form(
    desk: Desk,
    schema_code: str,
    tenant_id: str,
    form_fields: list[fields.Field],
    *,
    values: dict[str, str],
    errors: dict[str, str],
    record: dict[str, Any] | None = None,
    row_version: object = None,
    status: int = 200,
) -> Response:
    web = desk.web
    return await desk.render(
        "admin/record_form.html",
        status=status,
        schema_code=schema_code,
        title=master_label(web, schema_code),
        tenant=tenant_id,
        fields=[(f, field_label(web, schema_code, f.name)) for f in form_fields],
        values=values,
        errors=errors,
        record=record,
        row_version=row_version if row_version is not None else (record or {}).get("rowVersion"),
    )


@router.get(MASTERS.path + "/{schema_code}/new")
async def new_record(web: WebDep, schema_code: str, tenant: Tenant = "") -> Response:
    opened = await _master(web, tenant, schema_code)
    if not isinstance(opened, tuple):
        return opened
    desk, tenant_id, schema = opened
    sample = await _records(web, tenant_id, schema_code)
    form_fields = fields.fields_of(schema.get("definition") or {}, (sample[0].get("data") if sample else None) or {})
    values = {f.name: "true" if f.kind == fields.Kind.BOOLEAN and f.name == "active" else "" for f in form_fields}
    return await _form(desk, schema_code, tenant_id, form_fields, values=values, errors={})


async def _posted(web: WebContext, tenant: str) -> tuple[Desk, FormData, str] | Response:
    """A saved record form: the desk, the form (its CSRF token checked) and the tenant it names, or the answer
    instead (to login, 403)."""
    opened = await open_desk_form(web, MASTERS)
    if not isinstance(opened, tuple):
        return opened
    desk, form = opened
    return desk, form, tenant_of(web, str(form.get("tenant") or tenant))


@router.post(MASTERS.path + "/{schema_code}/new")
async def create_record(web: WebDep, schema_code: str, tenant: Tenant = "") -> Response:
    posted = await _posted(web, tenant)
    if not isinstance(posted, tuple):
        return posted
    desk, form, tenant_id = posted
    schema = await _schema(web, tenant_id, schema_code)
    if schema is None:
        return await desk.not_found()
    definition = schema.get("definition") or {}
    sample = await _records(web, tenant_id, schema_code)
    form_fields = fields.fields_of(definition, (sample[0].get("data") if sample else None) or {})
    values = fields.typed(form, form_fields)
    data, unreadable = fields.record_of(values, form_fields)
    found = fields.FieldErrors()
    for name, detail in unreadable.items():
        found.add(name, "JSON", detail)
    if not unreadable:
        mdms = {"tenantId": tenant_id, "schemaCode": schema_code, "data": data, "isActive": True}
        try:
            created = await web.backend.post(f"/mdms-v2/v2/_create/{schema_code}", {"Mdms": mdms})
        except ApiError as error:
            found = fields.errors_by_field(error.details, form_fields, fields.unique_paths(definition))
        else:
            record_id = created["mdms"][0]["id"]
            return web.redirect(web.url(f"{BASE}/{schema_code}/record/{record_id}", tenant=tenant_id, saved="1"))
    errors = fields.error_texts(found, form_fields, web.t)
    return await _form(desk, schema_code, tenant_id, form_fields, values=values, errors=errors, status=400)


@router.get(MASTERS.path + "/{schema_code}/record/{record_id}")
async def edit_record(web: WebDep, schema_code: str, record_id: str, tenant: Tenant = "") -> Response:
    desk = await open_desk(web, MASTERS)
    if not isinstance(desk, Desk):
        return desk
    tenant_id = tenant_of(web, tenant)
    schema = await _schema(web, tenant_id, schema_code)
    found = await _records(web, tenant_id, schema_code, ids=[record_id]) if schema is not None else []
    if schema is None or not found:
        return await desk.not_found()
    record = found[0]
    form_fields = fields.fields_of(schema.get("definition") or {}, record.get("data") or {})
    values = fields.shown(form_fields, record.get("data") or {})
    return await _form(desk, schema_code, tenant_id, form_fields, values=values, errors={}, record=record)


@router.post(MASTERS.path + "/{schema_code}/record/{record_id}")
async def update_record(web: WebDep, schema_code: str, record_id: str, tenant: Tenant = "") -> Response:
    """`_update` with the row version the form was opened with: someone else's change in between is refused."""
    posted = await _posted(web, tenant)
    if not isinstance(posted, tuple):
        return posted
    desk, form, tenant_id = posted
    schema = await _schema(web, tenant_id, schema_code)
    found = await _records(web, tenant_id, schema_code, ids=[record_id]) if schema is not None else []
    if schema is None or not found:
        return await desk.not_found()
    record, definition = found[0], schema.get("definition") or {}
    form_fields = fields.fields_of(definition, record.get("data") or {})
    values = fields.typed(form, form_fields)
    data, unreadable = fields.record_of(values, form_fields, record.get("data") or {})
    errors_found = fields.FieldErrors()
    for name, detail in unreadable.items():
        errors_found.add(name, "JSON", detail)
    if not unreadable:
        version = str(form.get("rowVersion") or "")
        mdms = {
            "id": record_id,
            "tenantId": record.get("tenantId") or tenant_id,
            "schemaCode": schema_code,
            "data": data,
            "isActive": form.get("isActive") == "true",
            "rowVersion": int(version) if version.isdigit() else record.get("rowVersion"),
        }
        try:
            await web.backend.post(f"/mdms-v2/v2/_update/{schema_code}", {"Mdms": mdms})
        except ApiError as error:
            errors_found = fields.errors_by_field(error.details, form_fields, fields.unique_paths(definition))
        else:
            return web.redirect(web.url(f"{BASE}/{schema_code}/record/{record_id}", tenant=tenant_id, saved="1"))
    return await _form(
        desk,
        schema_code,
        tenant_id,
        form_fields,
        values=values,
        errors=fields.error_texts(errors_found, form_fields, web.t),
        record=record,
        row_version=form.get("rowVersion"),
        status=400,
    )
