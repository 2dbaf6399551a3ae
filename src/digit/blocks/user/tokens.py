"""Login (OAuth2 password and refresh grants), opaque tokens stored hashed, logout, lockout.

A token is a random UUID handed to the client once; the database keeps only its SHA-256, so a
revocation written by one process is seen by every other at the next request.

Lockout is per account AND client address: `login_max_failures` failures of one account from one
address within the failure window refuse that account from that address for `login_lock_minutes`,
while the owner logs in from anywhere else. Every failed login (unknown account included) also
counts against the address, which `login_address_max_failures` caps (429) across all accounts. A
refused login of a locked account answers exactly as an unknown account or a wrong password do.

Refresh tokens rotate: each is good once, and the pair it buys joins its login's token family.
Presenting a refresh token that was already used revokes the whole family, so a stolen refresh
token dies at the first use by either party. (A client that retries a refresh whose answer it lost
is logged out too: the price of detecting theft.)
"""

from __future__ import annotations

import hashlib
import logging
import uuid as uuid_module
from dataclasses import dataclass

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from digit.blocks.user import otp as otp_service
from digit.blocks.user import throttle
from digit.blocks.user.caching import USER_AUTH
from digit.blocks.user.models import LoginAttemptRow, TokenRow, UserRow
from digit.blocks.user.service import Identity, find_by_user_name, user_info
from digit.kernel.db import stamp
from digit.kernel.envelope import UserInfo, UserType
from digit.kernel.errors import Invalid, Unauthenticated
from digit.kernel.tenancy import state_of
from digit.kernel.versions import bump

log = logging.getLogger(__name__)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass
class IssuedTokens:
    access_token: str
    refresh_token: str
    expires_in: int
    user: UserInfo


async def issue_tokens(
    session: AsyncSession, identity: Identity, row: UserRow, *, family_id: str | None = None
) -> IssuedTokens:
    """A new access/refresh pair: a new family at login, the refreshed token's family on refresh."""
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
            family_id=family_id or session_id,
            user_id=row.id,
            tenant_id=row.tenant_id,
            expires_at=now + ttl_s * 1000,
        )
        stamp(token_row, actor_uuid=row.uuid, now_ms=now)
        session.add(token_row)
    await session.flush()
    return IssuedTokens(access, refresh, settings.access_token_ttl_seconds, await user_info(identity, row))


async def _record_attempt(
    session: AsyncSession, identity: Identity, row: UserRow, *, successful: bool, client: str
) -> LoginAttemptRow:
    attempt = LoginAttemptRow(user_id=row.id, tenant_id=row.tenant_id, successful=successful, client_address=client)
    stamp(attempt, actor_uuid=row.uuid, now_ms=identity.now_ms())
    session.add(attempt)
    return attempt


async def _unlock_if_due(identity: Identity, row: UserRow) -> None:
    """An account-wide lock (set by earlier versions, or an administrator) ends after the lock period."""
    settings = identity.platform.settings
    due = row.account_locked_date is not None and (
        identity.now_ms() - row.account_locked_date >= settings.login_lock_minutes * 60_000
    )
    if row.account_locked and due:
        row.account_locked = False
        row.account_locked_date = None
        stamp(row, actor_uuid=row.uuid, now_ms=identity.now_ms())


async def _failures_in_window(session: AsyncSession, identity: Identity, row: UserRow, *, client: str) -> int:
    """Failures of the account from this address in the window, since its last success from there."""
    settings = identity.platform.settings
    now = identity.now_ms()
    since = now - settings.login_failure_window_minutes * 60_000
    from_here = (LoginAttemptRow.user_id == row.id, LoginAttemptRow.client_address == client)
    last_success = await session.scalar(
        select(func.max(LoginAttemptRow.created_time)).where(*from_here, LoginAttemptRow.successful.is_(True))
    )
    if last_success is not None:
        since = max(since, int(last_success) + 1)
    count = await session.scalar(
        select(func.count()).where(
            *from_here, LoginAttemptRow.successful.is_(False), LoginAttemptRow.created_time >= since
        )
    )
    return int(count or 0)


async def _is_locked_for(session: AsyncSession, identity: Identity, row: UserRow, *, client: str) -> bool:
    """Whether the account is locked, for everyone (account-wide) or from this address."""
    if row.account_locked:
        return True
    until = await session.scalar(
        select(func.max(LoginAttemptRow.locks_until)).where(
            LoginAttemptRow.user_id == row.id, LoginAttemptRow.client_address == client
        )
    )
    return until is not None and int(until) > identity.now_ms()


