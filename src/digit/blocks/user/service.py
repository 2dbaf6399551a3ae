"""egov-user rules: create, update, search users; roles per tenant; password policy; PII sealed and masked."""

from __future__ import annotations

import asyncio
import logging
import re
import secrets
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from digit.blocks.encryption.client import EncryptionClient
from digit.blocks.mdms.client import MdmsClient
from digit.blocks.user.caching import USER_AUTH
from digit.blocks.user.models import LoginAttemptRow, PiiAuditRow, RoleRow, UserRow
from digit.blocks.user.pii import MASKED_FIELDS, PII_FIELDS, PiiCipher, masked
from digit.kernel.db import new_id, stamp
from digit.kernel.envelope import Role, UserInfo, UserType
from digit.kernel.errors import Conflict, Forbidden, Invalid, NotFound
from digit.kernel.platform import Platform
from digit.kernel.security import Actor
from digit.kernel.tenancy import in_tenant, lineage, state_of
from digit.kernel.versions import VersionedCache

log = logging.getLogger(__name__)

USER_TYPES = tuple(UserType)
DEFAULT_PASSWORD_POLICY = {
    "minLength": 8,
    "maxLength": 15,
    "pattern": r"^(?=.*\d)(?=.*[a-z])(?=.*[A-Z])(?=.*[@#$%])(?=\S+$).{8,15}$",
}
DEFAULT_MOBILE_PATTERN = r"^[6-9][0-9]{9}$"
EMAIL_PATTERN = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
PASSWORD_EXPIRY_MS = 90 * 24 * 3600 * 1000
NON_PII_COLUMNS = {"locale": "locale", "salutation": "salutation", "gender": "gender", "countryCode": "country_code"}
SERVER_FIELDS = {
    "id",
    "uuid",
    "password",
    "otpReference",
    "roles",
    "type",
    "tenantId",
    "active",
    "accountLocked",
    "accountLockedDate",
    "pwdExpiryDate",
    "createdBy",
    "createdDate",
    "lastModifiedBy",
    "lastModifiedDate",
    "userName",
}
PII_VIEWER_ROLES_FALLBACK = ("SUPERUSER", "HRMS_ADMIN", "GRO", "DGRO", "CSR", "PGR_LME", "SYSTEM")


@dataclass
class Identity:
    """What the user services need from the platform; one per platform, built in `install()`."""

    platform: Platform
    mdms: MdmsClient
    cipher: PiiCipher
    hasher: PasswordHasher
    dummy_hash: str
    tokens: VersionedCache[str, tuple[int, UserInfo]]
    """Live access tokens (by hash) -> (expiry, user); see `caching.py` for what drops them."""
    people: VersionedCache[str, UserInfo]
    """Users by uuid, decrypted, as `get_users` hands them to other blocks."""
    user_cache: dict[tuple[str, int], UserInfo] = field(default_factory=dict)

    @classmethod
    def build(cls, platform: Platform, *, mdms: MdmsClient, encryption: EncryptionClient) -> Identity:
        settings = platform.settings
        hasher = PasswordHasher(
            time_cost=settings.password_hash_time_cost, memory_cost=settings.password_hash_memory_kib, parallelism=1
        )
        return cls(
            platform=platform,
            mdms=mdms,
            cipher=PiiCipher(encryption),
            hasher=hasher,
            dummy_hash=hasher.hash(new_id()),
            tokens=platform.versions.cache(USER_AUTH, ttl_ms=settings.token_cache_ms),
            people=platform.versions.cache(USER_AUTH, ttl_ms=settings.token_cache_ms),
        )

    def now_ms(self) -> int:
        return self.platform.clock.now_ms()

    async def hash_password(self, password: str) -> str:
        return await asyncio.to_thread(self.hasher.hash, password)

    async def verify_password(self, password_hash: str | None, password: str) -> bool:
        """Constant work whether or not the user has a password (no timing leak of who exists)."""
        try:
            return await asyncio.to_thread(self.hasher.verify, password_hash or self.dummy_hash, password) and bool(
                password_hash
            )
        except (VerificationError, InvalidHashError):
            return False

    def index(self, *, tenant_id: str, field: str, value: str) -> str:
        return self.cipher.blind_index(tenant_id=tenant_id, field=field, value=value)


