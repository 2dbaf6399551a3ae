"""egov-hrms rules: employees backed by EMPLOYEE users, with assignments and jurisdictions.

DIGIT's rules kept: exactly one current assignment (no toDate), non-current ones closed, periods not
overlapping and not before the appointment; departments and designations from MDMS
`common-masters`; employee type/status from MDMS `egov-hrms` when those masters exist; at least one
active jurisdiction; an update must carry every assignment and jurisdiction stored before; the code
never changes. The employee code comes from idgen (`EMP-[city]-[SEQ_EG_HRMS_EMP_CODE]`) unless given,
and is the user's userName, as in DIGIT.

Differences: `departments`/`designations` search the *current* assignment (what routing needs);
`names` is an exact, case-insensitive match through a blind index (names are stored encrypted).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

from pydantic import ValidationError
from sqlalchemy import and_, exists, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql import Select

from digit.blocks.boundary.client import BoundaryClient
from digit.blocks.encryption.client import EncryptionClient
from digit.blocks.hrms.models import AssignmentRow, EmployeeRow, JurisdictionRow
from digit.blocks.hrms.schemas import (
    DEFAULT_LIMIT,
    MAX_LIMIT,
    Assignment,
    Employee,
    EmployeeCount,
    EmployeeSearch,
    EmployeeStatus,
    Jurisdiction,
)
from digit.blocks.hrms.validation import merged_roles, validate
from digit.blocks.idgen.client import IdgenClient
from digit.blocks.mdms.client import MdmsClient
from digit.blocks.user.client import NewUser, PiiView, UserChanges, UserClient, shown, unmasked
from digit.kernel import idempotency
from digit.kernel.db import stamp
from digit.kernel.envelope import UserInfo, UserType
from digit.kernel.errors import Invalid
from digit.kernel.events import emit
from digit.kernel.platform import Platform
from digit.kernel.security import Actor
from digit.kernel.tenancy import in_tenant, state_of
from digit.kernel.versions import bump

log = logging.getLogger(__name__)

ID_NAME = "hrms.employeecode"
ID_FORMAT = "EMP-[city]-[SEQ_EG_HRMS_EMP_CODE]"
NAME_FIELD = "hrms.employee.name"
PII_VIEWER_ROLES = frozenset({"HRMS_ADMIN", "SUPERUSER", "SYSTEM"})
MASKED_USER_FIELDS = (
    "mobileNumber",
    "emailId",
    "altContactNumber",
    "alternatemobilenumber",
    "pan",
    "aadhaarNumber",
    "permanentAddress",
    "correspondenceAddress",
    "permanentPinCode",
    "correspondencePinCode",
    "dob",
    "fatherOrHusbandName",
)
USER_FIELDS_NOT_UPDATED = ("userName", "type", "tenantId", "uuid", "id", "roles", "active", "password")
DETAIL_FIELDS = ("serviceHistory", "education", "tests", "documents", "deactivationDetails", "reactivationDetails")
TOPIC_CREATE = "save-hrms-employee"
TOPIC_UPDATE = "update-hrms-employee"


HRMS_EMPLOYEES = "hrms-employees"
"""The version counter of employee records: a create or update drops every process's cached searches."""


@dataclass(frozen=True)
class Hrms:
    """What the rules need from other blocks, handed in once (see `hrms_of` in deps.py)."""

    platform: Platform
    mdms: MdmsClient
    boundaries: BoundaryClient
    users: UserClient
    enc: EncryptionClient
    idgen: IdgenClient

    def now_ms(self) -> int:
        return self.platform.clock.now_ms()

    def name_index(self, tenant_id: str, name: str | None) -> str | None:
        if not name or not name.strip():
            return None
        return self.enc.blind_index(tenant_id=state_of(tenant_id), field=NAME_FIELD, value=name.strip().lower())

    async def generate_code(self, session: AsyncSession, tenant_id: str) -> str:
        codes = await self.idgen.generate(session, tenant_id=tenant_id, id_name=ID_NAME, format=ID_FORMAT)
        if not codes:
            raise Invalid("ERR_HRMS_GENERATE_ID_ERROR", "Unable to create ids")
        return codes[0]


