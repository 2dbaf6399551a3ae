"""egov-otp: DIGIT's internal one-time token store (`/otp/v1/_create|_validate|_search`), for system clients.

DIGIT's `_create` answers the code itself to its caller (user-otp), which sends the SMS. Here the code never
leaves by HTTP (the rule of otp.py): `_create` sends it by SMS to the identity (a mobile number) and answers
the token's UUID; `_validate` checks a code against the identity's newest live token, counting wrong codes
against it; `_search` answers a token's state by UUID, without the identity (stored only as a keyed index).
Tokens are OtpRows of their own purpose, so a token never passes for a login or registration OTP.
"""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from digit.blocks.user import otp
from digit.blocks.user.client import OTP_SENDER
from digit.blocks.user.models import OtpRow
from digit.blocks.user.service import Identity, check_mobile
from digit.kernel.db import stamp
from digit.kernel.envelope import UserType
from digit.kernel.errors import Invalid, TooManyRequests
from digit.kernel.security import SYSTEM_UUID
from digit.kernel.tenancy import state_of

log = logging.getLogger(__name__)

PURPOSE = "egov-otp"
VALIDATION_FAILED = "OTP.VALIDATION_UNSUCCESSFUL"  # DIGIT's code (TokenValidationFailureAdapter)
MESSAGE = "Your OTP is {otp}. It is valid for {minutes} minutes."


def token_wire(row: OtpRow, *, max_attempts: int) -> dict[str, Any]:
    """DIGIT's Otp, without the code and the identity (a token used up by wrong codes was not validated)."""
    validated = row.used and row.failed_attempts < max_attempts
    return {"UUID": row.id, "tenantId": row.tenant_id, "isValidationSuccessful": validated}


def _index(identity: Identity, *, tenant_id: str, value: str) -> str:
    return identity.index(tenant_id=state_of(tenant_id), field="mobileNumber", value=value)


async def create_token(
    session: AsyncSession, identity: Identity, *, mobile_number: str, tenant_id: str
) -> dict[str, Any]:
    """Store a new token for the number and send its code by SMS (once the transaction commits)."""
    settings = identity.platform.settings
    now = identity.now_ms()
    await check_mobile(identity, tenant_id=tenant_id, mobile_number=mobile_number)
    state = state_of(tenant_id)
    mobile_index = _index(identity, tenant_id=state, value=mobile_number)
    recent = await session.scalar(
        select(func.count()).where(
            OtpRow.mobile_index == mobile_index,
            OtpRow.purpose == PURPOSE,
            OtpRow.created_time > now - settings.otp_send_window_seconds * 1000,
        )
    )
    if int(recent or 0) >= settings.otp_max_sends:
        raise TooManyRequests("TOO_MANY_OTP_REQUESTS", "too many OTPs were requested for this number; try again later")
    code = otp._new_code(identity)
    row = OtpRow(
        tenant_id=state,
        mobile_index=mobile_index,
        purpose=PURPOSE,
        user_type=UserType.SYSTEM,
        code_hash=otp._code_hash(identity, mobile_index=mobile_index, purpose=PURPOSE, code=code),
        expires_at=now + settings.otp_ttl_seconds * 1000,
    )
    stamp(row, actor_uuid=SYSTEM_UUID, now_ms=now)
    session.add(row)
    await session.flush()
    sender = identity.platform.find(OTP_SENDER)
    if sender is not None:
        message = MESSAGE.format(otp=code, minutes=settings.otp_ttl_seconds // 60)
        await sender.send_sms(
            session=session, tenant_id=state, mobile_number=mobile_number, message=message, category="OTP"
        )
    log.info("egov_otp_created", extra={"tenant_id": state, "reference": row.id, "sent": sender is not None})
    return token_wire(row, max_attempts=settings.otp_max_attempts)


async def validate_token(
    session: AsyncSession, identity: Identity, *, mobile_number: str, tenant_id: str, code: str
) -> dict[str, Any]:
    """Use the number's newest live token when the code matches; else 400 OTP.VALIDATION_UNSUCCESSFUL."""
    mobile_index = _index(identity, tenant_id=tenant_id, value=mobile_number)
    row = await otp._latest_live(session, identity, mobile_index=mobile_index, purpose=PURPOSE)
    if row is None or not await otp.check_code(
        session, identity, mobile_index=mobile_index, purpose=PURPOSE, code=code
    ):
        raise Invalid(VALIDATION_FAILED, "OTP validation unsuccessful", params=["otp.otp"])
    return token_wire(row, max_attempts=identity.platform.settings.otp_max_attempts)


async def search_token(
    session: AsyncSession, identity: Identity, *, uuid: str, tenant_id: str
) -> dict[str, Any] | None:
    """A token of the tenant's state by its UUID (None when there is none, as DIGIT answers `otp: null`)."""
    row = await session.scalar(
        select(OtpRow).where(OtpRow.id == uuid, OtpRow.purpose == PURPOSE, OtpRow.tenant_id == state_of(tenant_id))
    )
    if row is None:
        return None
    return token_wire(row, max_attempts=identity.platform.settings.otp_max_attempts)