# ---------------------------------------------------------------- reading rows


async def user_dict(identity: Identity, row: UserRow) -> dict[str, Any]:
    """The DIGIT User of a row, PII decrypted (callers mask before it leaves)."""
    pii = await identity.cipher.open(row.pii)
    user: dict[str, Any] = {
        "id": row.id,
        "uuid": row.uuid,
        "type": row.type,
        "tenantId": row.tenant_id,
        "active": row.active,
        "accountLocked": row.account_locked,
        "accountLockedDate": row.account_locked_date,
        "pwdExpiryDate": row.pwd_expiry_date,
        "locale": row.locale,
        "salutation": row.salutation,
        "gender": row.gender,
        "countryCode": row.country_code,
        "roles": [{"code": r.code, "name": r.name, "tenantId": r.tenant_id} for r in row.roles],
        "createdBy": row.created_by,
        "createdDate": row.created_time,
        "lastModifiedBy": row.last_modified_by,
        "lastModifiedDate": row.last_modified_time,
        **row.extra,
    }
    user.update(pii)
    return user


async def user_info(identity: Identity, row: UserRow) -> UserInfo:
    """The caller/contact view of a row (decrypted), cached per row version."""
    key = (row.uuid, row.row_version)
    cached = identity.user_cache.get(key)
    if cached is not None:
        return cached
    user = await user_dict(identity, row)
    info = UserInfo(
        id=row.id,
        uuid=row.uuid,
        user_name=user.get("userName"),
        name=user.get("name"),
        mobile_number=user.get("mobileNumber"),
        email_id=user.get("emailId"),
        locale=row.locale,
        type=row.type,
        roles=[Role(code=r.code, name=r.name, tenant_id=r.tenant_id) for r in row.roles],
        active=row.active,
        tenant_id=row.tenant_id,
    )
    if len(identity.user_cache) > 10_000:
        identity.user_cache.clear()
    identity.user_cache[key] = info
    return info


def home_tenant(user_type: str, tenant_id: str) -> str:
    """Citizens live at the state; employees and system users where they are created."""
    return state_of(tenant_id) if user_type == UserType.CITIZEN else tenant_id


async def find_by_user_name(
    session: AsyncSession, identity: Identity, *, user_name: str, tenant_id: str, user_type: str
) -> UserRow | None:
    tenant = home_tenant(user_type, tenant_id)
    index = identity.index(tenant_id=tenant, field="userName", value=user_name)
    query = select(UserRow).where(
        UserRow.tenant_id == tenant, UserRow.type == user_type, UserRow.user_name_index == index
    )
    return (await session.scalars(query)).first()


async def find_by_mobile(
    session: AsyncSession, identity: Identity, *, mobile_number: str, tenant_id: str, user_type: str
) -> UserRow | None:
    tenant = home_tenant(user_type, tenant_id)
    index = identity.index(tenant_id=tenant, field="mobileNumber", value=mobile_number)
    query = (
        select(UserRow)
        .where(UserRow.type == user_type, UserRow.mobile_index == index, UserRow.tenant_id.in_(lineage(tenant)))
        .order_by(UserRow.id)
    )
    return (await session.scalars(query)).first()


async def get_by_uuid(session: AsyncSession, uuid: str) -> UserRow:
    row = (await session.scalars(select(UserRow).where(UserRow.uuid == uuid))).first()
    if row is None:
        raise NotFound("USER_NOT_FOUND", "no user with this uuid")
    return row


# ---------------------------------------------------------------- validation


async def password_policy(identity: Identity, tenant_id: str) -> dict[str, Any]:
    records = await identity.mdms.get_master(tenant_id=tenant_id, module="egov-user", master="PasswordPolicy")
    policy = dict(DEFAULT_PASSWORD_POLICY)
    if records and isinstance(records[0], dict):
        policy.update({k: v for k, v in records[0].items() if k in policy})
    return policy