# ---------------------------------------------------------------------------------------- rows <-> wire


def _apply_assignment(row: AssignmentRow, assignment: Assignment, seq: int) -> None:
    row.position = assignment.position
    row.department = assignment.department
    row.designation = assignment.designation
    row.from_date = assignment.from_date
    row.to_date = assignment.to_date
    row.govt_order_number = assignment.govt_order_number
    row.reporting_to = assignment.reporting_to
    row.is_hod = assignment.is_hod
    row.is_current_assignment = assignment.is_current_assignment
    row.seq = seq


def _apply_jurisdiction(row: JurisdictionRow, jurisdiction: Jurisdiction, seq: int) -> None:
    row.tenant_id = jurisdiction.tenant_id
    row.hierarchy = jurisdiction.hierarchy
    row.boundary_type = jurisdiction.boundary_type
    row.boundary = jurisdiction.boundary
    row.is_active = jurisdiction.is_active
    row.roles = [
        {"code": str(r["code"]), "name": r.get("name"), "tenantId": str(r.get("tenantId") or jurisdiction.tenant_id)}
        for r in jurisdiction.roles
        if isinstance(r, dict) and r.get("code")
    ]
    row.seq = seq


def _audit(row: Any) -> dict[str, Any]:
    return {
        "createdBy": row.created_by,
        "createdDate": row.created_time,
        "lastModifiedBy": row.last_modified_by,
        "lastModifiedDate": row.last_modified_time,
    }


_UserInput = TypeVar("_UserInput", NewUser, UserChanges)


def _user_input(model: type[_UserInput], fields: dict[str, Any]) -> _UserInput:
    """The employee's `user` as the user client takes it: a field of the wrong type is the sender's 400."""
    try:
        return model.model_validate(fields)
    except ValidationError as error:
        faults = [("INVALID_USER", f"user.{'.'.join(map(str, e['loc']))}: {e['msg']}") for e in error.errors()]
        raise Invalid.many(faults) from None


def is_masked(value: Any) -> bool:
    return isinstance(value, str) and "****" in value


def user_wire(user: UserInfo | PiiView | None) -> dict[str, Any]:
    """The employee's user: a `PiiView` as its viewer sees it, a bare `UserInfo` (internal calls) in clear."""
    return user.wire() if user is not None else {}


def employee_wire(row: EmployeeRow, user: UserInfo | PiiView | None) -> dict[str, Any]:
    """DIGIT's Employee JSON."""
    details = row.details or {}
    return {
        "id": row.id,
        "uuid": row.uuid,
        "code": row.code,
        "employeeStatus": row.employee_status,
        "employeeType": row.employee_type,
        "dateOfAppointment": row.date_of_appointment,
        "jurisdictions": [
            {
                "id": j.id,
                "hierarchy": j.hierarchy,
                "boundaryType": j.boundary_type,
                "boundary": j.boundary,
                "tenantId": j.tenant_id,
                "roles": j.roles,
                "isActive": j.is_active,
                "auditDetails": _audit(j),
            }
            for j in row.jurisdictions
        ],
        "assignments": [
            {
                "id": a.id,
                "position": a.position,
                "department": a.department,
                "designation": a.designation,
                "fromDate": a.from_date,
                "toDate": a.to_date,
                "govtOrderNumber": a.govt_order_number,
                "tenantid": a.tenant_id,
                "reportingTo": a.reporting_to,
                "isHOD": a.is_hod,
                "isCurrentAssignment": a.is_current_assignment,
                "auditDetails": _audit(a),
            }
            for a in row.assignments
        ],
        **{key: details.get(key, []) for key in DETAIL_FIELDS},
        "isActive": row.is_active,
        "tenantId": row.tenant_id,
        "auditDetails": _audit(row),
        "reActivateEmployee": details.get("reActivateEmployee"),
        "user": user_wire(user),
    }


