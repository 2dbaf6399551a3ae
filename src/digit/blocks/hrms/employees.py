"""What the HRMS client hands other blocks: typed, read-only employees built straight from the rows read,
each able to give DIGIT's Employee wire shape for API answers (a fresh copy per call)."""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from digit.blocks.hrms.models import AssignmentRow, EmployeeRow, JurisdictionRow
from digit.blocks.hrms.service import employee_wire
from digit.kernel.envelope import UserInfo


@dataclass(frozen=True)
class AssignmentInfo:
    """A post the employee holds or held: `department` and `designation` are MDMS codes."""

    department: str
    designation: str
    is_current_assignment: bool
    reporting_to: str | None
    from_date: int
    to_date: int | None
    is_hod: bool


@dataclass(frozen=True)
class JurisdictionInfo:
    """A boundary the employee works in."""

    hierarchy: str
    boundary_type: str
    boundary: str
    tenant_id: str
    is_active: bool


@dataclass(frozen=True)
class EmployeeInfo:
    """One employee (internal use: contact details in clear). `uuid` is the user's uuid in the user block."""

    uuid: str
    code: str
    tenant_id: str
    is_active: bool
    employee_status: str | None
    employee_type: str | None
    name: str | None
    """The user's name (None when the user is missing)."""
    user_name: str | None
    mobile_number: str | None
    assignments: tuple[AssignmentInfo, ...]
    jurisdictions: tuple[JurisdictionInfo, ...]
    wire: Callable[[], dict[str, Any]] = field(repr=False, compare=False)
    """DIGIT's Employee object (camelCase, with its `user`), a new copy on each call."""

    @property
    def current_departments(self) -> frozenset[str]:
        """The departments of the employee's current assignments."""
        return frozenset(a.department for a in self.assignments if a.is_current_assignment)


def _assignment(row: AssignmentRow) -> AssignmentInfo:
    return AssignmentInfo(
        department=row.department,
        designation=row.designation,
        is_current_assignment=row.is_current_assignment,
        reporting_to=row.reporting_to,
        from_date=row.from_date,
        to_date=row.to_date,
        is_hod=row.is_hod,
    )


def _jurisdiction(row: JurisdictionRow) -> JurisdictionInfo:
    return JurisdictionInfo(
        hierarchy=row.hierarchy,
        boundary_type=row.boundary_type,
        boundary=row.boundary,
        tenant_id=row.tenant_id,
        is_active=row.is_active,
    )


def employee_info(row: EmployeeRow, user: UserInfo | None) -> EmployeeInfo:
    """The employee of a row and its user, unmasked; the wire dict is made once and copied on each `wire()`."""
    data = employee_wire(row, user)
    return EmployeeInfo(
        uuid=row.uuid,
        code=row.code,
        tenant_id=row.tenant_id,
        is_active=row.is_active,
        employee_status=row.employee_status,
        employee_type=row.employee_type,
        name=user.name if user else None,
        user_name=user.user_name if user else None,
        mobile_number=user.mobile_number if user else None,
        assignments=tuple(_assignment(a) for a in row.assignments),
        jurisdictions=tuple(_jurisdiction(j) for j in row.jurisdictions),
        wire=partial(copy.deepcopy, data),
    )
