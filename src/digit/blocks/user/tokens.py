"""Login (OAuth2 password and refresh grants), opaque tokens stored hashed, logout, lockout.

A token is a random UUID handed to the client once; the database keeps only its SHA-256, so a
revocation written by one process is seen by every other at the next request.
"""

from __future__ import annotations

import hashlib
import logging
import uuid as uuid_module
from dataclasses import dataclass

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from digit.blocks.user import otp as otp_service
from digit.blocks.user.models import LoginAttemptRow, TokenRow, UserRow
from digit.blocks.user.service import Identity, find_by_user_name, user_info
from digit.kernel.db import stamp
from digit.kernel.envelope import UserInfo
from digit.kernel.errors import Invalid, Unauthenticated
from digit.kernel.tenancy import state_of

log = logging.getLogger(__name__)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass
class IssuedTokens:
    access_token: str
    refresh_token: str
    expires_in: int
    user: UserInfo


async def issue_tokens(session: AsyncSession, identity: Identity, row: UserRow) -> IssuedTokens:
    settings = identity.platform.settings
    now = identity.now_ms()
    session_id = str(uuid_module.uuid4())
    access, refresh = str(uuid_module.uuid4()), str(uuid_module.uuid4())
    for token, kind, ttl_s in (
        (access, "access", settings.access_token_ttl_seconds),
        (refresh, "refresh", settings.refresh_token_ttl_seconds),
    ):
        token_row = TokenRow(
            token_hash=token_hash(token),
            kind=kind,
            session_id=session_id,
            user_id=row.id,
            tenant_id=row.tenant_id,
            expires_at=now + ttl_s * 1000,
        )
        stamp(token_row, actor_uuid=row.uuid, now_ms=now)
        session.add(token_row)
    await session.flush()
    return IssuedTokens(access, refresh, settings.access_token_ttl_seconds, await user_info(identity, row))


async def _record_attempt(
    session: AsyncSession, identity: Identity, row: UserRow, *, successful: bool, client: str | None
) -> None:
    attempt = LoginAttemptRow(user_id=row.id, tenant_id=row.tenant_id, successful=successful, client_address=client)
    stamp(attempt, actor_uuid=row.uuid, now_ms=identity.now_ms())
    session.add(attempt)


async def _unlock_if_due(identity: Identity, row: UserRow) -> None:
    settings = identity.platform.settings
    due = row.account_locked_date is not None and (
        identity.now_ms() - row.account_locked_date >= settings.login_lock_minutes * 60_000
    )
    if row.account_locked and due:
        row.account_locked = False
        row.account_locked_date = None
        stamp(row, actor_uuid=row.uuid, now_ms=identity.now_ms())


async def _failures_in_window(session: AsyncSession, identity: Identity, row: UserRow) -> int:
    settings = identity.platform.settings
    now = identity.now_ms()
    since = now - settings.login_failure_window_minutes * 60_000
    last_success = await session.scalar(
        select(func.max(LoginAttemptRow.created_time)).where(
            LoginAttemptRow.user_id == row.id, LoginAttemptRow.successful.is_(True)
        )
    )
    if last_success is not None:
        since = max(since, int(last_success) + 1)
    count = await session.scalar(
        select(func.count()).where(
            LoginAttemptRow.user_id == row.id,
            LoginAttemptRow.successful.is_(False),
            LoginAttemptRow.created_time >= since,
        )
    )
    return int(count or 0)


async def _fail(session: AsyncSession, identity: Identity, row: UserRow, *, client: str | None) -> None:
    """Count a failed login; lock the account at the threshold. Logged with the client, never the secret."""
    await _record_attempt(session, identity, row, successful=False, client=client)
    await session.flush()
    failures = await _failures_in_window(session, identity, row)
    log.warning(
        "login_failed",
        extra={"user": row.uuid, "tenant_id": row.tenant_id, "client": client or "unknown", "failures": failures},
    )
    if failures >= identity.platform.settings.login_max_failures and not row.account_locked:
        row.account_locked = True
        row.account_locked_date = identity.now_ms()
        stamp(row, actor_uuid=row.uuid, now_ms=identity.now_ms())
        log.warning("account_locked", extra={"user": row.uuid, "tenant_id": row.tenant_id})


def _bad_credentials() -> Invalid:
    return Invalid("INVALID_CREDENTIALS", "Invalid login credentials")