async def check_password(identity: Identity, *, tenant_id: str, password: str) -> None:
    policy = await password_policy(identity, tenant_id)
    if not int(policy["minLength"]) <= len(password) <= int(policy["maxLength"]):
        raise Invalid(
            "INVALID_PWD_LENGTH",
            f"the password must be {policy['minLength']} to {policy['maxLength']} characters long",
        )
    if not re.fullmatch(str(policy["pattern"]), password):
        raise Invalid(
            "INVALID_PWD_PATTERN",
            "the password needs a digit, a lower-case and an upper-case letter, one of @#$% and no spaces",
        )


async def check_mobile(identity: Identity, *, tenant_id: str, mobile_number: str) -> None:
    records = await identity.mdms.get_master(
        tenant_id=tenant_id, module="common-masters", master="MobileNumberValidation"
    )
    pattern = DEFAULT_MOBILE_PATTERN
    for record in records:
        # `pattern` here; DIGIT deployments (e.g. CCRS Nairobi) name it `mobileNumberRegex`
        found = record.get("pattern", record.get("mobileNumberRegex")) if isinstance(record, dict) else None
        if isinstance(found, str):
            pattern = found
            break
    if not re.fullmatch(pattern, mobile_number):
        raise Invalid("INVALID_MOBILE_NUMBER", "the mobile number is not valid")


async def ensure_mobile_free(
    session: AsyncSession,
    identity: Identity,
    *,
    tenant_id: str,
    user_type: str,
    mobile_number: str,
    user_id: int | None = None,
) -> None:
    """A mobile number belongs to one user per tenant and user type (409 otherwise).

    The database holds the same rule (a unique index), so two racing writes cannot both win.
    """
    index = identity.index(tenant_id=tenant_id, field="mobileNumber", value=mobile_number)
    query = select(UserRow.id).where(
        UserRow.tenant_id == tenant_id, UserRow.type == user_type, UserRow.mobile_index == index
    )
    if user_id is not None:
        query = query.where(UserRow.id != user_id)
    if (await session.scalars(query.limit(1))).first() is not None:
        raise Conflict(
            "DUPLICATE_MOBILE_NUMBER", "another user of this type in the tenant already has this mobile number"
        )


async def known_roles(identity: Identity, tenant_id: str) -> dict[str, str]:
    records = await identity.mdms.get_master(tenant_id=tenant_id, module="ACCESSCONTROL-ROLES", master="roles")
    return {r["code"]: r.get("name") or r["code"] for r in records if isinstance(r, dict) and r.get("code")}


async def resolve_roles(identity: Identity, *, roles: Sequence[dict[str, Any]], default_tenant: str) -> list[RoleRow]:
    """Role rows for `[{code, tenantId}]`; each code must be a role in MDMS (ACCESSCONTROL-ROLES)."""
    rows: list[RoleRow] = []
    seen: set[tuple[str, str]] = set()
    for role in roles:
        code = role.get("code")
        if not code:
            raise Invalid("INVALID_ROLE", "a role has no code")
        tenant = role.get("tenantId") or default_tenant
        names = await known_roles(identity, tenant)
        if code not in names:
            raise Invalid("INVALID_ROLE", f"unknown role {code}", params=[code])
        if (code, tenant) in seen:
            continue
        seen.add((code, tenant))
        rows.append(RoleRow(code=code, name=names[code], tenant_id=tenant))
    return rows


