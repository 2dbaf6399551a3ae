"""user-otp: one-time passwords for citizen registration, login, password reset and a new mobile number.

An OTP is six random digits, stored only as a keyed hash, valid `otp_ttl_seconds`, good for one
use, void after `otp_max_attempts` wrong codes, and at most `otp_max_sends` are sent per mobile
number and purpose in `otp_send_window_seconds`. The code leaves only by SMS (the notification
block's sender); it is never logged, returned or stored in clear. The development-only fixed OTP
(`settings.fixed_otp`, refused in production by Settings) replaces the random code.

Sending tells whether a number is registered (`USER_ALREADY_EXISTS` / `USER_NOT_FOUND`), as DIGIT's
does and its UI relies on; so every request, answered or refused, counts against the client address
(`otp_send_max_per_address`) and the number (`otp_send_max_per_number`), which bounds how many
numbers one address can probe (429 beyond).

Type `update` verifies a number a person wants to move their account to: it is sent only to a
number no user of that type holds in the tenant, and `/user/profile/_update` takes its code as
`otpReference`.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
from dataclasses import dataclass

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from digit.blocks.user import throttle
from digit.blocks.user.client import OTP_SENDER
from digit.blocks.user.models import OtpRow, UserRow
from digit.blocks.user.service import Identity, check_mobile, find_by_mobile, home_tenant
from digit.kernel.db import stamp
from digit.kernel.envelope import UserType
from digit.kernel.errors import Invalid, TooManyRequests
from digit.kernel.security import SYSTEM_UUID
from digit.kernel.tenancy import state_of

log = logging.getLogger(__name__)


def _derive(master: bytes, info: str) -> bytes:
    """A key of its own for OTP code hashes, derived from the master key."""
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=b"digit-user-pii", info=info.encode()).derive(master)


PURPOSES = ("register", "login", "passwordreset", "update")
MESSAGES = {
    "register": "Dear Citizen, your OTP to complete your registration is {otp}. It is valid for {minutes} minutes.",
    "login": "Dear Citizen, your login OTP is {otp}. It is valid for {minutes} minutes.",
    "passwordreset": "Your OTP to reset your password is {otp}. It is valid for {minutes} minutes.",
    "update": "Your OTP to confirm this as your new mobile number is {otp}. It is valid for {minutes} minutes.",
}


@dataclass
class SentOtp:
    reference: str
    code: str  # for the sender only: never log, store or return it over HTTP


def _code_hash(identity: Identity, *, mobile_index: str, purpose: str, code: str) -> str:
    key = _derive(identity.platform.settings.master_key.get_secret_value().encode(), "otp")
    return hmac.new(key, f"{mobile_index}:{purpose}:{code}".encode(), hashlib.sha256).hexdigest()


def _new_code(identity: Identity) -> str:
    fixed = identity.platform.settings.fixed_otp
    return fixed if fixed else f"{secrets.randbelow(10**6):06d}"


def _check_purpose_fits(purpose: str, existing: UserRow | None) -> None:
    """Register and update want a free number, login and password reset a registered one."""
    if purpose == "register" and existing is not None:
        raise Invalid(
            "USER_ALREADY_EXISTS",
            'a user with this mobile number is already registered; to log in, send the OTP with "type": "login"',
            params=["type"],
        )
    if purpose == "update" and existing is not None:
        raise Invalid("USER_ALREADY_EXISTS", "a user with this mobile number is already registered")
    if purpose in ("login", "passwordreset") and existing is None:
        raise Invalid("USER_NOT_FOUND", "no user is registered with this mobile number")


async def _guard_send_rate(
    session: AsyncSession, identity: Identity, *, mobile_index: str, purpose: str, state: str, now_ms: int
) -> None:
    """Refuse when this number was sent too many OTPs for this purpose within the send window."""
    settings = identity.platform.settings
    recent = await session.scalar(
        select(func.count()).where(
            OtpRow.mobile_index == mobile_index,
            OtpRow.purpose == purpose,
            OtpRow.created_time > now_ms - settings.otp_send_window_seconds * 1000,
        )
    )
    if int(recent or 0) >= settings.otp_max_sends:
        log.warning("otp_rate_limited", extra={"tenant_id": state, "purpose": purpose})
        raise TooManyRequests("TOO_MANY_OTP_REQUESTS", "too many OTPs were requested for this number; try again later")


async def issue_otp(
    session: AsyncSession,
    identity: Identity,
    *,
    mobile_number: str,
    tenant_id: str,
    purpose: str,
    user_type: str | None = None,
    client: str,
) -> SentOtp:
    """Check the throttles, the purpose's rule, the rate limit, and store a new OTP; the caller sends the code.

    Throttle hits are written before any refusal: the caller commits them even when this raises.
    """
    settings = identity.platform.settings
    now = identity.now_ms()
    per_address = throttle.otp_sends_per_address(settings)
    await throttle.guard(session, per_address, subject=client, now_ms=now)
    await throttle.record(session, per_address, subject=client, tenant_id=tenant_id, now_ms=now)
    purpose = (purpose or "register").lower()
    if purpose not in PURPOSES:
        raise Invalid("INVALID_OTP_TYPE", "type must be register, login, passwordreset or update")
    user_type = (user_type or UserType.CITIZEN).upper()
    tenant = home_tenant(user_type, tenant_id)
    await check_mobile(identity, tenant_id=tenant, mobile_number=mobile_number)
    state = state_of(tenant)
    mobile_index = identity.index(tenant_id=state, field="mobileNumber", value=mobile_number)
    per_number = throttle.otp_sends_per_number(settings)
    await throttle.guard(session, per_number, subject=mobile_index, now_ms=now)
    await throttle.record(session, per_number, subject=mobile_index, tenant_id=state, now_ms=now)
    existing = await find_by_mobile(
        session, identity, mobile_number=mobile_number, tenant_id=tenant, user_type=user_type
    )
    _check_purpose_fits(purpose, existing)
    await _guard_send_rate(session, identity, mobile_index=mobile_index, purpose=purpose, state=state, now_ms=now)
    code = _new_code(identity)
    row = OtpRow(
        tenant_id=state,
        mobile_index=mobile_index,
        purpose=purpose,
        user_type=user_type,
        code_hash=_code_hash(identity, mobile_index=mobile_index, purpose=purpose, code=code),
        expires_at=now + settings.otp_ttl_seconds * 1000,
    )
    stamp(row, actor_uuid=existing.uuid if existing else SYSTEM_UUID, now_ms=now)
    session.add(row)
    await session.flush()
    log.info("otp_issued", extra={"tenant_id": state, "purpose": purpose, "reference": row.id})
    return SentOtp(reference=row.id, code=code)


async def send_sms(
    session: AsyncSession, identity: Identity, *, tenant_id: str, mobile_number: str, purpose: str, code: str
) -> bool:
    """Hand the OTP to the notification block's SMS sender (category OTP), in the caller's transaction
    (sent once it commits). False when the platform has no sender."""
    sender = identity.platform.find(OTP_SENDER)
    if sender is None:
        log.warning("otp_not_sent_no_sms_sender", extra={"tenant_id": tenant_id, "purpose": purpose})
        return False
    minutes = identity.platform.settings.otp_ttl_seconds // 60
    message = MESSAGES[purpose].format(otp=code, minutes=minutes)
    await sender.send_sms(
        session=session, tenant_id=tenant_id, mobile_number=mobile_number, message=message, category="OTP"
    )
    return True


async def _latest_live(session: AsyncSession, identity: Identity, *, mobile_index: str, purpose: str) -> OtpRow | None:
    query = (
        select(OtpRow)
        .where(
            OtpRow.mobile_index == mobile_index,
            OtpRow.purpose == purpose,
            OtpRow.used.is_(False),
            OtpRow.expires_at > identity.now_ms(),
        )
        .order_by(OtpRow.created_time.desc())
        .limit(1)
    )
    return (await session.scalars(query)).first()


async def check_code(session: AsyncSession, identity: Identity, *, mobile_index: str, purpose: str, code: str) -> bool:
    """Consume the newest live OTP when the code matches; count a wrong code against it."""
    settings = identity.platform.settings
    row = await _latest_live(session, identity, mobile_index=mobile_index, purpose=purpose)
    fixed = settings.fixed_otp
    if row is None:
        return fixed is not None and hmac.compare_digest(code, fixed)
    expected = row.code_hash
    given = _code_hash(identity, mobile_index=mobile_index, purpose=purpose, code=code)
    if hmac.compare_digest(expected, given) or (fixed and hmac.compare_digest(code, fixed)):
        row.used = True
        stamp(row, actor_uuid=row.created_by, now_ms=identity.now_ms())
        await session.flush()
        return True
    row.failed_attempts += 1
    if row.failed_attempts >= settings.otp_max_attempts:
        row.used = True
    stamp(row, actor_uuid=row.created_by, now_ms=identity.now_ms())
    await session.flush()
    return False


async def accept_login_otp(session: AsyncSession, identity: Identity, *, row: UserRow, code: str) -> bool:
    if not row.mobile_index:
        return False
    return await check_code(session, identity, mobile_index=row.mobile_index, purpose="login", code=code)


async def consume_otp(
    session: AsyncSession, identity: Identity, *, mobile_number: str, tenant_id: str, purpose: str, code: str | None
) -> None:
    """Raise INVALID_OTP unless `code` is the live OTP sent to the number for this purpose."""
    mobile_index = identity.index(tenant_id=state_of(tenant_id), field="mobileNumber", value=mobile_number)
    if not code or not await check_code(session, identity, mobile_index=mobile_index, purpose=purpose, code=code):
        raise Invalid("INVALID_OTP", "the OTP is not valid, has expired or was already used")


async def send_otp(
    session: AsyncSession,
    identity: Identity,
    *,
    mobile_number: str,
    tenant_id: str,
    purpose: str,
    user_type: str | None,
    client: str,
) -> None:
    """DIGIT user-otp `_send`: store a new OTP for the purpose and hand its code to the SMS sender (it leaves
    once the caller commits). A refusal's throttle counts are committed by the caller all the same."""
    sent = await issue_otp(
        session,
        identity,
        mobile_number=mobile_number,
        tenant_id=tenant_id,
        purpose=purpose,
        user_type=user_type,
        client=client,
    )
    await send_sms(
        session, identity, tenant_id=tenant_id, mobile_number=mobile_number, purpose=purpose.lower(), code=sent.code
    )