def _details(employee: Employee) -> dict[str, Any]:
    data = employee.wire()
    details = {key: data.get(key) or [] for key in DETAIL_FIELDS}
    if employee.re_activate_employee is not None:
        details["reActivateEmployee"] = employee.re_activate_employee
    return details


# ---------------------------------------------------------------------------------------- create / update


async def create_employees(
    session: AsyncSession, hrms: Hrms, *, employees: Sequence[Employee], actor: Actor
) -> list[dict[str, Any]]:
    """DIGIT `_create`: one EMPLOYEE user and one employee record each, in the caller's transaction."""
    await bump(session, HRMS_EMPLOYEES, hrms.platform.versions)
    mobiles = [str(e.user.get("mobileNumber") or "") for e in employees]
    if len({m for m in mobiles if m}) < len([m for m in mobiles if m]):
        raise Invalid("ERR_HRMS_BULK_CREATE_DUPLICATE_MOBILE", "Bulk request has duplicate mobile number")
    given_codes = [e.code for e in employees if e.code]
    if len(set(given_codes)) < len(given_codes):
        raise Invalid("ERR_HRMS_BULK_CREATE_DUPLICATE_EMPCODE", "Bulk request has duplicate employee code")
    created = []
    for employee in employees:
        await validate(hrms.mdms, hrms.boundaries, employee)
        roles = merged_roles(employee)
        mobile = str(employee.user["mobileNumber"])
        if await hrms.users.find_by_mobile(
            tenant_id=employee.tenant_id, mobile_number=mobile, user_type=UserType.EMPLOYEE
        ):
            raise Invalid(
                "ERR_HRMS_USER_EXIST_MOB",
                "User already exists for the entered mobile number. Use a different mobile number to proceed.",
            )
        code = employee.code or await hrms.generate_code(session, employee.tenant_id)
        taken = await session.scalar(
            select(EmployeeRow.id).where(EmployeeRow.tenant_id == employee.tenant_id, EmployeeRow.code == code)
        )
        if taken is not None:
            raise Invalid("ERR_HRMS_USER_EXIST_USERNAME", "User already exists for the entered user name.")
        user_fields = {k: v for k, v in employee.user.items() if k not in ("uuid", "id")}
        fields = {**user_fields, "userName": code, "type": UserType.EMPLOYEE.value, "tenantId": employee.tenant_id}
        new_user = _user_input(NewUser, {**fields, "roles": roles, "active": True})
        user = await hrms.users.create_user(session, user=new_user, actor=actor)
        row = await insert_employee(session, hrms, employee=employee, user=user, code=code, actor=actor)
        created.append(employee_wire(row, user))
    return created


async def create_employees_once(
    session: AsyncSession,
    hrms: Hrms,
    *,
    employees: Sequence[Employee],
    actor: Actor,
    idempotency_key: str | None,
    request: dict[str, Any],
) -> list[dict[str, Any]]:
    """`create_employees` under an `Idempotency-Key`: a retry answers the employees the first call made."""
    tenant_id = employees[0].tenant_id if employees else actor.tenant_id
    return await idempotency.once(
        session,
        key=idempotency_key,
        operation="hrms.employee.create",
        tenant_id=tenant_id,
        caller=actor.uuid,
        request=request,
        now_ms=hrms.now_ms(),
        create=lambda: create_employees(session, hrms, employees=employees, actor=actor),
        reference=lambda made: {"uuids": [e["uuid"] for e in made]},
        replay=lambda first: search_employees(
            session, hrms, SearchCriteria(tenant_id=tenant_id, uuids=list(first["uuids"])), viewer=actor
        ),
    )


