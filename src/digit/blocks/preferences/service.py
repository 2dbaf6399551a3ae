"""User preferences: a person keeps their own (consent per channel, preferred language), nobody else's.

DIGIT's user-preference service lets any caller the role-action admits read or write any `userId`;
here a preference is the caller's own (an employee's role does not reach a citizen's consent).
"""

from __future__ import annotations

import logging
from collections.abc import Set

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from digit.blocks.preferences.models import PreferenceRow
from digit.blocks.preferences.schemas import Preference, PreferenceCriteria
from digit.kernel.db import stamp
from digit.kernel.errors import Forbidden
from digit.kernel.security import Actor

log = logging.getLogger(__name__)


def _own_user(user_id: str | None, actor: Actor) -> str:
    if user_id and user_id != actor.uuid:
        raise Forbidden("INVALID_USER_ID", "a user reads and writes only their own preferences", params=["userId"])
    return actor.uuid


def _tenant(tenant_id: str, authorised: Set[str]) -> str:
    if tenant_id not in authorised:
        raise Forbidden("NOT_AUTHORIZED", f"not authorized for tenant {tenant_id}", params=["tenantId"])
    return tenant_id


def _wire(row: PreferenceRow) -> Preference:
    return Preference(
        id=row.id,
        user_id=row.user_id,
        tenant_id=row.tenant_id,
        preference_code=row.preference_code,
        payload=row.payload or {},
        audit_details=row.audit_details(),
    )


async def upsert_preference(
    session: AsyncSession, *, preference: Preference, authorised: Set[str], actor: Actor, now_ms: int
) -> Preference:
    """Create the caller's preference of this code in the tenant, or replace its payload."""
    user_id = _own_user(preference.user_id, actor)
    tenant_id = _tenant(preference.tenant_id, authorised)
    row = await session.scalar(
        select(PreferenceRow).where(
            PreferenceRow.tenant_id == tenant_id,
            PreferenceRow.user_id == user_id,
            PreferenceRow.preference_code == preference.preference_code,
        )
    )
    if row is None:
        row = PreferenceRow(tenant_id=tenant_id, user_id=user_id, preference_code=preference.preference_code)
        session.add(row)
    row.payload = dict(preference.payload)
    stamp(row, actor_uuid=actor.uuid, now_ms=now_ms)
    await session.flush()
    log.info("preference_upserted", extra={"tenant_id": tenant_id, "code": preference.preference_code})
    return _wire(row)


async def search_preferences(
    session: AsyncSession, *, criteria: PreferenceCriteria, authorised: Set[str], actor: Actor
) -> list[Preference]:
    """The caller's preferences in the tenant (one code, or all)."""
    user_id = _own_user(criteria.user_id, actor)
    tenant_id = _tenant(criteria.tenant_id, authorised)
    query = select(PreferenceRow).where(PreferenceRow.tenant_id == tenant_id, PreferenceRow.user_id == user_id)
    if criteria.preference_code:
        query = query.where(PreferenceRow.preference_code == criteria.preference_code)
    query = query.order_by(PreferenceRow.preference_code).offset(criteria.offset).limit(criteria.limit)
    return [_wire(row) for row in await session.scalars(query)]
