"""The citizen's pages of configured services: the services of the city, an apply form made from the
definition, my applications, an application (state, timeline, pay, certificate, the actions open to me).

Documents go to the filestore first (module `studio`); their ids ride along in hidden inputs, so a form sent
back with errors keeps them and the citizen does not upload again.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query
from fastapi.responses import Response
from starlette.datastructures import FormData, UploadFile

from digit.web import sessions
from digit.web.backend import ApiError
from digit.web.citizen.complaints import localities
from digit.web.layout import CITIZEN_PREFIX, WebContext, WebDep, login_redirect
from digit.web.services import common, forms

router = APIRouter(prefix=f"{CITIZEN_PREFIX}/services", include_in_schema=False)
Code = Annotated[str, Path(min_length=1, max_length=160)]
Number = Annotated[str, Path(min_length=1, max_length=128)]
MAX_FILES = 10
MAX_FIELDS = 300


async def service_cards(web: WebContext) -> list[dict[str, str]]:
    """The citizen home's entries, one per active service of the city (from the registry, never a list here)."""
    found = await common.services(web, channel="citizen")
    if not found:
        return []
    t = await _words_for(web, found)
    return [
        {
            "code": s["serviceCode"],
            "label": common.service_label(t, s["module"], s["businessService"]),
            "href": f"{CITIZEN_PREFIX}/services/{s['serviceCode']}/apply",
        }
        for s in found
    ]


async def _words_for(web: WebContext, found: list[dict[str, Any]]) -> Any:
    forms_ = [f for s in found if (f := await common.load_form(web, s["serviceCode"])) is not None]
    return await common.words(web, [f.definition for f in forms_])


@router.get("")
async def service_list(web: WebDep) -> Response:
    if web.user is None:
        return login_redirect(web)
    return await web.render("services/citizen_services.html", cards=await service_cards(web))


async def _apply_page(
    web: WebContext,
    form: common.ServiceForm,
    *,
    values: dict[str, str],
    errors: dict[str, str],
    attached: dict[str, dict[str, str]],
    status: int = 200,
) -> Response:
    t = await common.words(web, [form.definition])
    web.t = t
    return await web.render(
        "services/apply.html",
        status=status,
        form=form,
        title=common.service_label(t, form.definition.module, form.definition.service),
        sections=forms.sections(t, form),
        documents=forms.documents(t, form, None),
        localities=await localities(web, web.city) if form.definition.boundary else [],
        values=values,
        errors=errors,
        attached=attached,
    )


@router.get("/{service_code}/apply")
async def apply_form(web: WebDep, service_code: Code) -> Response:
    if web.user is None:
        return login_redirect(web)
    form = await common.load_form(web, service_code)
    if form is None or form.service.get("status") != "ACTIVE":
        return await web.not_found()
    return await _apply_page(web, form, values={}, errors={}, attached={})


async def _posted(web: WebContext) -> FormData | None:
    """The form (files included), or None when its CSRF token is wrong."""
    posted = await web.request.form(max_files=MAX_FILES, max_fields=MAX_FIELDS)
    return posted if web.csrf.accepts(posted.get(sessions.CSRF_FIELD)) else None


async def _documents(
    web: WebContext, form: common.ServiceForm, posted: FormData
) -> tuple[list[dict[str, str]], dict[str, dict[str, str]], list[str]]:
    """Upload the chosen files; (documents for the API, what is attached per category, categories in order)."""
    documents: list[dict[str, str]] = []
    attached: dict[str, dict[str, str]] = {}
    order: list[str] = []
    for slot in forms.documents(web.t, form, None):
        kind = str(posted.get(f"doctype.{slot.category}") or (slot.types[0][0] if slot.types else ""))
        kinds = [k for k, _ in slot.types]
        document_type = f"{slot.category}.{kind}" if kind in kinds else slot.category
        upload = posted.get(f"doc.{slot.category}")
        file_id = str(posted.get(f"docid.{slot.category}") or "")
        name = str(posted.get(f"docname.{slot.category}") or "")
        if isinstance(upload, UploadFile) and upload.filename:
            content = await upload.read()
            if content:
                body = await web.backend.upload(
                    "/filestore/v1/files",
                    fields={"tenantId": web.city, "module": "studio"},
                    files=[(upload.filename, content, upload.content_type or "application/octet-stream")],
                )
                file_id, name = str(body["files"][0]["fileStoreId"]), upload.filename
        if file_id:
            documents.append({"documentType": document_type, "fileStoreId": file_id})
            attached[slot.category] = {"id": file_id, "name": name, "type": kind}
            order.append(slot.category)
    return documents, attached, order


