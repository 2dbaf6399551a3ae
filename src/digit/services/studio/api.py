"""DIGIT Studio's public-service API on its paths, with DIGIT's `Errors[]` shape; studio-pdf's download.

Every route takes Studio's `X-Tenant-Id` header (the access gate reads it as one of the request's tenant
places, so it is authorised like any other); GET searches carry no body.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Header, Path, Query, Response

from digit.kernel import idempotency
from digit.kernel.deps import CurrentActor, PlatformDep, SessionDep
from digit.kernel.envelope import RequestInfoBody, response_info, split_values
from digit.kernel.errors import NotFound
from digit.kernel.idempotency import IdempotencyKey
from digit.kernel.request_tenants import AuthorisedTenants, TenantQuery
from digit.services.studio import registry, service
from digit.services.studio.deps import StudioDeps
from digit.services.studio.schemas import (
    ApplicationRequest,
    ApplicationResponse,
    ApplicationsResponse,
    ServiceRequest,
    ServicesResponse,
)

router = APIRouter(prefix="/public-service/v1", tags=["studio"])
pdf_router = APIRouter(prefix="/studio-pdf/public-service", tags=["studio"])
init_router = APIRouter(prefix="/public-service-init/v1", tags=["studio"])

TenantHeader = Annotated[str | None, Header(alias="X-Tenant-Id", max_length=256)]
ServiceCode = Annotated[str, Path(alias="serviceCode", min_length=1, max_length=160)]
OPEN_ROUTES = ("/public-service/v1/certificate/_verify", "/public-service/v1/form/{serviceCode}")


@router.post("/service")
async def register_service(
    body: ServiceRequest,
    session: SessionDep,
    actor: CurrentActor,
    platform: PlatformDep,
    tenants: AuthorisedTenants,
    x_tenant_id: TenantHeader = None,
) -> ServicesResponse:
    """Register the `Studio.ServiceConfiguration` record `{module}.{businessService}`: workflow, idgen format,
    billing masters, roles and role-actions; 400 naming every fault of an unsound definition."""
    tenant_id = service.tenant_of(x_tenant_id, body.service.tenant_id, tenants)
    created = await registry.register_service(
        session,
        StudioDeps.of(platform),
        tenant_id=tenant_id,
        service=body.service,
        actor=actor,
        now_ms=platform.clock.now_ms(),
    )
    return ServicesResponse(response_info=response_info(body.request_info), services=[created])


@router.put("/service/{serviceCode}")
async def update_service(
    service_code: ServiceCode,
    body: ServiceRequest,
    session: SessionDep,
    actor: CurrentActor,
    platform: PlatformDep,
    tenants: AuthorisedTenants,
    x_tenant_id: TenantHeader = None,
) -> ServicesResponse:
    """Take the configuration as MDMS holds it now (a new version), or switch the service ACTIVE/INACTIVE."""
    tenant_id = service.tenant_of(x_tenant_id, body.service.tenant_id, tenants)
    updated = await registry.update_service(
        session,
        StudioDeps.of(platform),
        tenant_id=tenant_id,
        service_code=service_code,
        service=body.service,
        actor=actor,
        now_ms=platform.clock.now_ms(),
    )
    return ServicesResponse(response_info=response_info(body.request_info), services=[updated])


@router.get("/service")
async def search_services(
    session: SessionDep,
    tenants: AuthorisedTenants,
    x_tenant_id: TenantHeader = None,
    module: Annotated[str | None, Query(max_length=64)] = None,
    business_service: Annotated[str | None, Query(alias="businessService", max_length=64)] = None,
    service_code: Annotated[str | None, Query(alias="serviceCode", max_length=160)] = None,
    status: Annotated[str | None, Query(pattern="^(ACTIVE|INACTIVE)$")] = None,
) -> ServicesResponse:
    """Registered services of the tenant (and its state)."""
    tenant_id = service.tenant_of(x_tenant_id, None, tenants)
    found = await registry.search_services(
        session,
        tenant_id=tenant_id,
        module=module,
        business_service=business_service,
        service_code=service_code,
        status=status,
    )
    return ServicesResponse(response_info=response_info(None), services=found)


@router.post("/application/{serviceCode}")
async def create_application(
    service_code: ServiceCode,
    body: ApplicationRequest,
    session: SessionDep,
    actor: CurrentActor,
    platform: PlatformDep,
    tenants: AuthorisedTenants,
    x_tenant_id: TenantHeader = None,
    idempotency_key: IdempotencyKey = None,
) -> ApplicationResponse:
    """Apply: the form checked against the service's JSON Schema, a number from its idgen format, its workflow
    started with `Application.workflow.action` (the start state's first action when none is given).

    With an `Idempotency-Key` a retry answers the application the first call made, as it is now."""
    tenant_id = service.tenant_of(x_tenant_id, body.application.tenant_id, tenants)
    deps, now_ms = StudioDeps.of(platform), platform.clock.now_ms()

    async def made_before(first: dict[str, Any]) -> dict[str, Any]:
        criteria = service.SearchCriteria(tenant_id=tenant_id, service_code=service_code, ids=(first["id"],))
        found, _ = await service.search_applications(session, deps, criteria=criteria, actor=actor)
        if not found:
            raise NotFound("APPLICATION_NOT_FOUND", "the application this Idempotency-Key made is not found")
        return found[0]

    created = await idempotency.once(
        session,
        key=idempotency_key,
        operation=f"studio.application.create:{service_code}",
        tenant_id=tenant_id,
        caller=actor.uuid,
        request=body.model_dump(mode="json", exclude={"request_info"}),
        now_ms=now_ms,
        create=lambda: service.create_application(
            session,
            deps,
            service_code=service_code,
            tenant_id=tenant_id,
            application=body.application,
            actor=actor,
            now_ms=now_ms,
        ),
        reference=lambda made: {"id": made["id"]},
        replay=made_before,
    )
    return ApplicationResponse(response_info=response_info(body.request_info), application=created)


@router.get("/application/{serviceCode}")
async def search_applications(
    service_code: ServiceCode,
    session: SessionDep,
    actor: CurrentActor,
    platform: PlatformDep,
    tenants: AuthorisedTenants,
    x_tenant_id: TenantHeader = None,
    application_number: Annotated[str | None, Query(alias="applicationNumber", max_length=2000)] = None,
    ids: Annotated[str | None, Query(max_length=4000)] = None,
    status: Annotated[str | None, Query(max_length=400)] = None,
    workflow_status: Annotated[str | None, Query(alias="workflowStatus", max_length=400)] = None,
    module: Annotated[str | None, Query(max_length=64)] = None,
    business_service: Annotated[str | None, Query(alias="businessService", max_length=64)] = None,
    limit: Annotated[int, Query(ge=1, le=service.MAX_LIMIT)] = 100,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> ApplicationsResponse:
    """Applications of the service in the city (a citizen sees only theirs), newest first."""
    tenant_id = service.tenant_of(x_tenant_id, None, tenants)
    criteria = service.SearchCriteria(
        tenant_id=tenant_id,
        service_code=service_code,
        application_numbers=tuple(split_values(application_number)),
        ids=tuple(split_values(ids)),
        status=tuple(split_values(status)),
        workflow_status=tuple(split_values(workflow_status)),
        module=module,
        business_service=business_service,
        limit=limit,
        offset=offset,
    )
    found, total = await service.search_applications(session, StudioDeps.of(platform), criteria=criteria, actor=actor)
    return ApplicationsResponse(response_info=response_info(None), application=found, total_count=total)


@router.put("/application/{serviceCode}/{applicationId}")
async def update_application(
    service_code: ServiceCode,
    application_id: Annotated[str, Path(alias="applicationId", min_length=1, max_length=64)],
    body: ApplicationRequest,
    session: SessionDep,
    actor: CurrentActor,
    platform: PlatformDep,
    tenants: AuthorisedTenants,
    x_tenant_id: TenantHeader = None,
) -> ApplicationResponse:
    """Act on an application (`Application.workflow.action`); form values change only where the state allows."""
    tenant_id = service.tenant_of(x_tenant_id, body.application.tenant_id, tenants)
    updated = await service.update_application(
        session,
        StudioDeps.of(platform),
        service_code=service_code,
        application_id=application_id,
        tenant_id=tenant_id,
        application=body.application,
        actor=actor,
        now_ms=platform.clock.now_ms(),
    )
    return ApplicationResponse(response_info=response_info(body.request_info), application=updated)


@router.get("/certificate/_verify")
async def verify_certificate(
    session: SessionDep,
    platform: PlatformDep,
    tenant_id: TenantQuery,
    token: Annotated[str, Query(min_length=3, max_length=600)],
) -> dict[str, object]:
    """Open to anyone (the QR code leads here): is the certificate genuine and current? Shows only what it prints."""
    found = await service.verify_certificate(session, StudioDeps.of(platform), tenant_id=tenant_id, token=token)
    return {"responseInfo": response_info(None).wire(), "Certificate": found}


@pdf_router.post("/download/pdf", response_class=Response, responses={200: {"content": {"application/pdf": {}}}})
async def download_pdf(
    session: SessionDep,
    actor: CurrentActor,
    platform: PlatformDep,
    tenant_id: TenantQuery,
    application_number: Annotated[str, Query(alias="applicationNumber", min_length=1, max_length=128)],
    service_code: Annotated[str, Query(alias="serviceCode", min_length=1, max_length=160)],
    pdf_key: Annotated[str | None, Query(alias="pdfKey", max_length=128)] = None,
    locale: Annotated[str | None, Query(pattern=r"^[a-z]{2}_[A-Z]{2}$")] = None,
    body: RequestInfoBody | None = None,
) -> Response:
    """studio-pdf: the application's PDF of `pdfKey` (its certificate when none is named), in the caller's language."""
    content = await service.render_pdf(
        session,
        StudioDeps.of(platform),
        tenant_id=tenant_id,
        service_code=service_code,
        application_number=application_number,
        pdf_key=pdf_key,
        actor=actor,
        locale=locale or (actor.user.locale if actor.user and actor.user.locale else "en_IN"),
    )
    return Response(
        content,
        media_type="application/pdf",
        headers={"content-disposition": f'attachment; filename="{application_number}.pdf"'},
    )


@router.get("/form/{serviceCode}")
async def form(
    service_code: ServiceCode,
    session: SessionDep,
    platform: PlatformDep,
    tenant_id: TenantQuery,
) -> dict[str, object]:
    """Studio's `GET /v1/form/{serviceCode}` (open: a form is public): the service, its current definition, the
    JSON Schema the server validates `serviceDetails` against, and the MDMS records its choices come from, so
    a client renders the same form the server checks."""
    deps = StudioDeps.of(platform)
    loaded = await service.load_service(session, service_code=service_code, tenant_id=tenant_id)
    references = await registry.reference_data(deps, tenant_id=tenant_id, definition=loaded.definition)
    return {
        "responseInfo": response_info(None).wire(),
        "Service": registry.service_wire(loaded.row),
        "Form": {
            "definition": loaded.row.config,
            "schema": await service.form_schema(deps, loaded, tenant_id=tenant_id),
            "references": {
                code: [
                    {"code": r.get("code"), "name": r.get("name")}
                    for r in records
                    if isinstance(r, dict) and r.get("code") is not None and r.get("active", True)
                ]
                for code, records in references.items()
            },
        },
    }


# Studio's later registry service (`public-service-init`): the same registration, on its own paths.
init_router.add_api_route("/service", register_service, methods=["POST"], summary="Register a configured service")
init_router.add_api_route("/service", search_services, methods=["GET"], summary="Registered services")
init_router.add_api_route(
    "/service/{serviceCode}", update_service, methods=["PUT"], summary="A new version of a configured service"
)
