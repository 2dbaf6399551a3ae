"""What the citizen and employee pages of configured services share: the services of a city, a service's form
definition, its words, an application, its timeline and its files.

Everything is read through Studio's own API (`/public-service/v1/...`, `X-Tenant-Id` as Studio requires) with
the caller's token, so the API's rules are the pages' rules; nothing here names a service.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fastapi.responses import Response
from pydantic import ValidationError

from digit.blocks.localization.client import LOCALIZATION_CLIENT
from digit.services.studio.client import Definition
from digit.web.backend import ApiError
from digit.web.i18n import Translator, code_of
from digit.web.layout import WebContext

API = "/public-service/v1"
PDF_API = "/studio-pdf/public-service/download/pdf"
STATES_OF_BILL = ("billing",)


def tenant_header(tenant_id: str) -> dict[str, str]:
    return {"X-Tenant-Id": tenant_id}


async def services(web: WebContext, *, channel: str) -> list[dict[str, Any]]:
    """The city's ACTIVE services open on the channel (citizen, employee); none for a visitor."""
    if web.user is None:
        return []
    try:
        body = await web.backend.call(
            "GET", f"{API}/service", headers=tenant_header(web.city), params={"status": "ACTIVE"}
        )
    except ApiError:
        return []
    return [s for s in body.get("Services") or [] if channel in (s.get("enabled") or ["citizen", "employee"])]


@dataclass
class ServiceForm:
    """A registered service with its current definition, its JSON Schema and its MDMS choices."""

    service: dict[str, Any]
    definition: Definition
    schema: dict[str, Any]
    references: dict[str, list[dict[str, Any]]]

    @property
    def code(self) -> str:
        return str(self.service["serviceCode"])

    @property
    def prefix(self) -> str:
        return self.definition.label_prefix


async def load_form(web: WebContext, service_code: str) -> ServiceForm | None:
    """Studio's `GET /v1/form/{serviceCode}` for the working city; None when there is no such service here."""
    try:
        body = await web.backend.call("GET", f"{API}/form/{service_code}", params={"tenantId": web.city})
        form = body["Form"]
        return ServiceForm(
            service=body["Service"],
            definition=Definition.model_validate(form["definition"]),
            schema=form.get("schema") or {},
            references=form.get("references") or {},
        )
    except (ApiError, KeyError, ValidationError):
        return None


async def words(web: WebContext, definitions: list[Definition]) -> Translator:
    """The page's translator with the services' own localization modules (their labels and state names)."""
    modules = sorted({m for d in definitions for m in d.localization.modules})
    if not modules:
        return web.t
    client = web.platform.get(LOCALIZATION_CLIENT)
    messages = await client.get_messages(tenant_id=web.city, locale=web.locale, modules=modules)
    return web.t.adding(messages)


def service_label(t: Translator, module: str, service: str) -> str:
    return t(f"{code_of(module)}_{code_of(service)}_SERVICE", default=f"{module} {service}")


def state_label(t: Translator, prefix: str, state: object) -> str:
    if not state:
        return t("CU_SVC_STATE_NEW")
    return t(f"WF_{prefix}_{state}", default=str(state).replace("_", " ").capitalize())


def action_label(t: Translator, prefix: str, action: str) -> str:
    return t(f"WF_{prefix}_ACTION_{action}", default=action.replace("_", " ").capitalize())


def document_label(t: Translator, prefix: str, document_type: str) -> str:
    category, _, kind = document_type.partition(".")
    label = t(f"{prefix}_{code_of(category)}", default=category.replace("_", " ").capitalize())
    if kind:
        label += " · " + t(f"{prefix}_{code_of(category)}_{code_of(kind)}", default=kind.replace("_", " ").title())
    return label


