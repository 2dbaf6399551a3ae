"""A person's own account: profile edits (a new mobile number only once verified), password changes.

A new mobile number takes effect only with the code of an OTP of type `update` sent to that number
(`/user-otp/v1/_send`), given as `otpReference` in the same `/user/profile/_update`; the number must
be free for the user's type in their tenant. A citizen who logs in by their mobile number logs in by
the new one from then on.

A password change (own, reset by OTP, or set by an administrator) ends the user's other sessions;
the session that changed its own password goes on (the person just proved they know both).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from digit.blocks.user import otp, service, tokens
from digit.blocks.user.models import UserRow
from digit.blocks.user.service import Identity
from digit.kernel.envelope import UserType
from digit.kernel.errors import Forbidden, Invalid
from digit.kernel.security import Actor


async def update_profile(
    session: AsyncSession, identity: Identity, *, changes: dict[str, Any], actor: Actor
) -> UserRow:
    """A person edits their own profile: no roles, no activation, no password; a new mobile number
    needs the OTP sent to it. Checks come before the OTP is spent, and a wrong code counts against it
    (the caller commits on a refusal)."""
    uuid = changes.get("uuid") or actor.uuid
    if uuid != actor.uuid:
        raise Forbidden("NOT_OWN_PROFILE", "a profile can be updated only by its owner")
    code = changes.get("otpReference")
    changes = {k: v for k, v in changes.items() if k not in ("password", "otpReference")}
    row = await service.get_by_uuid(session, actor.uuid)
    if "mobileNumber" in changes:
        current = (await service.user_dict(identity, row)).get("mobileNumber")
        wanted = changes["mobileNumber"]
        if not wanted and row.type == UserType.CITIZEN:
            raise Invalid("INVALID_MOBILE_NUMBER", "a citizen needs a mobile number")
        if wanted and str(wanted) != str(current or ""):
            await _verify_new_mobile(session, identity, row=row, mobile_number=str(wanted), code=code)
    return await service.update_user(
        session,
        identity,
        uuid=actor.uuid,
        changes=changes,
        actor=actor,
        allow_roles=False,
        allow_active=False,
        login_follows_mobile=True,
    )


async def _verify_new_mobile(
    session: AsyncSession, identity: Identity, *, row: UserRow, mobile_number: str, code: Any
) -> None:
    await service.check_mobile(identity, tenant_id=row.tenant_id, mobile_number=mobile_number)
    await service.ensure_mobile_free(
        session, identity, tenant_id=row.tenant_id, user_type=row.type, mobile_number=mobile_number, user_id=row.id
    )
    if not code:
        raise Invalid(
            "MOBILE_NUMBER_NOT_VERIFIED",
            "a new mobile number needs the OTP sent to it (type update) as otpReference",
        )
    await otp.consume_otp(
        session, identity, mobile_number=mobile_number, tenant_id=row.tenant_id, purpose="update", code=str(code)
    )


async def change_password(
    session: AsyncSession, identity: Identity, *, existing: str, new: str, actor: Actor, access_token: str | None
) -> None:
    """Change one's own password, knowing the current one; every other session of the user ends."""
    await service.change_password(session, identity, existing=existing, new=new, actor=actor)
    row = await service.get_by_uuid(session, actor.uuid)
    await tokens.revoke_user_tokens(session, identity, user_id=row.id, keep_session_of=access_token)


async def reset_password(
    session: AsyncSession,
    identity: Identity,
    *,
    user_name: str,
    tenant_id: str,
    user_type: str,
    code: str,
    new: str,
) -> None:
    """A forgotten password, reset with the OTP (type passwordreset) sent to the user's mobile number:
    every session ends and every login lock of the user lifts."""
    row = await service.find_by_user_name(
        session, identity, user_name=user_name, tenant_id=tenant_id, user_type=user_type.upper()
    )
    if row is None:
        raise Invalid("INVALID_OTP", "the OTP is not valid, has expired or was already used")
    mobile = (await service.user_dict(identity, row)).get("mobileNumber")
    await otp.consume_otp(
        session,
        identity,
        mobile_number=str(mobile or ""),
        tenant_id=row.tenant_id,
        purpose="passwordreset",
        code=code,
    )
    await service.set_password(session, identity, row=row, new=new)
    await tokens.revoke_user_tokens(session, identity, user_id=row.id)


async def update_user(
    session: AsyncSession, identity: Identity, *, uuid: str, changes: dict[str, Any], actor: Actor
) -> UserRow:
    """An administrator's (or another block's) update without OTP: a deactivated user's sessions
    end, and so do all of a user's sessions when someone else sets their password."""
    row = await service.update_user(session, identity, uuid=uuid, changes=changes, actor=actor)
    if changes.get("active") is False or changes.get("password"):
        await tokens.revoke_user_tokens(session, identity, user_id=row.id)
    return row


async def update_user_shown(
    session: AsyncSession,
    identity: Identity,
    *,
    uuid: str | None,
    user_id: int | None,
    changes: dict[str, Any],
    actor: Actor,
) -> dict[str, Any]:
    """`update_user` of the user named by uuid, else by id, answered as the caller may see them."""
    if not uuid and user_id is not None:
        rows = await service.search_users(
            session, identity, service.SearchCriteria(ids=[user_id], active=None, limit=1)
        )
        uuid = rows[0].uuid if rows else None
    if not uuid:
        raise Invalid("INVALID_USER", "the user's uuid (or id) is required")
    row = await update_user(session, identity, uuid=uuid, changes=changes, actor=actor)
    [shown] = await service.present_users(session, identity, [row], actor=actor, purpose="user update")
    return service.without_secrets(shown)


async def update_profile_shown(
    session: AsyncSession, identity: Identity, *, changes: dict[str, Any], actor: Actor
) -> dict[str, Any]:
    """`update_profile`, answered with the owner's own record (no password, no OTP reference)."""
    row = await update_profile(session, identity, changes=changes, actor=actor)
    return service.without_secrets(await service.user_dict(identity, row))


async def register_citizen(
    session: AsyncSession, identity: Identity, *, user: dict[str, Any], otp_reference: str | None, actor: Actor | None
) -> UserRow:
    """Citizen self-registration: the OTP sent with type `register` to the mobile number is `otp_reference`;
    the citizen lives at the state tenant, named by their mobile number, without the roles they asked for."""
    mobile = str(user.get("mobileNumber") or user.get("userName") or "")
    tenant = service.home_tenant(UserType.CITIZEN, str(user.get("tenantId") or ""))
    if not tenant:
        raise Invalid("INVALID_TENANT", "tenantId is required")
    await otp.consume_otp(
        session, identity, mobile_number=mobile, tenant_id=tenant, purpose="register", code=otp_reference
    )
    citizen = {k: v for k, v in user.items() if k != "roles"}
    citizen.update(type=UserType.CITIZEN, mobileNumber=mobile, userName=mobile, tenantId=tenant)
    return await service.create_user(session, identity, user=citizen, actor=actor or Actor.system(tenant))


async def register_citizen_shown(
    session: AsyncSession, identity: Identity, *, user: dict[str, Any], otp_reference: str | None, actor: Actor | None
) -> dict[str, Any]:
    """`register_citizen`, answered with the new citizen's record (no password, no OTP reference)."""
    row = await register_citizen(session, identity, user=user, otp_reference=otp_reference, actor=actor)
    return service.without_secrets(await service.user_dict(identity, row))