async def _fail(session: AsyncSession, identity: Identity, row: UserRow | None, *, tenant_id: str, client: str) -> None:
    """Count a failed login against the address and, for a known account, against the account from
    this address (locking it from there at the threshold). Logged with the client, never the secret."""
    settings = identity.platform.settings
    now = identity.now_ms()
    await throttle.record(session, throttle.login_failures(settings), subject=client, tenant_id=tenant_id, now_ms=now)
    if row is None:
        log.warning("login_failed", extra={"tenant_id": tenant_id, "client": client, "known": False})
        return
    attempt = await _record_attempt(session, identity, row, successful=False, client=client)
    await session.flush()
    failures = await _failures_in_window(session, identity, row, client=client)
    log.warning(
        "login_failed",
        extra={"user": row.uuid, "tenant_id": row.tenant_id, "client": client, "failures": failures},
    )
    if failures >= settings.login_max_failures:
        attempt.locks_until = now + settings.login_lock_minutes * 60_000
        await session.flush()
        log.warning(
            "account_locked_for_address", extra={"user": row.uuid, "tenant_id": row.tenant_id, "client": client}
        )


def _bad_credentials() -> Invalid:
    """The one answer to an unknown account, a wrong secret and a locked account alike."""
    return Invalid("INVALID_CREDENTIALS", "Invalid login credentials")


async def password_grant(
    session: AsyncSession,
    identity: Identity,
    *,
    username: str,
    password: str,
    tenant_id: str,
    user_type: str,
    client: str,
) -> IssuedTokens:
    """DIGIT login: employees by user name and password, citizens by mobile number and OTP.

    Failures are committed by the caller even though this raises (see `grant`), so they count.
    """
    user_type = (user_type or UserType.EMPLOYEE).upper()
    if not tenant_id:
        raise Invalid("TENANT_ID_MANDATORY", "tenantId is mandatory")
    await throttle.guard(
        session, throttle.login_failures(identity.platform.settings), subject=client, now_ms=identity.now_ms()
    )
    row = await find_by_user_name(session, identity, user_name=username, tenant_id=tenant_id, user_type=user_type)
    if row is not None:
        await _unlock_if_due(identity, row)
    if row is None or await _is_locked_for(session, identity, row, client=client):
        await identity.verify_password(None, password)  # the same work, and the same answer, as a wrong password
        await _fail(session, identity, row, tenant_id=tenant_id, client=client)
        raise _bad_credentials()
    if user_type == UserType.CITIZEN:
        accepted = await otp_service.accept_login_otp(session, identity, row=row, code=password)
    else:
        accepted = await identity.verify_password(row.password_hash, password)
    if not accepted:
        await _fail(session, identity, row, tenant_id=tenant_id, client=client)
        raise _bad_credentials()
    if not row.active:
        raise Invalid("USER_INACTIVE", "Please activate your account")
    await _record_attempt(session, identity, row, successful=True, client=client)
    log.info("login_succeeded", extra={"user": row.uuid, "tenant_id": row.tenant_id, "client": client})
    return await issue_tokens(session, identity, row)


async def grant(
    session: AsyncSession,
    identity: Identity,
    *,
    grant_type: str,
    username: str | None,
    password: str | None,
    tenant_id: str | None,
    user_type: str | None,
    refresh_token: str | None,
    client: str,
) -> IssuedTokens:
    """DIGIT's `/user/oauth/token`: the password grant (login) or the refresh grant.

    The route's session commits even when this refuses, so failed attempts, lockouts and revoked token
    families stick (`SessionKeptOnRefusalDep`)."""
    if grant_type == "refresh_token":
        if not refresh_token:
            raise Invalid("INVALID_REQUEST", "refresh_token is required")
        return await refresh_grant(session, identity, refresh_token=refresh_token)
    if grant_type != "password":
        raise Invalid("UNSUPPORTED_GRANT_TYPE", "grant_type must be password or refresh_token")
    if not username or not password:
        raise Invalid("INVALID_REQUEST", "username and password are required")
    return await password_grant(
        session,
        identity,
        username=username,
        password=password,
        tenant_id=tenant_id or "",
        user_type=user_type or UserType.EMPLOYEE,
        client=client,
    )


def _bad_refresh_token() -> Invalid:
    return Invalid("INVALID_REFRESH_TOKEN", "the refresh token is invalid or expired")