async def insert_employee(
    session: AsyncSession, hrms: Hrms, *, employee: Employee, user: UserInfo, code: str, actor: Actor
) -> EmployeeRow:
    """The employee record of an existing EMPLOYEE user (the seed uses it for the demo users directly)."""
    now = hrms.now_ms()
    row = EmployeeRow(
        uuid=user.uuid,
        code=code,
        tenant_id=employee.tenant_id,
        employee_status=employee.employee_status or EmployeeStatus.EMPLOYED,
        employee_type=employee.employee_type,
        date_of_appointment=employee.date_of_appointment,
        is_active=True,
        name_index=hrms.name_index(employee.tenant_id, user.name),
        details=_details(employee),
    )
    stamp(row, actor_uuid=actor.uuid, now_ms=now)
    row.assignments = []
    row.jurisdictions = []
    for seq, assignment in enumerate(employee.assignments):
        a_row = AssignmentRow(tenant_id=employee.tenant_id)
        _apply_assignment(a_row, assignment, seq)
        stamp(a_row, actor_uuid=actor.uuid, now_ms=now)
        row.assignments.append(a_row)
    for seq, jurisdiction in enumerate(employee.jurisdictions):
        j_row = JurisdictionRow()
        _apply_jurisdiction(j_row, jurisdiction, seq)
        stamp(j_row, actor_uuid=actor.uuid, now_ms=now)
        row.jurisdictions.append(j_row)
    session.add(row)
    await session.flush()
    await emit(
        session,
        TOPIC_CREATE,
        tenant_id=row.tenant_id,
        aggregate_id=row.uuid,
        data={"uuid": row.uuid, "code": row.code, "tenantId": row.tenant_id},
        actor_uuid=actor.uuid,
        now_ms=now,
    )
    log.info("employee_created", extra={"employee": row.uuid, "tenant_id": row.tenant_id})
    return row


def _merge_children(
    existing: Sequence[Any], incoming: Sequence[Any], code: str, message: str
) -> list[tuple[Any | None, Any]]:
    """Pair incoming items with stored rows by id; every stored row must be sent back (DIGIT's rule)."""
    by_id = {row.id: row for row in existing}
    sent_ids = {item.id for item in incoming if item.id}
    if not set(by_id) <= sent_ids or not sent_ids <= set(by_id):
        raise Invalid(code, message)
    return [(by_id.get(item.id) if item.id else None, item) for item in incoming]


async def update_employees(
    session: AsyncSession, hrms: Hrms, *, employees: Sequence[Employee], actor: Actor
) -> list[dict[str, Any]]:
    """DIGIT `_update`: the whole employee is sent back; user details follow in the user block."""
    await bump(session, HRMS_EMPLOYEES, hrms.platform.versions)
    updated = []
    for employee in employees:
        row = await _stored_employee(session, employee)
        await validate(hrms.mdms, hrms.boundaries, employee)
        roles = merged_roles(employee)
        assignments = _merge_children(
            row.assignments,
            employee.assignments,
            "ERR_HRMS_UPDATE_ASSIGNEMENT_INCOSISTENT",
            "Assignment data in an update request should contain all previously entered data.",
        )
        jurisdictions = _merge_children(
            row.jurisdictions,
            employee.jurisdictions,
            "ERR_HRMS_UPDATE_JURISDICTION_INCOSISTENT",
            "Jurisdiction data in an update request should contain all previously entered data.",
        )
        active = _next_active(row, employee)
        now = hrms.now_ms()
        _apply_children(row, assignments, jurisdictions, actor=actor, now_ms=now)
        changes = {
            k: v
            for k, v in employee.user.items()
            if k not in USER_FIELDS_NOT_UPDATED and not is_masked(v)  # a masked value sent back is no change
        }
        user = await hrms.users.update_user(
            session,
            uuid=row.uuid,
            changes=_user_input(UserChanges, {**changes, "roles": roles, "active": active}),
            actor=actor,
        )
        row.employee_status = employee.employee_status or row.employee_status
        row.employee_type = employee.employee_type
        row.date_of_appointment = employee.date_of_appointment
        row.is_active = active
        row.name_index = hrms.name_index(row.tenant_id, user.name)
        row.details = _details(employee)
        stamp(row, actor_uuid=actor.uuid, now_ms=now)
        await session.flush()
        await emit(
            session,
            TOPIC_UPDATE,
            tenant_id=row.tenant_id,
            aggregate_id=row.uuid,
            data={"uuid": row.uuid, "code": row.code, "tenantId": row.tenant_id, "isActive": row.is_active},
            actor_uuid=actor.uuid,
            now_ms=now,
        )
        log.info("employee_updated", extra={"employee": row.uuid, "tenant_id": row.tenant_id})
        updated.append(employee_wire(row, user))
    return updated


