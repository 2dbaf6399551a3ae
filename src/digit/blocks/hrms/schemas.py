"""egov-hrms wire models: DIGIT's Employee with assignments, jurisdictions and the user behind it."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from pydantic import AliasChoices, ConfigDict, Field

from digit.kernel.envelope import RequestInfo, ResponseInfo, WireModel
from digit.kernel.paging import Csv, Paged, page_limit


class EmployeeStatus(StrEnum):
    """The employment status an employee gets when none is sent; the others a tenant allows are MDMS
    `egov-hrms.EmployeeStatus` records, so they are data, not members here."""

    EMPLOYED = "EMPLOYED"


class HrmsAuditDetails(WireModel):
    created_by: str | None = None
    created_date: int | None = None
    last_modified_by: str | None = None
    last_modified_date: int | None = None


class Assignment(WireModel):
    model_config = ConfigDict(extra="ignore")

    id: str | None = None
    position: int | None = None
    department: str = Field(min_length=1, max_length=64)
    designation: str = Field(min_length=1, max_length=64)
    from_date: int
    to_date: int | None = None
    govt_order_number: str | None = Field(default=None, max_length=128)
    tenantid: str | None = None
    reporting_to: str | None = Field(default=None, max_length=64)
    is_hod: bool = Field(
        default=False, validation_alias=AliasChoices("isHOD", "isHod", "is_hod"), serialization_alias="isHOD"
    )
    is_current_assignment: bool = False
    audit_details: HrmsAuditDetails | None = None


class Jurisdiction(WireModel):
    model_config = ConfigDict(extra="ignore")

    id: str | None = None
    hierarchy: str = Field(min_length=1, max_length=64)
    boundary_type: str = Field(min_length=1, max_length=64)
    boundary: str = Field(min_length=1, max_length=256)
    tenant_id: str = Field(min_length=1, max_length=256)
    roles: list[dict[str, Any]] = Field(default_factory=list)
    is_active: bool = Field(default=True, validation_alias=AliasChoices("isActive", "isactive", "is_active"))
    audit_details: HrmsAuditDetails | None = None


class Employee(WireModel):
    """DIGIT's Employee. `user` holds DIGIT User fields (camelCase) and is created/updated in the user block."""

    model_config = ConfigDict(extra="ignore")

    id: str | None = None
    uuid: str | None = None
    code: str | None = Field(default=None, min_length=1, max_length=256)
    employee_status: str | None = Field(default=None, max_length=250)
    employee_type: str | None = Field(default=None, max_length=250)
    date_of_appointment: int | None = None
    jurisdictions: list[Jurisdiction] = Field(default_factory=list, max_length=50)
    assignments: list[Assignment] = Field(default_factory=list, max_length=100)
    service_history: list[dict[str, Any]] = Field(default_factory=list, max_length=25)
    is_active: bool | None = Field(default=None, validation_alias=AliasChoices("isActive", "IsActive", "is_active"))
    education: list[dict[str, Any]] = Field(default_factory=list, max_length=25)
    tests: list[dict[str, Any]] = Field(default_factory=list, max_length=25)
    tenant_id: str = Field(min_length=1, max_length=256)
    documents: list[dict[str, Any]] = Field(default_factory=list, max_length=50)
    deactivation_details: list[dict[str, Any]] = Field(default_factory=list)
    reactivation_details: list[dict[str, Any]] = Field(default_factory=list)
    audit_details: HrmsAuditDetails | None = None
    re_activate_employee: bool | None = None
    user: dict[str, Any] = Field(default_factory=dict)


class EmployeeRequest(WireModel):
    request_info: RequestInfo = Field(default_factory=RequestInfo, alias="RequestInfo")
    employees: list[Employee] = Field(alias="Employees", min_length=1, max_length=100)


class EmployeeResponse(WireModel):
    response_info: ResponseInfo = Field(alias="ResponseInfo")
    employees: list[dict[str, Any]] = Field(alias="Employees")


class EmployeeCount(WireModel):
    total_employee: int
    active_employee: int
    inactive_employee: int


class EmployeeCountResponse(WireModel):
    response_info: ResponseInfo = Field(alias="ResponseInfo")
    employe_count: EmployeeCount = Field(alias="EmployeCount")  # DIGIT's spelling


DEFAULT_LIMIT = 200
MAX_LIMIT = 10_000


class EmployeeSearch(Paged):
    """employees/_search criteria (query parameters; the tenant comes from the access gate)."""

    codes: Csv
    names: Csv
    departments: Csv
    designations: Csv
    roles: Csv
    uuids: Csv
    ids: Csv
    is_active: bool | None = None
    phone: str | None = Field(default=None, max_length=20)
    limit: int = page_limit(default=DEFAULT_LIMIT, maximum=MAX_LIMIT)