async def refresh_grant(session: AsyncSession, identity: Identity, *, refresh_token: str) -> IssuedTokens:
    """A live refresh token buys a new pair in its family, once; a replayed one revokes the family.

    Failures are committed by the caller even though this raises (see `grant`), so a revocation sticks.
    """
    now = identity.now_ms()
    found = (
        await session.execute(
            select(TokenRow, UserRow)
            .join(UserRow, UserRow.id == TokenRow.user_id)
            .where(TokenRow.token_hash == token_hash(refresh_token), TokenRow.kind == "refresh")
        )
    ).first()
    if found is None:
        raise _bad_refresh_token()
    token_row, row = found
    family_id = token_row.family_id
    # claim the token: of two racing uses (two processes), exactly one sees it live
    claimed = await session.execute(
        update(TokenRow)
        .where(TokenRow.token_hash == token_row.token_hash, TokenRow.revoked.is_(False))
        .values(revoked=True, last_modified_time=now, row_version=TokenRow.row_version + 1)
        .execution_options(synchronize_session=False)
    )
    if getattr(claimed, "rowcount", 0) != 1:
        await revoke_family(session, identity, family_id=family_id)
        log.warning("refresh_token_replayed", extra={"user": row.uuid, "family": family_id[:8]})
        raise _bad_refresh_token()
    if token_row.expires_at <= now or not row.active or row.account_locked:
        raise _bad_refresh_token()
    await revoke_session(session, identity, session_id=token_row.session_id)
    return await issue_tokens(session, identity, row, family_id=family_id)


async def revoke_family(session: AsyncSession, identity: Identity, *, family_id: str) -> None:
    """Revoke every token descended from one login."""
    await session.execute(
        update(TokenRow)
        .where(TokenRow.family_id == family_id, TokenRow.revoked.is_(False))
        .values(revoked=True, last_modified_time=identity.now_ms(), row_version=TokenRow.row_version + 1)
        .execution_options(synchronize_session=False)
    )
    await bump(session, USER_AUTH, identity.platform.versions)


async def revoke_session(session: AsyncSession, identity: Identity, *, session_id: str) -> None:
    await session.execute(
        update(TokenRow)
        .where(TokenRow.session_id == session_id, TokenRow.revoked.is_(False))
        .values(revoked=True, last_modified_time=identity.now_ms(), row_version=TokenRow.row_version + 1)
        .execution_options(synchronize_session=False)
    )
    await bump(session, USER_AUTH, identity.platform.versions)


async def logout(session: AsyncSession, identity: Identity, *, access_token: str) -> bool:
    """Revoke the access token and its refresh token; False when the token was not a live one."""
    found = await session.scalar(select(TokenRow).where(TokenRow.token_hash == token_hash(access_token)))
    if found is None or found.revoked:
        return False
    await revoke_session(session, identity, session_id=found.session_id)
    log.info("logout", extra={"session": found.session_id[:8]})
    return True


async def revoke_user_tokens(
    session: AsyncSession, identity: Identity, *, user_id: int, keep_session_of: str | None = None
) -> None:
    """End every session of a user, but the one of the access token `keep_session_of` (if given)."""
    query = update(TokenRow).where(TokenRow.user_id == user_id, TokenRow.revoked.is_(False))
    if keep_session_of:
        kept = await session.scalar(
            select(TokenRow.session_id).where(
                TokenRow.token_hash == token_hash(keep_session_of), TokenRow.user_id == user_id
            )
        )
        if kept is not None:
            query = query.where(TokenRow.session_id != kept)
    await session.execute(
        query.values(
            revoked=True, last_modified_time=identity.now_ms(), row_version=TokenRow.row_version + 1
        ).execution_options(synchronize_session=False)
    )
    await bump(session, USER_AUTH, identity.platform.versions)


async def cached_user(identity: Identity, token: str) -> tuple[str, UserInfo | None]:
    """(the token's hash, its user if this process has it cached and the token has not expired)."""
    hashed = token_hash(token)
    hit = await identity.tokens.get(hashed)
    if hit is None:
        return hashed, None
    expires_at, user = hit
    return hashed, user if expires_at > identity.now_ms() else None


async def authenticate(session: AsyncSession, identity: Identity, token: str) -> UserInfo | None:
    """The user behind a live access token, or None.

    Hot path: callers look in `cached_user` first; this reads one indexed row of a few columns, and
    the decrypted user is cached per row version, so the full row (roles, PII) is read only when the
    user changed. A live token is remembered until it expires or the `user-auth` counter moves.
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
    user = identity.user_cache.get((uuid, row_version))
    if user is None:
        row = await session.get(UserRow, user_id)
        if row is None:
            return None
        user = await user_info(identity, row)
    identity.tokens.put(token_hash(token), (expires_at, user))
    return user


def citizen_tenant(tenant_id: str) -> str:
    return state_of(tenant_id)


def assert_token(token: str | None) -> str:
    if not token:
        raise Unauthenticated("UNAUTHORIZED", "You are not authorized to access this resource")
    return token