async def search(
    web: WebContext, service_code: str, *, limit: int = 100, offset: int = 0, **criteria: str | None
) -> tuple[list[dict[str, Any]], int]:
    """Studio's search of one service in the working city (a citizen gets only theirs)."""
    body = await web.backend.call(
        "GET",
        f"{API}/application/{service_code}",
        headers=tenant_header(web.city),
        params={"limit": limit, "offset": offset, **{k: v for k, v in criteria.items() if v}},
    )
    return list(body.get("Application") or []), int(body.get("totalCount") or 0)


async def find(web: WebContext, service_code: str, number: str) -> dict[str, Any] | None:
    """One application by number, as the API shows it to this user; None when it is not theirs to see."""
    try:
        found, _ = await search(web, service_code, limit=1, applicationNumber=number)
    except ApiError:
        return None
    return found[0] if found else None


async def act(web: WebContext, service_code: str, application: dict[str, Any], action: str, comment: str) -> None:
    """Studio's `PUT /v1/application/{serviceCode}/{id}` with a workflow action (ApiError when refused)."""
    workflow: dict[str, Any] = {"action": action}
    if comment:
        workflow["comment"] = comment
    await web.backend.call(
        "PUT",
        f"{API}/application/{service_code}/{application['id']}",
        {"Application": {"tenantId": application["tenantId"], "workflow": workflow}},
        headers=tenant_header(application["tenantId"]),
    )


async def timeline(web: WebContext, t: Translator, prefix: str, application: dict[str, Any]) -> list[dict[str, Any]]:
    """The workflow's history of the application, newest first."""
    try:
        body = await web.backend.post(
            "/egov-workflow-v2/egov-wf/process/_search",
            tenantId=application["tenantId"],
            businessIds=application["applicationNumber"],
            history="true",
        )
    except ApiError:
        return []
    instances = sorted(
        body.get("ProcessInstances") or [],
        key=lambda i: (i.get("auditDetails") or {}).get("createdTime") or 0,
        reverse=True,
    )
    me = web.user.uuid if web.user else None
    steps = []
    for instance in instances:
        state = instance.get("state") or {}
        assigner = (instance.get("assigner") or {}).get("uuid")
        steps.append(
            {
                "action": action_label(t, prefix, str(instance.get("action") or "")),
                "status": state_label(t, prefix, state.get("state")),
                "by": t("CU_TIMELINE_BY_YOU") if assigner == me else t("CU_SVC_BY_OTHERS"),
                "when": (instance.get("auditDetails") or {}).get("createdTime"),
                "comment": instance.get("comment"),
            }
        )
    return steps


def details(t: Translator, form: ServiceForm, application: dict[str, Any]) -> list[dict[str, Any]]:
    """The form's values as labelled sections for a page: [{label, facts: [(label, value)]}]."""
    values = application.get("serviceDetails") or {}
    loose: list[tuple[str, str]] = []
    sections: list[dict[str, Any]] = []
    for field in form.definition.fields:
        label = field_label(t, form.prefix, field.name, field.label)
        if field.type == "object":
            facts = _facts(t, form, field.children(), values.get(field.name) or {}, field.name)
            sections.append({"label": label, "facts": facts})
        elif field.type == "array":
            for index, row in enumerate(values.get(field.name) or []):
                facts = _facts(t, form, field.children(), row if isinstance(row, dict) else {}, field.name)
                sections.append({"label": f"{label} {index + 1}", "facts": facts})
        elif values.get(field.name) not in (None, ""):
            loose.append((label, choice_label(t, form, field.name, field, values[field.name])))
    return ([{"label": t("CU_SVC_DETAILS"), "facts": loose}] if loose else []) + sections


def _facts(
    t: Translator, form: ServiceForm, fields: list[Any], values: dict[str, Any], section: str
) -> list[tuple[str, str]]:
    return [
        (field_label(t, form.prefix, f.name, f.label), choice_label(t, form, f"{section}.{f.name}", f, values[f.name]))
        for f in fields
        if values.get(f.name) not in (None, "")
    ]


