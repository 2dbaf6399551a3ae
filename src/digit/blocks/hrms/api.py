"""egov-hrms routes: `/egov-hrms/employees/_create|_update|_search|_count`."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from digit.blocks.hrms import service
from digit.blocks.hrms.deps import hrms_of
from digit.blocks.hrms.schemas import EmployeeCountResponse, EmployeeRequest, EmployeeResponse, EmployeeSearch
from digit.blocks.hrms.service import SearchCriteria
from digit.kernel.deps import CurrentActor, PlatformDep, SessionDep
from digit.kernel.envelope import RequestInfoBody, response_info
from digit.kernel.idempotency import IdempotencyKey
from digit.kernel.request_tenants import OptionalTenantQuery

router = APIRouter(prefix="/egov-hrms/employees", tags=["hrms"])


@router.post("/_create")
async def create_employees(
    body: EmployeeRequest,
    session: SessionDep,
    actor: CurrentActor,
    platform: PlatformDep,
    idempotency_key: IdempotencyKey = None,
) -> EmployeeResponse:
    """Create employees and their EMPLOYEE users (code from idgen unless given); with an `Idempotency-Key` a
    retry answers the employees the first call made."""
    employees = await service.create_employees_once(
        session,
        hrms_of(platform),
        employees=body.employees,
        actor=actor,
        idempotency_key=idempotency_key,
        request=body.model_dump(mode="json", exclude={"request_info"}),
    )
    return EmployeeResponse(response_info=response_info(body.request_info), employees=employees)


@router.post("/_update")
async def update_employees(
    body: EmployeeRequest, session: SessionDep, actor: CurrentActor, platform: PlatformDep
) -> EmployeeResponse:
    """Update employees (every stored assignment and jurisdiction sent back), their users too."""
    employees = await service.update_employees(session, hrms_of(platform), employees=body.employees, actor=actor)
    return EmployeeResponse(response_info=response_info(body.request_info), employees=employees)


@router.post("/_search")
async def search_employees(
    platform: PlatformDep,
    actor: CurrentActor,
    session: SessionDep,
    query: Annotated[EmployeeSearch, Query()],
    body: RequestInfoBody | None = None,
    tenant_id: OptionalTenantQuery = None,
) -> EmployeeResponse:
    """Search employees of a tenant (a state covers its cities); contact details masked unless HR admin."""
    criteria = SearchCriteria.of(tenant_id or actor.tenant_id, query)
    # the PII audit rows are written in this request's session
    employees = await service.search_employees(session, hrms_of(platform), criteria, viewer=actor)
    return EmployeeResponse(response_info=response_info(body), employees=employees)


@router.post("/_count")
async def count_employees(
    platform: PlatformDep,
    actor: CurrentActor,
    body: RequestInfoBody | None = None,
    tenant_id: OptionalTenantQuery = None,
) -> EmployeeCountResponse:
    """Total, active and inactive employees of a tenant (DIGIT's `EmployeCount`)."""
    count = await service.count_employees(platform, tenant_id=tenant_id or actor.tenant_id)
    return EmployeeCountResponse(response_info=response_info(body), employe_count=count)