def _address(form: common.ServiceForm, web: WebContext, raw: dict[str, str]) -> dict[str, Any] | None:
    if not form.definition.boundary:
        return None
    address: dict[str, Any] = {"tenantId": web.city, "city": web.city_name(web.city)}
    for key in ("boundarycode", "addressLine1", "landmark", "pincode"):
        if raw.get(f"address.{key}"):
            address[key] = raw[f"address.{key}"]
    return address


@router.post("/{service_code}/apply")
async def submit(web: WebDep, service_code: Code) -> Response:
    """Upload the documents, then Studio's create as the citizen; errors go back next to their inputs."""
    if web.user is None:
        return login_redirect(web)
    form = await common.load_form(web, service_code)
    if form is None:
        return await web.not_found()
    posted = await _posted(web)
    if posted is None:
        return await web.refused()
    details, raw = forms.read(form, posted)
    attached: dict[str, dict[str, str]] = {}
    order: list[str] = []
    try:
        documents, attached, order = await _documents(web, form, posted)
        application: dict[str, Any] = {
            "tenantId": web.city,
            "module": form.definition.module,
            "businessService": form.definition.service,
            "channel": "citizen",
            "serviceDetails": details,
            "documents": documents,
        }
        address = _address(form, web, raw)
        if address is not None:
            application["address"] = address
        body = await web.backend.post(
            f"{common.API}/application/{service_code}",
            {"Application": application},
            headers=common.tenant_header(web.city),
        )
    except ApiError as error:
        t = await common.words(web, [form.definition])
        errors = forms.field_errors(t, error, documents_sent=order)
        return await _apply_page(web, form, values=raw, errors=errors, attached=attached, status=400)
    number = body["Application"]["applicationNumber"]
    return web.redirect(web.url(f"{CITIZEN_PREFIX}/services/{service_code}/applications/{number}", created=1))


@router.get("/certificate/verify")
async def verify_certificate(
    web: WebDep,
    tenant_id: Annotated[str, Query(alias="tenantId", min_length=1, max_length=256)],
    token: Annotated[str, Query(min_length=3, max_length=600)],
) -> Response:
    """Open to anyone, no login (a certificate's QR code leads here): is it genuine and current? Read through the
    open `_verify` endpoint, so the page shows what the certificate prints and nothing more."""
    try:
        body = await web.backend.call(
            "GET", f"{common.API}/certificate/_verify", params={"tenantId": tenant_id, "token": token}
        )
        found: dict[str, Any] | None = body.get("Certificate")
    except ApiError:
        found = None
    label = state = ""
    if found:
        form = await common.load_form(web, str(found.get("serviceCode")))
        t = await common.words(web, [form.definition]) if form else web.t
        web.t = t
        label = common.service_label(t, str(found.get("module")), str(found.get("businessService")))
        prefix = form.prefix if form else f"{found.get('module')}_{found.get('businessService')}".upper()
        state = common.state_label(t, prefix, found.get("status"))
    return await web.render(
        "services/verify.html", status=200 if found else 400, certificate=found, service=label, state=state
    )


