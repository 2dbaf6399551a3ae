"""egov-hrms: employees with assignments and jurisdictions, backed by EMPLOYEE users of the user block."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import select

from digit.blocks.hrms.api import router
from digit.blocks.hrms.client import HRMS_CLIENT, InProcessHrmsClient
from digit.blocks.hrms.deps import hrms_of
from digit.blocks.hrms.models import EmployeeRow
from digit.blocks.hrms.schemas import Employee
from digit.blocks.hrms.service import insert_employee
from digit.kernel.blocks import Block, SeedContext
from digit.kernel.envelope import UserType
from digit.kernel.platform import Platform
from digit.kernel.security import Actor


def install(platform: Platform) -> None:
    platform.provide(HRMS_CLIENT, InProcessHrmsClient(hrms_of(platform)))


async def seed(platform: Platform, context: SeedContext) -> None:
    """Employee records for the demo EMPLOYEE users of `data/demo/hrms/employees.json` (idempotent)."""
    path = context.demo_dir / "hrms" / "employees.json"
    if not path.exists():
        return
    records: list[dict[str, Any]] = json.loads(path.read_text(encoding="utf-8"))
    hrms = hrms_of(platform)
    users = {}
    for tenant_id in sorted({str(r["tenantId"]) for r in records}):
        for user in await hrms.users.search_users(tenant_id=tenant_id, user_type=UserType.EMPLOYEE):
            users[(user.user_name, user.tenant_id)] = user
    created = missing = 0
    async with platform.sessions() as session, session.begin():
        for record in records:
            found = users.get((record["userName"], record["tenantId"]))
            if found is None:
                missing += 1
                continue
            if await session.scalar(select(EmployeeRow.id).where(EmployeeRow.uuid == found.uuid)) is not None:
                continue
            jurisdiction_roles = [
                {"code": r.code, "tenantId": r.tenant_id} for r in found.roles if r.tenant_id == record["tenantId"]
            ]
            employee = Employee.model_validate(
                {
                    **record,
                    "jurisdictions": [{**j, "roles": jurisdiction_roles} for j in record["jurisdictions"]],
                    "user": {},
                }
            )
            actor = Actor.system(record["tenantId"])
            await insert_employee(session, hrms, employee=employee, user=found, code=record["userName"], actor=actor)
            created += 1
    context.report(f"{created} demo employees created, {missing} without a user")


BLOCK = Block(
    name="hrms",
    routers=[router],
    depends=("mdms", "encryption", "idgen", "boundary", "user"),
    install=install,
    seed=seed,
)