def split_fields(user: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
    """PII (sealed), plain columns, and other non-PII DIGIT fields (kept as JSON)."""
    pii = {k: user[k] for k in PII_FIELDS if user.get(k) not in (None, "")}
    columns = {column: user.get(wire) for wire, column in NON_PII_COLUMNS.items() if wire in user}
    extra = {
        k: v
        for k, v in user.items()
        if k not in PII_FIELDS and k not in NON_PII_COLUMNS and k not in SERVER_FIELDS and v is not None
    }
    return pii, columns, extra


async def seal_row(session: AsyncSession, identity: Identity, row: UserRow, pii: dict[str, Any]) -> None:
    tenant = row.tenant_id
    row.pii = await identity.cipher.seal(tenant_id=tenant, values=pii, session=session)
    row.user_name_index = identity.index(tenant_id=tenant, field="userName", value=str(pii["userName"]))
    mobile = pii.get("mobileNumber")
    row.mobile_index = identity.index(tenant_id=tenant, field="mobileNumber", value=str(mobile)) if mobile else None
    email = pii.get("emailId")
    row.email_index = identity.index(tenant_id=tenant, field="emailId", value=str(email)) if email else None
    name = pii.get("name")
    row.name_index = identity.index(tenant_id=tenant, field="name", value=str(name)) if name else None


# ---------------------------------------------------------------- create / update


PRIVILEGED_ROLES = frozenset({"SUPERUSER", "SYSTEM"})


def check_authority(actor: Actor, *, user_type: str, user_tenant: str, new_roles: Sequence[RoleRow] = ()) -> None:
    """Who may create or change whom, beyond the gate's route check (which sees only the body's tenants).

    The actor needs a role in the user's tenant (for state-level citizens: anywhere in the state); every
    role granted must be in a tenant where the actor holds a role; SUPERUSER and SYSTEM are granted only
    by someone holding one of them there. CITIZEN is granted freely. System callers are trusted.
    """
    if actor.is_system:
        return
    if user_type == UserType.CITIZEN:
        state = state_of(user_tenant)
        allowed = any(r.tenant_id is not None and state_of(r.tenant_id) == state for r in actor.roles)
    else:
        allowed = bool(actor.role_codes_in(user_tenant))
    if not allowed:
        raise Forbidden("NOT_AUTHORIZED_FOR_TENANT", "you hold no role in the tenant of this user")
    for role in new_roles:
        if role.code == "CITIZEN":
            continue
        held = actor.role_codes_in(role.tenant_id)
        if not held:
            raise Forbidden("INVALID_ROLE_GRANT", f"you hold no role in {role.tenant_id} to grant {role.code} there")
        if role.code in PRIVILEGED_ROLES and not held & PRIVILEGED_ROLES:
            raise Forbidden("INVALID_ROLE_GRANT", f"only a superuser may grant {role.code}")


async def _checked_new_user(session: AsyncSession, identity: Identity, user: dict[str, Any]) -> dict[str, Any]:
    """Validate a new user's identity fields; returns them with type, home tenant and userName settled."""
    user_type = (user.get("type") or "").upper()
    if user_type not in USER_TYPES:
        raise Invalid("INVALID_USER_TYPE", "type must be CITIZEN, EMPLOYEE or SYSTEM")
    if not user.get("tenantId"):
        raise Invalid("INVALID_TENANT", "tenantId is required")
    tenant = home_tenant(user_type, str(user["tenantId"]))
    user = {**user, "tenantId": tenant, "type": user_type}
    mobile = user.get("mobileNumber")
    if user_type == UserType.CITIZEN and not user.get("userName"):
        user["userName"] = mobile
    if not user.get("userName"):
        raise Invalid("INVALID_USERNAME", "userName is required")
    if not user.get("name"):
        raise Invalid("INVALID_NAME", "name is required")
    if mobile:
        await check_mobile(identity, tenant_id=tenant, mobile_number=str(mobile))
        await ensure_mobile_free(session, identity, tenant_id=tenant, user_type=user_type, mobile_number=str(mobile))
    elif user_type == UserType.CITIZEN:
        raise Invalid("INVALID_MOBILE_NUMBER", "a citizen needs a mobile number")
    if user.get("emailId") and not EMAIL_PATTERN.match(str(user["emailId"])):
        raise Invalid("INVALID_EMAIL", "the email address is not valid")
    if await find_by_user_name(
        session, identity, user_name=str(user["userName"]), tenant_id=tenant, user_type=user_type
    ):
        raise Invalid("DuplicateUserNameException", "a user with this user name already exists in the tenant")
    return user


async def create_user(session: AsyncSession, identity: Identity, *, user: dict[str, Any], actor: Actor) -> UserRow:
    """Create a user from DIGIT's User fields (camelCase). Password optional; roles checked against MDMS."""
    user = await _checked_new_user(session, identity, user)
    user_type, tenant = user["type"], user["tenantId"]
    roles = user.get("roles") or []
    if user_type == UserType.CITIZEN:
        roles = [{"code": "CITIZEN", "tenantId": tenant}]
    if not roles:
        raise Invalid("INVALID_ROLE", "a user needs at least one role")
    now = identity.now_ms()
    password = user.get("password")
    row = UserRow(
        uuid=user.get("uuid") or new_id(),
        tenant_id=tenant,
        type=user_type,
        active=True if user.get("active") is None else bool(user["active"]),
        pii="",
        user_name_index="",
    )
    pii, columns, extra = split_fields(user)
    for column, value in columns.items():
        setattr(row, column, value)
    row.extra = extra
    if password:
        await check_password(identity, tenant_id=tenant, password=str(password))
        row.password_hash = await identity.hash_password(str(password))
        row.pwd_expiry_date = now + PASSWORD_EXPIRY_MS
    await seal_row(session, identity, row, pii)
    row.roles = await resolve_roles(identity, roles=roles, default_tenant=tenant)
    check_authority(actor, user_type=user_type, user_tenant=tenant, new_roles=row.roles)
    stamp(row, actor_uuid=actor.uuid, now_ms=now)
    for role in row.roles:
        stamp(role, actor_uuid=actor.uuid, now_ms=now)
    session.add(row)
    try:
        await session.flush()
    except IntegrityError:
        raise Conflict(
            "DUPLICATE_USER", "a user with this user name or mobile number already exists in the tenant"
        ) from None
    log.info("user_created", extra={"user": row.uuid, "tenant_id": tenant, "type": user_type})
    return row


async def _check_changed_contact(
    session: AsyncSession, identity: Identity, row: UserRow, *, current: dict[str, Any], new_pii: dict[str, Any]
) -> bool:
    """Check a new mobile number and email before the row changes; returns whether the mobile number changes."""
    new_mobile = new_pii.get("mobileNumber")
    mobile_changes = new_mobile is not None and str(new_mobile) != str(current.get("mobileNumber") or "")
    if new_mobile is not None:
        await check_mobile(identity, tenant_id=row.tenant_id, mobile_number=str(new_mobile))
    if mobile_changes:
        await ensure_mobile_free(
            session,
            identity,
            tenant_id=row.tenant_id,
            user_type=row.type,
            mobile_number=str(new_mobile),
            user_id=row.id,
        )
    if new_pii.get("emailId") and not EMAIL_PATTERN.match(str(new_pii["emailId"])):
        raise Invalid("INVALID_EMAIL", "the email address is not valid")
    return mobile_changes


async def _replace_roles(
    identity: Identity, row: UserRow, *, roles: Sequence[dict[str, Any]], actor: Actor, now_ms: int
) -> None:
    """Set the user's roles to `roles`; the actor needs authority only for roles the user does not hold yet."""
    wanted = await resolve_roles(identity, roles=roles, default_tenant=row.tenant_id)
    have = {(r.code, r.tenant_id): r for r in row.roles}
    check_authority(
        actor,
        user_type=row.type,
        user_tenant=row.tenant_id,
        new_roles=[r for r in wanted if (r.code, r.tenant_id) not in have],
    )
    keep = [have.get((r.code, r.tenant_id), r) for r in wanted]
    for role in keep:
        if role.created_by is None:
            stamp(role, actor_uuid=actor.uuid, now_ms=now_ms)
    row.roles = keep


async def update_user(
    session: AsyncSession,
    identity: Identity,
    *,
    uuid: str,
    changes: dict[str, Any],
    actor: Actor,
    allow_roles: bool = True,
    allow_active: bool = True,
    login_follows_mobile: bool = False,
) -> UserRow:
    """Partial update: userName, type and tenantId never change (DIGIT's _updatenovalidate).

    The mobile number and email are checked before the row changes; a new mobile number must be free
    in the tenant for the user type. With `login_follows_mobile` (a citizen's own verified change), a citizen whose
    login name is their mobile number logs in by the new number from then on.
    """
    row = await get_by_uuid(session, uuid)
    if actor.uuid != row.uuid:
        check_authority(actor, user_type=row.type, user_tenant=row.tenant_id)
    current = await user_dict(identity, row)
    pii = {k: current[k] for k in PII_FIELDS if current.get(k) not in (None, "")}
    editable = {k: v for k, v in changes.items() if k not in ("userName", "type", "tenantId", "uuid", "id")}
    new_pii, columns, extra = split_fields(editable)
    mobile_changes = await _check_changed_contact(session, identity, row, current=current, new_pii=new_pii)
    for key in PII_FIELDS:
        if key in editable and editable[key] in (None, "") and key not in ("userName", "name"):
            pii.pop(key, None)
    pii.update(new_pii)
    follows = row.type == UserType.CITIZEN and current.get("userName") == current.get("mobileNumber")
    if login_follows_mobile and mobile_changes and follows:
        pii["userName"] = str(new_pii.get("mobileNumber"))
    await seal_row(session, identity, row, pii)
    for column, value in columns.items():
        setattr(row, column, value)
    row.extra = {**row.extra, **extra}
    if allow_active and editable.get("active") is not None:
        row.active = bool(editable["active"])
    if allow_active and editable.get("accountLocked") is False:
        row.account_locked = False
        row.account_locked_date = None
        await clear_login_locks(session, identity, user_id=row.id)
    now = identity.now_ms()
    if allow_roles and editable.get("roles"):
        await _replace_roles(identity, row, roles=editable["roles"], actor=actor, now_ms=now)
    if editable.get("password"):
        await check_password(identity, tenant_id=row.tenant_id, password=str(editable["password"]))
        row.password_hash = await identity.hash_password(str(editable["password"]))
        row.pwd_expiry_date = now + PASSWORD_EXPIRY_MS
    stamp(row, actor_uuid=actor.uuid, now_ms=now)
    try:
        await session.flush()
    except IntegrityError:
        raise Conflict(
            "DUPLICATE_USER", "another user of this type in the tenant has this user name or mobile number"
        ) from None
    log.info("user_updated", extra={"user": row.uuid, "tenant_id": row.tenant_id})
    return row


async def clear_login_locks(session: AsyncSession, identity: Identity, *, user_id: int) -> None:
    """Lift every per-address login lock of a user (an administrator's unlock, a password reset)."""
    await session.execute(
        update(LoginAttemptRow)
        .where(LoginAttemptRow.user_id == user_id, LoginAttemptRow.locks_until.is_not(None))
        .values(locks_until=None, last_modified_time=identity.now_ms(), row_version=LoginAttemptRow.row_version + 1)
        .execution_options(synchronize_session=False)
    )


async def change_password(session: AsyncSession, identity: Identity, *, existing: str, new: str, actor: Actor) -> None:
    row = await get_by_uuid(session, actor.uuid)
    if not await identity.verify_password(row.password_hash, existing):
        raise Invalid("INVALID_EXISTING_PASSWORD", "the existing password is not correct")
    await check_password(identity, tenant_id=row.tenant_id, password=new)
    row.password_hash = await identity.hash_password(new)
    now = identity.now_ms()
    row.pwd_expiry_date = now + PASSWORD_EXPIRY_MS
    stamp(row, actor_uuid=actor.uuid, now_ms=now)
    await session.flush()


async def set_password(session: AsyncSession, identity: Identity, *, row: UserRow, new: str) -> None:
    await check_password(identity, tenant_id=row.tenant_id, password=new)
    row.password_hash = await identity.hash_password(new)
    now = identity.now_ms()
    row.pwd_expiry_date = now + PASSWORD_EXPIRY_MS
    row.account_locked = False
    row.account_locked_date = None
    await clear_login_locks(session, identity, user_id=row.id)
    stamp(row, actor_uuid=row.uuid, now_ms=now)
    await session.flush()


# ---------------------------------------------------------------- search


@dataclass
class SearchCriteria:
    tenant_id: str | None = None
    ids: Sequence[int] = ()
    uuids: Sequence[str] = ()
    user_name: str | None = None
    name: str | None = None
    mobile_number: str | None = None
    email_id: str | None = None
    role_codes: Sequence[str] = ()
    user_type: str | None = None
    active: bool | None = True
    limit: int = 50
    offset: int = 0


async def search_users(session: AsyncSession, identity: Identity, criteria: SearchCriteria) -> list[UserRow]:
    query = select(UserRow)
    state = state_of(criteria.tenant_id) if criteria.tenant_id else None
    if criteria.tenant_id:
        query = query.where(in_tenant(UserRow.tenant_id, criteria.tenant_id, with_ancestors=True))
    if criteria.ids:
        query = query.where(UserRow.id.in_(list(criteria.ids)))
    if criteria.uuids:
        query = query.where(UserRow.uuid.in_(list(criteria.uuids)))
    if criteria.user_type:
        query = query.where(UserRow.type == criteria.user_type.upper())
    if criteria.active is not None:
        query = query.where(UserRow.active.is_(criteria.active))
    indexed = (
        ("userName", criteria.user_name, UserRow.user_name_index),
        ("mobileNumber", criteria.mobile_number, UserRow.mobile_index),
        ("emailId", criteria.email_id, UserRow.email_index),
        ("name", criteria.name, UserRow.name_index),
    )
    for field_name, value, column in indexed:
        if value:
            if state is None:
                raise Invalid("TENANT_ID_MANDATORY", f"tenantId is needed to search by {field_name}")
            query = query.where(column == identity.index(tenant_id=state, field=field_name, value=value))
    if criteria.role_codes:
        roles = select(RoleRow.user_id).where(RoleRow.code.in_(list(criteria.role_codes)))
        if criteria.tenant_id:
            roles = roles.where(in_tenant(RoleRow.tenant_id, criteria.tenant_id, with_ancestors=True))
        query = query.where(UserRow.id.in_(roles))
    query = query.order_by(UserRow.id).limit(criteria.limit).offset(criteria.offset)
    return list(await session.scalars(query))


async def count_users(session: AsyncSession) -> int:
    return int(await session.scalar(select(func.count()).select_from(UserRow)) or 0)


# ---------------------------------------------------------------- masking and PII audit


async def pii_viewer_roles(identity: Identity, tenant_id: str) -> dict[str, set[str]]:
    """Per PII field, the roles that see it in clear (MDMS DataSecurity.SecurityPolicy, model User)."""
    policies = await identity.mdms.get_master(tenant_id=tenant_id, module="DataSecurity", master="SecurityPolicy")
    allowed: dict[str, set[str]] = {}
    for policy in policies:
        if not isinstance(policy, dict) or policy.get("model") != "User":
            continue
        for rule in policy.get("roleBasedDecryptionPolicy") or []:
            roles = set(rule.get("roles") or [])
            for access in rule.get("attributeAccessList") or []:
                if access.get("firstLevelVisibility") == "PLAIN":
                    allowed.setdefault(access.get("attribute", ""), set()).update(roles)
    if not allowed:
        allowed = {name: set(PII_VIEWER_ROLES_FALLBACK) for name in MASKED_FIELDS}
    return allowed


async def present_users(
    session: AsyncSession,
    identity: Identity,
    rows: Sequence[UserRow],
    *,
    actor: Actor,
    purpose: str | None,
    tenant_id: str | None = None,
) -> list[dict[str, Any]]:
    """Users as the caller may see them: own record and policy-allowed fields in clear (audited), the rest masked.

    The caller's roles count in the user's tenant and in the tenant searched (`tenant_id`): a city GRO
    sees the state-level citizens of its city's searches.
    """
    out: list[dict[str, Any]] = []
    now = identity.now_ms()
    for row in rows:
        user = await user_dict(identity, row)
        if actor.uuid == row.uuid or (actor.is_system and actor.uuid == row.uuid):
            out.append(user)
            continue
        allowed = await pii_viewer_roles(identity, row.tenant_id)
        roles_here = actor.role_codes_in(row.tenant_id) | (actor.role_codes_in(tenant_id) if tenant_id else set())
        plain = [f for f in MASKED_FIELDS if user.get(f) not in (None, "") and allowed.get(f, set()) & roles_here]
        hidden = [f for f in MASKED_FIELDS if f not in plain]
        out.append(masked(user, hidden))
        if plain:
            audit = PiiAuditRow(
                tenant_id=row.tenant_id, accessor_uuid=actor.uuid, subject_uuid=row.uuid, fields=plain, purpose=purpose
            )
            stamp(audit, actor_uuid=actor.uuid, now_ms=now)
            session.add(audit)
    await session.flush()
    return out


async def search_users_shown(
    session: AsyncSession, identity: Identity, criteria: SearchCriteria, *, actor: Actor, purpose: str | None
) -> list[dict[str, Any]]:
    """The users matching `criteria`, as the caller may see them (PII read in clear audited under `purpose`)."""
    rows = await search_users(session, identity, criteria)
    return await present_users(session, identity, rows, actor=actor, purpose=purpose, tenant_id=criteria.tenant_id)


def without_secrets(user: dict[str, Any]) -> dict[str, Any]:
    """A user as create and update calls answer it: no password, no OTP reference."""
    return {k: v for k, v in user.items() if k not in ("password", "otpReference")}


async def create_user_shown(
    session: AsyncSession, identity: Identity, *, user: dict[str, Any], actor: Actor
) -> dict[str, Any]:
    """Internal create (no OTP), answered as the caller may see the new user."""
    row = await create_user(session, identity, user=user, actor=actor)
    [shown] = await present_users(session, identity, [row], actor=actor, purpose="user create")
    return without_secrets(shown)


async def record_pii_access(
    session: AsyncSession,
    identity: Identity,
    *,
    actor: Actor,
    reads: Sequence[tuple[str, str, Sequence[str]]],
    purpose: str | None,
) -> None:
    """An audit row per other person whose PII a caller saw in clear through another block (e.g. HRMS)."""
    now = identity.now_ms()
    for subject_uuid, tenant_id, fields in reads:
        if subject_uuid == actor.uuid or not fields:
            continue
        audit = PiiAuditRow(
            tenant_id=tenant_id,
            accessor_uuid=actor.uuid,
            subject_uuid=subject_uuid,
            fields=list(fields),
            purpose=purpose,
        )
        stamp(audit, actor_uuid=actor.uuid, now_ms=now)
        session.add(audit)
    await session.flush()


async def search_pii_audit(
    session: AsyncSession,
    *,
    tenant_id: str,
    accessor_uuid: str | None,
    subject_uuid: str | None,
    from_ms: int | None,
    to_ms: int | None,
    limit: int,
    offset: int,
) -> list[PiiAuditRow]:
    query = select(PiiAuditRow).where(in_tenant(PiiAuditRow.tenant_id, tenant_id, with_ancestors=True))
    if accessor_uuid:
        query = query.where(PiiAuditRow.accessor_uuid == accessor_uuid)
    if subject_uuid:
        query = query.where(PiiAuditRow.subject_uuid == subject_uuid)
    if from_ms is not None:
        query = query.where(PiiAuditRow.created_time >= from_ms)
    if to_ms is not None:
        query = query.where(PiiAuditRow.created_time <= to_ms)
    query = query.order_by(PiiAuditRow.created_time.desc()).limit(limit).offset(offset)
    return list(await session.scalars(query))


def random_password() -> str:
    """A password nobody knows, meeting DIGIT's pattern (for users who log in by OTP only)."""
    return "Aa1@" + secrets.token_urlsafe(8)[:10]
