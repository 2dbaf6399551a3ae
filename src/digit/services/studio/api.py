"""DIGIT Studio's public-service API on its paths, with DIGIT's `Errors[]` shape; studio-pdf's download.

Every route takes Studio's `X-Tenant-Id` header (the access gate reads it as one of the request's tenant
places, so it is authorised like any other); GET searches carry no body.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Path, Query, Response

from digit.kernel import idempotency
from digit.kernel.deps import CurrentActor, PlatformDep, SessionDep
from digit.kernel.envelope import RequestInfoBody, response_info
from digit.kernel.errors import NotFound
from digit.kernel.idempotency import IdempotencyKey
from digit.kernel.request_tenants import AuthorisedTenants, TenantQuery
from digit.kernel.security import Actor
from digit.services.studio import registry, service
from digit.services.studio.deps import StudioDeps
from digit.services.studio.schemas import (
    ApplicationRequest,
    ApplicationResponse,
    ApplicationSearch,
    ApplicationsResponse,
    PdfQuery,
    ServiceRequest,
    ServiceSearch,
    ServicesResponse,
)

router = APIRouter(prefix="/public-service/v1", tags=["studio"])
pdf_router = APIRouter(prefix="/studio-pdf/public-service", tags=["studio"])
init_router = APIRouter(prefix="/public-service-init/v1", tags=["studio"])

TenantHeader = Annotated[str | None, Header(alias="X-Tenant-Id", max_length=256)]
ServiceCode = Annotated[str, Path(alias="serviceCode", min_length=1, max_length=160)]
OPEN_ROUTES = ("/public-service/v1/certificate/_verify", "/public-service/v1/form/{serviceCode}")


@dataclass(frozen=True)
class Caller:
    """Who calls, and the tenants the access gate authorised for the call."""

    actor: Actor
    header_tenant: str | None
    authorised: frozenset[str]

    def tenant(self, body_tenant: str | None = None) -> str:
        """Studio's `X-Tenant-Id`, else the body's `tenantId` (one of them is required)."""
        return service.tenant_of(self.header_tenant, body_tenant, self.authorised)


async def _caller(actor: CurrentActor, tenants: AuthorisedTenants, x_tenant_id: TenantHeader = None) -> Caller:
    """A coroutine, so FastAPI runs it in no worker thread."""
    return Caller(actor=actor, header_tenant=x_tenant_id, authorised=tenants)


StudioCaller = Annotated[Caller, Depends(_caller)]


@router.post("/service")
async def register_service(
    body: ServiceRequest, session: SessionDep, platform: PlatformDep, caller: StudioCaller
) -> ServicesResponse:
    """Register the `Studio.ServiceConfiguration` record `{module}.{businessService}`: workflow, idgen format,
    billing masters, roles and role-actions; 400 naming every fault of an unsound definition."""
    created = await registry.register_service(
        session,
        StudioDeps.of(platform),
        tenant_id=caller.tenant(body.service.tenant_id),
        service=body.service,
        actor=caller.actor,
        now_ms=platform.clock.now_ms(),
    )
    return ServicesResponse(response_info=response_info(body.request_info), services=[created])


@router.put("/service/{serviceCode}")
async def update_service(
    service_code: ServiceCode, body: ServiceRequest, session: SessionDep, platform: PlatformDep, caller: StudioCaller
) -> ServicesResponse:
    """Take the configuration as MDMS holds it now (a new version), or switch the service ACTIVE/INACTIVE."""
    updated = await registry.update_service(
        session,
        StudioDeps.of(platform),
        tenant_id=caller.tenant(body.service.tenant_id),
        service_code=service_code,
        service=body.service,
        actor=caller.actor,
        now_ms=platform.clock.now_ms(),
    )
    return ServicesResponse(response_info=response_info(body.request_info), services=[updated])


@router.get("/service")
async def search_services(
    session: SessionDep, caller: StudioCaller, criteria: Annotated[ServiceSearch, Query()]
) -> ServicesResponse:
    """Registered services of the tenant (and its state)."""
    found = await registry.search_services(session, tenant_id=caller.tenant(), criteria=criteria)
    return ServicesResponse(response_info=response_info(None), services=found)


@router.post("/application/{serviceCode}")
async def create_application(
    service_code: ServiceCode,
    body: ApplicationRequest,
    session: SessionDep,
    platform: PlatformDep,
    caller: StudioCaller,
    idempotency_key: IdempotencyKey = None,
) -> ApplicationResponse:
    """Apply: the form checked against the service's JSON Schema, a number from its idgen format, its workflow
    started with `Application.workflow.action` (the start state's first action when none is given).

    With an `Idempotency-Key` a retry answers the application the first call made, as it is now."""
    tenant_id, actor = caller.tenant(body.application.tenant_id), caller.actor
    deps, now_ms = StudioDeps.of(platform), platform.clock.now_ms()

    async def made_before(first: dict[str, Any]) -> dict[str, Any]:
        criteria = ApplicationSearch.model_validate({"ids": [first["id"]]})
        found, _ = await service.search_applications(
            session, deps, tenant_id=tenant_id, service_code=service_code, criteria=criteria, actor=actor
        )
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
    platform: PlatformDep,
    caller: StudioCaller,
    criteria: Annotated[ApplicationSearch, Query()],
) -> ApplicationsResponse:
    """Applications of the service in the city (a citizen sees only theirs), newest first."""
    found, total = await service.search_applications(
        session,
        StudioDeps.of(platform),
        tenant_id=caller.tenant(),
        service_code=service_code,
        criteria=criteria,
        actor=caller.actor,
    )
    return ApplicationsResponse(response_info=response_info(None), application=found, total_count=total)


@router.put("/application/{serviceCode}/{applicationId}")
async def update_application(
    service_code: ServiceCode,
    application_id: Annotated[str, Path(alias="applicationId", min_length=1, max_length=64)],
    body: ApplicationRequest,
    session: SessionDep,
    platform: PlatformDep,
    caller: StudioCaller,
) -> ApplicationResponse:
    """Act on an application (`Application.workflow.action`); form values change only where the state allows."""
    updated = await service.update_application(
        session,
        StudioDeps.of(platform),
        service_code=service_code,
        application_id=application_id,
        tenant_id=caller.tenant(body.application.tenant_id),
        application=body.application,
        actor=caller.actor,
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
    query: Annotated[PdfQuery, Query()],
    body: RequestInfoBody | None = None,
) -> Response:
    """studio-pdf: the application's PDF of `pdfKey` (its certificate when none is named), in the caller's language."""
    content = await service.render_pdf(
        session,
        StudioDeps.of(platform),
        tenant_id=tenant_id,
        service_code=query.service_code,
        application_number=query.application_number,
        pdf_key=query.pdf_key,
        actor=actor,
        locale=query.locale or (actor.user.locale if actor.user and actor.user.locale else "en_IN"),
    )
    return Response(
        content,
        media_type="application/pdf",
        headers={"content-disposition": f'attachment; filename="{query.application_number}.pdf"'},
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