def field_label(t: Translator, prefix: str, name: str, label: str | None) -> str:
    return t(label or f"{prefix}_{code_of(name)}", default=name)


def choice_label(t: Translator, form: ServiceForm, path: str, field: Any, value: object) -> str:
    """A stored value as shown: an MDMS record's or an enum value's label, yes/no, else the value."""
    if isinstance(value, bool):
        return t("CU_YES") if value else t("CU_NO")
    text = str(value)
    if field.reference == "mdms" and field.schema_code:
        record = next((r for r in form.references.get(field.schema_code, []) if r.get("code") == value), None)
        module, _, master = field.schema_code.partition(".")
        return t(
            f"{code_of(module)}_{code_of(master)}_{code_of(text)}", default=str((record or {}).get("name") or text)
        )
    if field.type == "enum" or field.reference == "enum":
        return t(f"{form.prefix}_{code_of(field.name)}_{code_of(text)}", default=text.replace("_", " ").capitalize())
    return text


def pdfs(form: ServiceForm, application: dict[str, Any]) -> list[dict[str, str]]:
    """The PDFs the application's state offers (its certificate only while it is current)."""
    state = application.get("workflowStatus")
    found = []
    for pdf in form.definition.pdf:
        if pdf.states and state not in pdf.states:
            continue
        if pdf.type == "certificate" and not application.get("certificate"):
            continue
        found.append({"key": pdf.key, "type": pdf.type})
    return found


async def application_view(
    web: WebContext, t: Translator, form: ServiceForm, application: dict[str, Any]
) -> dict[str, Any]:
    """What the citizen's and the employee's page of an application both show: its title, status, details,
    documents, workflow history, the actions open to the caller and its PDFs (template variables)."""
    return {
        "form": form,
        "application": application,
        "title": service_label(t, form.definition.module, form.definition.service),
        "status_text": state_label(t, form.prefix, application.get("workflowStatus")),
        "details": details(t, form, application),
        "documents": [
            (document_label(t, form.prefix, d["documentType"]), d["fileStoreId"])
            for d in application.get("documents") or []
        ],
        "timeline": await timeline(web, t, form.prefix, application),
        "actions": [(a, action_label(t, form.prefix, a)) for a in application.get("nextActions") or []],
        "pdfs": pdfs(form, application),
    }


def payable(form: ServiceForm, application: dict[str, Any]) -> bool:
    """The application waits for a payment of its bill (the state's PAY follows the payment)."""
    state = form.definition.state(application.get("workflowStatus")) or {}
    waits = any(isinstance(a, dict) and a.get("action") == "PAY" for a in state.get("actions") or [])
    billed = any(r.get("referenceType") in STATES_OF_BILL for r in application.get("reference") or [])
    return waits and billed


async def pdf_response(web: WebContext, application: dict[str, Any], key: str) -> Response | None:
    """The application's PDF of `key` through studio-pdf, as an attachment; None when it is refused."""
    try:
        pdf = await web.backend.post_bytes(
            PDF_API,
            tenantId=application["tenantId"],
            applicationNumber=application["applicationNumber"],
            serviceCode=application["serviceCode"],
            pdfKey=key,
            locale=web.locale,
        )
    except ApiError:
        return None
    disposition = f'attachment; filename="{application["applicationNumber"]}-{key}.pdf"'
    return web.finish(Response(pdf.content, media_type="application/pdf", headers={"content-disposition": disposition}))


async def file_response(web: WebContext, tenant_id: str, file_store_id: str) -> Response | None:
    """A document of an application, as the filestore gives it to this user (an attachment, never inline)."""
    try:
        found = await web.backend.get_bytes("/filestore/v1/files/id", tenantId=tenant_id, fileStoreId=file_store_id)
    except ApiError:
        return None
    content_type = found.headers.get("content-type", "application/octet-stream")
    response = Response(found.content, media_type=content_type)
    response.headers["content-disposition"] = f'attachment; filename="{file_store_id}"'
    return web.finish(response)
