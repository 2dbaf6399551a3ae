"""Tenants made through the API (DIGIT's tenant-management `_create`), kept where every block reads them:
the MDMS master `tenant.tenants` of the new tenant's state (a new state holds its own).

DIGIT's sandbox lets anyone sign a tenant up; here it takes a SUPERUSER (of the parent state for a city).
"""

from __future__ import annotations

import logging
import re

from sqlalchemy.ext.asyncio import AsyncSession

from digit.blocks.mdms.client import MdmsClient
from digit.blocks.tenants.schemas import Tenant
from digit.kernel.errors import Conflict, Forbidden, Invalid
from digit.kernel.request_tenants import TENANT_ID
from digit.kernel.security import Actor
from digit.kernel.tenancy import state_of

log = logging.getLogger(__name__)

ADMIN_ROLES = ("SUPERUSER",)


def tenant_code(tenant: Tenant) -> str:
    """The code asked for, else one made from the name (lower case letters and digits); under the parent if any."""
    own = tenant.code or re.sub(r"[^a-z0-9]", "", tenant.name.lower())[:32]
    if not own:
        raise Invalid("INVALID_TENANT_CODE", "give a code, or a name with letters or digits", params=["code"])
    code = own if tenant.parent_id is None or own.startswith(f"{tenant.parent_id}.") else f"{tenant.parent_id}.{own}"
    if not TENANT_ID.match(code) or code.count(".") > 1:
        raise Invalid("INVALID_TENANT_CODE", f"'{code[:80]}' is not a tenant code (state, or state.city)")
    return code


async def create_tenant(
    session: AsyncSession, mdms: MdmsClient, *, tenant: Tenant, actor: Actor, now_ms: int
) -> Tenant:
    """A new state, or a new city of a state the caller administers; 409 when the code is taken."""
    code = tenant_code(tenant)
    state = state_of(code)
    is_city = code != state
    if is_city and not await mdms.tenant_exists(state):
        raise Invalid("INVALID_PARENT_TENANT", f"no state tenant {state}", params=["parentId"])
    where = state if is_city else actor.tenant_id
    if not actor.has_any_role(ADMIN_ROLES, where):
        raise Forbidden("NOT_AUTHORIZED", f"creating a tenant needs the role SUPERUSER in {where}")
    if await mdms.tenant_exists(code):
        raise Conflict("TENANT_ALREADY_EXISTS", f"a tenant {code} exists already", params=["code"])
    record = {
        "code": code,
        "name": tenant.name,
        "description": tenant.name,
        "type": "CITY" if is_city else "STATE",
        "emailId": tenant.email,
        "isActive": tenant.is_active,
        "city": {"name": tenant.name, "code": code.split(".")[-1].upper()},
        "additionalAttributes": tenant.additional_attributes,
    }
    await mdms.upsert_records(
        session,
        tenant_id=state,
        module="tenant",
        master="tenants",
        records=[record],
        actor_uuid=actor.uuid,
        now_ms=now_ms,
    )
    log.info("tenant_created", extra={"tenant_id": code})
    audit = {"createdBy": actor.uuid, "createdTime": now_ms, "lastModifiedBy": actor.uuid, "lastModifiedTime": now_ms}
    return tenant.model_copy(
        update={"id": code, "code": code, "parent_id": state if is_city else None, "audit_details": audit}
    )
