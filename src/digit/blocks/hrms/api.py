"""egov-hrms routes: `/egov-hrms/employees/_create|_update|_search|_count`."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from digit.blocks.hrms import service
from digit.blocks.hrms.schemas import EmployeeCountResponse, EmployeeRequest, EmployeeResponse
from digit.blocks.hrms.service import Hrms, SearchCriteria
from digit.kernel.deps import CurrentActor, PlatformDep, SessionDep
from digit.kernel.envelope import RequestInfoBody, response_info, split_values

router = APIRouter(prefix="/egov-hrms/employees", tags=["hrms"])

ListParam = Annotated[str | None, Query(description="comma-separated")]


@router.post("/_create")
async def create_employees(
    body: EmployeeRequest, session: SessionDep, actor: CurrentActor, platform: PlatformDep
) -> EmployeeResponse:
    """Create employees and their EMPLOYEE users (code from idgen unless given)."""
    employees = await service.create_employees(session, Hrms(platform), employees=body.employees, actor=actor)
    return EmployeeResponse(response_info=response_info(body.request_info), employees=employees)


@router.post("/_update")
async def update_employees(
    body: EmployeeRequest, session: SessionDep, actor: CurrentActor, platform: PlatformDep
) -> EmployeeResponse:
    """Update employees (every stored assignment and jurisdiction sent back), their users too."""
    employees = await service.update_employees(session, Hrms(platform), employees=body.employees, actor=actor)
    return EmployeeResponse(response_info=response_info(body.request_info), employees=employees)


@router.post("/_search")
async def search_employees(
    platform: PlatformDep,
    actor: CurrentActor,
    session: SessionDep,
    body: RequestInfoBody | None = None,
    tenant_id: Annotated[str | None, Query(alias="tenantId")] = None,
    codes: ListParam = None,
    names: ListParam = None,
    departments: ListParam = None,
    designations: ListParam = None,
    roles: ListParam = None,
    uuids: ListParam = None,
    ids: ListParam = None,
    is_active: Annotated[bool | None, Query(alias="isActive")] = None,
    phone: Annotated[str | None, Query(max_length=20)] = None,
    offset: Annotated[int, Query(ge=0)] = 0,
    limit: Annotated[int, Query(ge=1, le=service.MAX_LIMIT)] = service.DEFAULT_LIMIT,
) -> EmployeeResponse:
    """Search employees of a tenant (a state covers its cities); contact details masked unless HR admin."""
    criteria = SearchCriteria(
        tenant_id=tenant_id or actor.tenant_id,
        codes=split_values(codes),
        names=split_values(names),
        departments=split_values(departments),
        designations=split_values(designations),
        roles=split_values(roles),
        uuids=split_values(uuids),
        ids=split_values(ids),
        is_active=is_active,
        phone=phone,
        offset=offset,
        limit=limit,
    )
    employees = await service.search_employees(session, Hrms(platform), criteria, viewer=actor)  # audit rows: written
    return EmployeeResponse(response_info=response_info(body.request_info if body else None), employees=employees)


@router.post("/_count")
async def count_employees(
    platform: PlatformDep,
    actor: CurrentActor,
    body: RequestInfoBody | None = None,
    tenant_id: Annotated[str | None, Query(alias="tenantId")] = None,
) -> EmployeeCountResponse:
    """Total, active and inactive employees of a tenant (DIGIT's `EmployeCount`)."""
    async with platform.read_sessions() as session:
        count = await service.count_employees(session, tenant_id=tenant_id or actor.tenant_id)
    return EmployeeCountResponse(response_info=response_info(body.request_info if body else None), employe_count=count)
