"""What other blocks use to send SMS, email and in-app events."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

from sqlalchemy.ext.asyncio import AsyncSession

from digit.blocks.notification import user_events
from digit.blocks.notification.schemas import Event
from digit.blocks.notification.service import Notifier
from digit.kernel.platform import Key
from digit.kernel.security import Actor


class NotificationClient(Protocol):
    async def send_sms(
        self,
        *,
        session: AsyncSession | None = None,
        tenant_id: str,
        mobile_number: str,
        message: str,
        category: str = "TRANSACTION",
    ) -> str:
        """Queue an SMS; returns the delivery id. OTPs use category "OTP". Nothing of it is logged.

        Pass your `session` when you hold a write transaction: the delivery is recorded in it and sent
        after it commits (not at all if it rolls back). Without one, this process records it by itself.
        """
        ...

    async def send_email(
        self,
        *,
        session: AsyncSession | None = None,
        tenant_id: str,
        to: Sequence[str],
        subject: str,
        body: str,
        is_html: bool = False,
    ) -> str: ...

    async def create_user_events(
        self, session: AsyncSession | None, *, events: list[dict[str, Any]], actor: Actor
    ) -> list[dict[str, Any]]:
        """Store in-app events (DIGIT's Event shape, camelCase); in the caller's transaction if given one."""
        ...


class InProcessNotificationClient(Notifier):
    """Deliveries through this process's queue; `flush()` and `retry_due()` are for tests and the scheduler."""

    async def create_user_events(
        self, session: AsyncSession | None, *, events: list[dict[str, Any]], actor: Actor
    ) -> list[dict[str, Any]]:
        parsed = [Event.model_validate(e) for e in events]
        now_ms = self.platform.clock.now_ms()
        if session is not None:
            created = await user_events.create_events(session, events=parsed, actor=actor, now_ms=now_ms)
        else:
            async with self.platform.sessions() as own, own.begin():
                created = await user_events.create_events(own, events=parsed, actor=actor, now_ms=now_ms)
        return [e.wire(exclude_none=True) for e in created]


NOTIFICATION_CLIENT = Key[NotificationClient](NotificationClient)
"""The platform key of `NotificationClient`."""