async def _stored_employee(session: AsyncSession, employee: Employee) -> EmployeeRow:
    """The stored employee an update names, whose code it may not change."""
    if not employee.uuid:
        raise Invalid("ERR_HRMS_UPDATE_NULL_UUID", "Employee UUID in an update request should not be null.")
    row = await session.scalar(
        select(EmployeeRow).where(EmployeeRow.uuid == employee.uuid, EmployeeRow.tenant_id == employee.tenant_id)
    )
    if row is None:
        raise Invalid("ERR_HRMS_UPDATE_EMPLOYEE_NOT_EXIST_CODE", "No employee found for given UUID.")
    if employee.code and employee.code != row.code:
        raise Invalid("ERR_HRMS_UPDATE_EMPLOYEE_CODE_CHANGE", "Employee code can not be changed in an update request.")
    return row


def _next_active(row: EmployeeRow, employee: Employee) -> bool:
    """Whether the employee is active after the update; deactivating one needs a reason."""
    active = row.is_active if employee.is_active is None else employee.is_active
    if employee.re_activate_employee:
        active = True
    if row.is_active and not active and not employee.deactivation_details:
        raise Invalid(
            "ERR_HRMS_INVALID_DEACT_REQUEST", "Employee deactivation needs deactivationDetails with a reason."
        )
    return active


def _apply_children(
    row: EmployeeRow,
    assignments: Sequence[tuple[Any | None, Any]],
    jurisdictions: Sequence[tuple[Any | None, Any]],
    *,
    actor: Actor,
    now_ms: int,
) -> None:
    """Write the paired assignments and jurisdictions onto their stored rows, adding the new ones."""
    for seq, (a_row, assignment) in enumerate(assignments):
        target = a_row or AssignmentRow(tenant_id=row.tenant_id)
        _apply_assignment(target, assignment, seq)
        stamp(target, actor_uuid=actor.uuid, now_ms=now_ms)
        if a_row is None:
            row.assignments.append(target)
    for seq, (j_row, jurisdiction) in enumerate(jurisdictions):
        target_j = j_row or JurisdictionRow()
        _apply_jurisdiction(target_j, jurisdiction, seq)
        stamp(target_j, actor_uuid=actor.uuid, now_ms=now_ms)
        if j_row is None:
            row.jurisdictions.append(target_j)


# ---------------------------------------------------------------------------------------- search / count


@dataclass
class SearchCriteria:
    tenant_id: str
    codes: list[str] = field(default_factory=list)
    names: list[str] = field(default_factory=list)
    departments: list[str] = field(default_factory=list)
    designations: list[str] = field(default_factory=list)
    roles: list[str] = field(default_factory=list)
    uuids: list[str] = field(default_factory=list)
    ids: list[str] = field(default_factory=list)
    is_active: bool | None = None
    phone: str | None = None
    offset: int = 0
    limit: int = DEFAULT_LIMIT

    @classmethod
    def of(cls, tenant_id: str, query: EmployeeSearch) -> SearchCriteria:
        """The criteria of an `employees/_search` call."""
        return cls(tenant_id=tenant_id, **query.model_dump())


