"""Throttles kept in the database: how many counted requests one subject made in a sliding window.

A throttle is a `scope` (the rule) counted per `subject` (a client address, or a mobile number's
blind index: never a number in clear). The hits live in `eg_user_throttle_hit`, so every API process
counts the same requests; a background task prunes hits older than every window. A request a
throttle refuses is not counted itself, so a caller who keeps hammering gets `limit` requests per
window, and a subject another party floods is free again one window after the flood stops.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from digit.blocks.user.models import ThrottleHitRow
from digit.kernel.db import stamp
from digit.kernel.errors import TooManyRequests
from digit.kernel.periodic import Periodic
from digit.kernel.platform import Platform
from digit.kernel.security import SYSTEM_UUID
from digit.kernel.settings import Settings

log = logging.getLogger(__name__)

PRUNE_EVERY_SECONDS = 300


@dataclass(frozen=True)
class Throttle:
    scope: str  # login-failure | otp-send-address | otp-send-number
    limit: int  # counted requests allowed per window; 0 = no limit
    window_ms: int
    code: str  # DIGIT-style error code of the refusal
    message: str


def login_failures(settings: Settings) -> Throttle:
    return Throttle(
        scope="login-failure",
        limit=settings.login_address_max_failures,
        window_ms=settings.login_failure_window_minutes * 60_000,
        code="TOO_MANY_LOGIN_FAILURES",
        message="too many failed logins from this address; try again later",
    )


def otp_sends_per_address(settings: Settings) -> Throttle:
    return Throttle(
        scope="otp-send-address",
        limit=settings.otp_send_max_per_address,
        window_ms=settings.otp_send_window_seconds * 1000,
        code="TOO_MANY_OTP_REQUESTS",
        message="too many OTPs were requested from this address; try again later",
    )


def otp_sends_per_number(settings: Settings) -> Throttle:
    return Throttle(
        scope="otp-send-number",
        limit=settings.otp_send_max_per_number,
        window_ms=settings.otp_send_window_seconds * 1000,
        code="TOO_MANY_OTP_REQUESTS",
        message="too many OTPs were requested for this number; try again later",
    )


async def count(session: AsyncSession, throttle: Throttle, *, subject: str, now_ms: int) -> int:
    found = await session.scalar(
        select(func.count()).where(
            ThrottleHitRow.scope == throttle.scope,
            ThrottleHitRow.subject == subject,
            ThrottleHitRow.created_time > now_ms - throttle.window_ms,
        )
    )
    return int(found or 0)


async def guard(session: AsyncSession, throttle: Throttle, *, subject: str, now_ms: int) -> None:
    """Raise 429 when the subject used up its window (the refused request is not counted)."""
    if throttle.limit > 0 and await count(session, throttle, subject=subject, now_ms=now_ms) >= throttle.limit:
        log.warning("throttled", extra={"scope": throttle.scope})
        raise TooManyRequests(throttle.code, throttle.message)


async def record(session: AsyncSession, throttle: Throttle, *, subject: str, tenant_id: str, now_ms: int) -> None:
    """Count one request of the subject (in the caller's transaction)."""
    hit = ThrottleHitRow(scope=throttle.scope, subject=subject, tenant_id=tenant_id)
    stamp(hit, actor_uuid=SYSTEM_UUID, now_ms=now_ms)
    session.add(hit)
    await session.flush()


async def prune(session: AsyncSession, settings: Settings, *, now_ms: int) -> None:
    """Forget hits older than the longest window."""
    longest_ms = max(settings.login_failure_window_minutes * 60_000, settings.otp_send_window_seconds * 1000)
    await session.execute(delete(ThrottleHitRow).where(ThrottleHitRow.created_time <= now_ms - longest_ms))


async def prune_round(platform: Platform) -> int:
    """Prune throttle hits (the kernel runs it every few minutes, on one process)."""
    async with platform.sessions() as session, session.begin():
        await prune(session, platform.settings, now_ms=platform.clock.now_ms())
    return 0


PRUNE = Periodic(name="user.throttle-prune", every_s=PRUNE_EVERY_SECONDS, run=prune_round, leader=True)