@router.get("/applications")
async def my_applications(web: WebDep) -> Response:
    """Every application of the citizen in the city, across its services, newest first."""
    if web.user is None:
        return login_redirect(web)
    found = await common.services(web, channel="citizen")
    loaded = [f for s in found if (f := await common.load_form(web, s["serviceCode"])) is not None]
    t = await common.words(web, [f.definition for f in loaded])
    web.t = t
    rows: list[dict[str, Any]] = []
    for form in loaded:
        try:
            applications, _ = await common.search(web, form.code)
        except ApiError:
            continue
        for application in applications:
            rows.append(
                {
                    "number": application["applicationNumber"],
                    "href": f"{CITIZEN_PREFIX}/services/{form.code}/applications/{application['applicationNumber']}",
                    "service": common.service_label(t, form.definition.module, form.definition.service),
                    "status": common.state_label(t, form.prefix, application.get("workflowStatus")),
                    "status_code": application.get("workflowStatus") or "",
                    "filed": (application.get("auditDetails") or {}).get("createdTime"),
                }
            )
    rows.sort(key=lambda r: r["filed"] or 0, reverse=True)
    return await web.render("services/citizen_applications.html", rows=rows)


async def _application_page(
    web: WebContext,
    form: common.ServiceForm,
    application: dict[str, Any],
    *,
    errors: dict[str, str] | None = None,
    status: int = 200,
) -> Response:
    t = await common.words(web, [form.definition])
    web.t = t
    bill = form.definition.bill_code
    return await web.render(
        "services/citizen_application.html",
        status=status,
        **await common.application_view(web, t, form, application),
        pay_link=web.url(
            f"{CITIZEN_PREFIX}/payment",
            businessService=bill,
            consumerCode=application["applicationNumber"],
            tenantId=application["tenantId"],
        )
        if common.payable(form, application)
        else None,
        errors=errors or {},
    )


@router.get("/{service_code}/applications/{number}")
async def application_page(web: WebDep, service_code: Code, number: Number) -> Response:
    if web.user is None:
        return login_redirect(web)
    form = await common.load_form(web, service_code)
    application = await common.find(web, service_code, number) if form else None
    if form is None or application is None:
        return await web.not_found()
    return await _application_page(web, form, application)


@router.post("/{service_code}/applications/{number}")
async def take_action(web: WebDep, service_code: Code, number: Number) -> Response:
    """An action the workflow offers the citizen now (never PAY: the payment takes that one)."""
    if web.user is None:
        return login_redirect(web)
    form_data = await web.form()
    if form_data is None:
        return await web.refused()
    form = await common.load_form(web, service_code)
    application = await common.find(web, service_code, number) if form else None
    if form is None or application is None:
        return await web.not_found()
    action = str(form_data.get("action") or "")
    if action not in (application.get("nextActions") or []):
        return await _application_page(web, form, application, errors={"form": web.t("CU_ERR_GENERIC")}, status=400)
    try:
        await common.act(web, service_code, application, action, str(form_data.get("comment") or "").strip())
    except ApiError as error:
        return await _application_page(web, form, application, errors={"form": web.error_text(error)}, status=400)
    return web.redirect(f"{CITIZEN_PREFIX}/services/{service_code}/applications/{number}")


@router.get("/{service_code}/applications/{number}/pdf")
async def application_pdf(
    web: WebDep, service_code: Code, number: Number, key: Annotated[str, Query(min_length=1, max_length=128)]
) -> Response:
    """The application's PDF (the certificate among them) in the citizen's language."""
    if web.user is None:
        return login_redirect(web)
    application = await common.find(web, service_code, number)
    found = await common.pdf_response(web, application, key) if application else None
    return found or await web.not_found()


@router.get("/{service_code}/applications/{number}/documents/{file_store_id}")
async def application_document(web: WebDep, service_code: Code, number: Number, file_store_id: str) -> Response:
    if web.user is None:
        return login_redirect(web)
    application = await common.find(web, service_code, number)
    if application is None or file_store_id not in {d["fileStoreId"] for d in application.get("documents") or []}:
        return await web.not_found()
    found = await common.file_response(web, application["tenantId"], file_store_id)
    return found or await web.not_found()
