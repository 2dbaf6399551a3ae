"""egov-hrms validation: DIGIT's rules on an Employee that need no stored record (all faults at once)."""

from __future__ import annotations

import itertools

from digit.blocks.boundary.client import BoundaryClient
from digit.blocks.hrms.schemas import Employee
from digit.blocks.mdms.client import MdmsClient
from digit.kernel.errors import Invalid
from digit.kernel.tenancy import is_state, state_of

ADMIN_HIERARCHY = "ADMIN"  # the hierarchy the boundary block serves; others are not checked


async def _codes(mdms: MdmsClient, tenant_id: str, module: str, master: str) -> set[str] | None:
    """Active codes of a master, or None when the master does not exist for the tenant."""
    records = await mdms.get_master(tenant_id=tenant_id, module=module, master=master)
    if not records:
        return None
    return {
        str(r["code"]) for r in records if isinstance(r, dict) and r.get("code") and r.get("active", True) is not False
    }


def _check_assignments(employee: Employee, faults: list[tuple[str, str]]) -> None:
    assignments = employee.assignments
    current = [a for a in assignments if a.is_current_assignment]
    if len(current) != 1:
        faults.append(
            ("ERR_HRMS_INVALID_CURRENT_ASSGN", "There should be exactly one current assignment for the employee.")
        )
    for assignment in assignments:
        if assignment.is_current_assignment and assignment.to_date is not None:
            faults.append(
                (
                    "ERR_HRMS_INVALID_ASSIGNMENT_CURRENT_TO_DATE",
                    "To Date field should be blank for current assignment of the employee.",
                )
            )
        if not assignment.is_current_assignment and assignment.to_date is None:
            faults.append(
                (
                    "ERR_HRMS_INVALID_ASSIGNMENT_NOT_CURRENT_TO_DATE",
                    "To date field should not be blank for non current assignment of the employee.",
                )
            )
        if assignment.to_date is not None and assignment.to_date < assignment.from_date:
            faults.append(("ERR_HRMS_INVALID_ASSIGNMENT_PERIOD", "Invalid period of assignment (From date - To date)."))
        if employee.date_of_appointment is not None and assignment.from_date < employee.date_of_appointment:
            faults.append(
                (
                    "ERR_HRMS_INVALID_ASSIGNMENT_DATES_APPOINTMENT",
                    "Employee period of assignment (From Date or To date) can not be before date of appointment.",
                )
            )
    closed = sorted((a for a in assignments if a.to_date is not None), key=lambda a: a.from_date)
    for earlier, later in itertools.pairwise(closed):
        if earlier.to_date is not None and later.from_date < earlier.to_date:
            faults.append(
                (
                    "ERR_HRMS_OVERLAPPING_ASSGN",
                    "There should not be overlapping period of assignments for the employee.",
                )
            )
            break
    if len(current) == 1 and any(a.to_date is not None and a.to_date > current[0].from_date for a in closed):
        faults.append(
            (
                "ERR_HRMS_OVERLAPPING_ASSGN_CURRENT",
                "Period of assignements of employee should not be after  current assignment.",
            )
        )


async def validate(mdms: MdmsClient, boundaries: BoundaryClient, employee: Employee) -> None:
    """Every DIGIT rule that does not need the stored employee; all faults at once (400)."""
    faults: list[tuple[str, str]] = []
    tenant_id = employee.tenant_id
    if is_state(tenant_id) or await mdms.get_tenant(tenant_id) is None:
        raise Invalid("INVALID_TENANT_ID", "an employee belongs to a known city tenant", params=[tenant_id])
    if not employee.assignments:
        faults.append(
            ("ERR_HRMS_INVALID_CURRENT_ASSGN", "There should be exactly one current assignment for the employee.")
        )
    _check_assignments(employee, faults)
    departments = await _codes(mdms, tenant_id, "common-masters", "Department") or set()
    designations = await _codes(mdms, tenant_id, "common-masters", "Designation") or set()
    if any(a.department not in departments for a in employee.assignments):
        faults.append(("ERR_HRMS_INVALID_DEPT", "Invalid department of employee entered."))
    if any(a.designation not in designations for a in employee.assignments):
        faults.append(("ERR_HRMS_INVALID_DESG", "Invalid designation of employee."))
    types = await _codes(mdms, tenant_id, "egov-hrms", "EmployeeType")
    if types is not None and employee.employee_type is not None and employee.employee_type not in types:
        faults.append(("ERR_HRMS_INVALID_EMP_TYPE", "Invalid employee type entered."))
    statuses = await _codes(mdms, tenant_id, "egov-hrms", "EmployeeStatus")
    if statuses is not None and employee.employee_status is not None and employee.employee_status not in statuses:
        faults.append(("ERR_HRMS_INVALID_EMP_STATUS_ROLE", "Invalid employment status entered."))
    if not any(j.is_active for j in employee.jurisdictions):
        faults.append(("ERR_HRMS_INVALID_JURISDICTION_ACTIIEV_NULL", "Jurisiction should have atleast 1 active data"))
    faults.extend(await _check_boundaries(boundaries, employee))
    if any(state_of(j.tenant_id) != state_of(tenant_id) for j in employee.jurisdictions):
        faults.append(("ERR_HRMS_INVALID_JURISDICTION_TENANT", "Jurisdictions must lie in the employee's state."))
    if not employee.user.get("name"):
        faults.append(("ERR_HRMS_INVALID_NAME", "The employee's name is required."))
    if not employee.user.get("mobileNumber"):
        faults.append(("ERR_HRMS_INVALID_MOB_NO", "Invalid mobile number entered."))
    if faults:
        raise Invalid.many(list(dict.fromkeys(faults)))


def merged_roles(employee: Employee) -> list[dict[str, str]]:
    """The user's roles: those sent on `user.roles` plus each active jurisdiction's, each with a tenant."""
    roles: dict[tuple[str, str], dict[str, str]] = {}
    for role in employee.user.get("roles") or []:
        if isinstance(role, dict) and role.get("code"):
            tenant = str(role.get("tenantId") or employee.tenant_id)
            roles[(str(role["code"]), tenant)] = {"code": str(role["code"]), "tenantId": tenant}
    for jurisdiction in employee.jurisdictions:
        if not jurisdiction.is_active:
            continue
        for role in jurisdiction.roles:
            if isinstance(role, dict) and role.get("code"):
                tenant = str(role.get("tenantId") or jurisdiction.tenant_id)
                roles[(str(role["code"]), tenant)] = {"code": str(role["code"]), "tenantId": tenant}
    if not roles:
        raise Invalid("ERR_HRMS_MISSING_ROLES", "An employee needs at least one role.")
    return list(roles.values())


async def _check_boundaries(boundaries: BoundaryClient, employee: Employee) -> list[tuple[str, str]]:
    """ADMIN-hierarchy jurisdictions name a boundary of their tenant, with its level as boundaryType."""
    faults: list[tuple[str, str]] = []
    for jurisdiction in employee.jurisdictions:
        if jurisdiction.hierarchy.upper() != ADMIN_HIERARCHY:
            continue
        found = await boundaries.get_boundaries(jurisdiction.tenant_id, [jurisdiction.boundary])
        node = found.get(jurisdiction.boundary)
        if node is None:
            faults.append(("ERR_HRMS_INVALID_JURISDICTION_BOUNDARY", "Jurisiction boundary value is invalid."))
        elif (node.label or "").lower() != jurisdiction.boundary_type.lower():
            faults.append(("ERR_HRMS_INVALID_BOUNDARY_TYPE_HEIRARCHY", "Jurisiction boundary type value is invalid."))
    return faults