async def password_grant(
    session: AsyncSession,
    identity: Identity,
    *,
    username: str,
    password: str,
    tenant_id: str,
    user_type: str,
    client: str | None,
) -> IssuedTokens:
    """DIGIT login: employees by user name and password, citizens by mobile number and OTP.

    Failures are committed by the caller even though this raises (see `api.py`), so they count.
    """
    user_type = (user_type or "EMPLOYEE").upper()
    if not tenant_id:
        raise Invalid("TENANT_ID_MANDATORY", "tenantId is mandatory")
    row = await find_by_user_name(session, identity, user_name=username, tenant_id=tenant_id, user_type=user_type)
    if row is None:
        await identity.verify_password(None, password)  # same work as for a real user
        log.warning("login_failed", extra={"tenant_id": tenant_id, "client": client or "unknown", "known": False})
        raise _bad_credentials()
    await _unlock_if_due(identity, row)
    if row.account_locked:
        log.warning("login_refused_locked", extra={"user": row.uuid, "client": client or "unknown"})
        raise Invalid("ACCOUNT_LOCKED", "Account locked")
    if user_type == "CITIZEN":
        accepted = await otp_service.accept_login_otp(session, identity, row=row, code=password)
    else:
        accepted = await identity.verify_password(row.password_hash, password)
    if not accepted:
        await _fail(session, identity, row, client=client)
        raise _bad_credentials()
    if not row.active:
        raise Invalid("USER_INACTIVE", "Please activate your account")
    await _record_attempt(session, identity, row, successful=True, client=client)
    log.info("login_succeeded", extra={"user": row.uuid, "tenant_id": row.tenant_id, "client": client or "unknown"})
    return await issue_tokens(session, identity, row)


async def refresh_grant(session: AsyncSession, identity: Identity, *, refresh_token: str) -> IssuedTokens:
    """A valid refresh token buys a new token pair; the old pair stops working."""
    now = identity.now_ms()
    found = (
        await session.execute(
            select(TokenRow, UserRow)
            .join(UserRow, UserRow.id == TokenRow.user_id)
            .where(TokenRow.token_hash == token_hash(refresh_token), TokenRow.kind == "refresh")
        )
    ).first()
    if (
        found is None
        or found[0].revoked
        or found[0].expires_at <= now
        or not found[1].active
        or found[1].account_locked
    ):
        raise Invalid("INVALID_REFRESH_TOKEN", "the refresh token is invalid or expired")
    token_row, row = found
    await revoke_session(session, identity, session_id=token_row.session_id)
    return await issue_tokens(session, identity, row)


async def revoke_session(session: AsyncSession, identity: Identity, *, session_id: str) -> None:
    await session.execute(
        update(TokenRow)
        .where(TokenRow.session_id == session_id, TokenRow.revoked.is_(False))
        .values(revoked=True, last_modified_time=identity.now_ms(), row_version=TokenRow.row_version + 1)
        .execution_options(synchronize_session=False)
    )


async def logout(session: AsyncSession, identity: Identity, *, access_token: str) -> bool:
    """Revoke the access token and its refresh token; False when the token was not a live one."""
    found = await session.scalar(select(TokenRow).where(TokenRow.token_hash == token_hash(access_token)))
    if found is None or found.revoked:
        return False
    await revoke_session(session, identity, session_id=found.session_id)
    log.info("logout", extra={"session": found.session_id[:8]})
    return True


async def revoke_user_tokens(session: AsyncSession, identity: Identity, *, user_id: int) -> None:
    await session.execute(
        update(TokenRow)
        .where(TokenRow.user_id == user_id, TokenRow.revoked.is_(False))
        .values(revoked=True, last_modified_time=identity.now_ms(), row_version=TokenRow.row_version + 1)
        .execution_options(synchronize_session=False)
    )


async def authenticate(session: AsyncSession, identity: Identity, token: str) -> UserInfo | None:
    """The user behind a live access token, or None.

    Hot path: one indexed query of a few columns; the decrypted user is cached per row version, so
    the full row (roles, PII) is read only when the user changed.
    """
    found = (
        await session.execute(
            select(TokenRow.expires_at, TokenRow.revoked, UserRow.id, UserRow.uuid, UserRow.row_version, UserRow.active)
            .join(UserRow, UserRow.id == TokenRow.user_id)
            .where(TokenRow.token_hash == token_hash(token), TokenRow.kind == "access")
        )
    ).first()
    if found is None:
        return None
    expires_at, revoked, user_id, uuid, row_version, active = found
    if revoked or expires_at <= identity.now_ms() or not active:
        return None
    cached = identity.user_cache.get((uuid, row_version))
    if cached is not None:
        return cached
    row = await session.get(UserRow, user_id)
    return await user_info(identity, row) if row is not None else None


def citizen_tenant(tenant_id: str) -> str:
    return state_of(tenant_id)


def assert_token(token: str | None) -> str:
    if not token:
        raise Unauthenticated("UNAUTHORIZED", "You are not authorized to access this resource")
    return token