async def _query(hrms: Hrms, criteria: SearchCriteria) -> Select[EmployeeRow] | None:
    """The employees query, or None when a criterion already rules everything out."""
    query = select(EmployeeRow).where(in_tenant(EmployeeRow.tenant_id, criteria.tenant_id))
    uuids = set(criteria.uuids)
    if criteria.roles:
        found = await hrms.users.search_users(
            tenant_id=criteria.tenant_id, role_codes=criteria.roles, user_type=UserType.EMPLOYEE
        )
        role_uuids = {u.uuid for u in found}
        uuids = uuids & role_uuids if criteria.uuids else role_uuids
        if not uuids:
            return None
    if criteria.phone:
        user = await hrms.users.find_by_mobile(
            tenant_id=criteria.tenant_id, mobile_number=criteria.phone, user_type=UserType.EMPLOYEE
        )
        if user is None or (uuids and user.uuid not in uuids):
            return None
        uuids = {user.uuid}
    if uuids:
        query = query.where(EmployeeRow.uuid.in_(sorted(uuids)))
    if criteria.codes:
        query = query.where(EmployeeRow.code.in_(criteria.codes))
    if criteria.ids:
        query = query.where(EmployeeRow.id.in_(criteria.ids))
    if criteria.names:
        indexes = {hrms.name_index(criteria.tenant_id, name) for name in criteria.names} - {None}
        query = query.where(EmployeeRow.name_index.in_(sorted(i for i in indexes if i)))
    if criteria.is_active is not None:
        query = query.where(EmployeeRow.is_active == criteria.is_active)
    if criteria.departments or criteria.designations:
        current = [AssignmentRow.employee_id == EmployeeRow.id, AssignmentRow.is_current_assignment]
        if criteria.departments:
            current.append(AssignmentRow.department.in_(criteria.departments))
        if criteria.designations:
            current.append(AssignmentRow.designation.in_(criteria.designations))
        query = query.where(exists().where(and_(*current)))
    return query


async def search_rows(session: AsyncSession, hrms: Hrms, criteria: SearchCriteria) -> list[EmployeeRow]:
    query = await _query(hrms, criteria)
    if query is None:
        return []
    limit = max(1, min(criteria.limit, MAX_LIMIT))
    query = query.order_by(EmployeeRow.created_time, EmployeeRow.code).offset(max(0, criteria.offset)).limit(limit)
    return list((await session.scalars(query)).all())


def may_see_pii(viewer: Actor | None, row: EmployeeRow) -> bool:
    """HR admins (and system users) see employees' contact details; others see them masked."""
    if viewer is None or viewer.uuid == row.uuid:
        return True
    return viewer.has_any_role(PII_VIEWER_ROLES, row.tenant_id)


async def search_employees(
    session: AsyncSession, hrms: Hrms, criteria: SearchCriteria, *, viewer: Actor | None
) -> list[dict[str, Any]]:
    """DIGIT `_search`; `viewer` None means an internal call (nothing masked)."""
    rows = await search_rows(session, hrms, criteria)
    users = await hrms.users.get_users([row.uuid for row in rows]) if rows else {}
    if viewer is None:
        return [employee_wire(row, users.get(row.uuid)) for row in rows]
    views = {
        row.uuid: shown(user, viewer=viewer, tenant_id=row.tenant_id, fields=MASKED_USER_FIELDS)
        for row in rows
        if (user := users.get(row.uuid)) is not None
    }
    allowed = [views[row.uuid] for row in rows if row.uuid in views and may_see_pii(viewer, row)]
    purpose = "egov-hrms employee search"  # the user block audits the contact details an HR admin sees in clear
    views.update((v.uuid, v) for v in await unmasked(hrms.users, session, allowed, viewer=viewer, purpose=purpose))
    return [employee_wire(row, views.get(row.uuid)) for row in rows]


async def count_employees(platform: Platform, *, tenant_id: str) -> EmployeeCount:
    """Total, active and inactive employees of a tenant, read in a read-only session of its own."""
    in_scope = in_tenant(EmployeeRow.tenant_id, tenant_id)
    query = select(EmployeeRow.is_active, func.count()).where(in_scope).group_by(EmployeeRow.is_active)
    async with platform.read_sessions() as session:
        counts = {bool(active): int(n) for active, n in (await session.execute(query)).all()}
    active, inactive = counts.get(True, 0), counts.get(False, 0)
    return EmployeeCount(total_employee=active + inactive, active_employee=active, inactive_employee=inactive)
