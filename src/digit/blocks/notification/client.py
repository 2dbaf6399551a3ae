"""What other blocks use to send SMS, email and in-app events."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from sqlalchemy.ext.asyncio import AsyncSession

from digit.blocks.notification import user_events
from digit.blocks.notification.schemas import Actions, ActionUrl, EventStatus, EventType, Recepient
from digit.blocks.notification.schemas import Event as UserEvent
from digit.blocks.notification.service import Notifier
from digit.kernel.platform import Key
from digit.kernel.security import Actor

__all__ = [  # the types of the interface travel with it: other blocks import only this module
    "NOTIFICATION_CLIENT",
    "ActionUrl",
    "Actions",
    "EventStatus",
    "EventType",
    "InProcessNotificationClient",
    "NotificationClient",
    "Recepient",
    "UserEvent",
]


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
        self, session: AsyncSession | None, *, events: Sequence[UserEvent], actor: Actor
    ) -> list[UserEvent]:
        """Store in-app events (DIGIT's Event; `.wire()` gives its camelCase shape), in the caller's
        transaction if given one; answers them as stored (ids, status and audit details filled in)."""
        ...


class InProcessNotificationClient(Notifier):
    """Deliveries through this process's queue; `flush()` and `retry_due()` are for tests and the scheduler.
    `Notifier` restates `NotificationClient`'s signatures on purpose (the Protocol is what other blocks type
    against)."""

    async def create_user_events(
        self, session: AsyncSession | None, *, events: Sequence[UserEvent], actor: Actor
    ) -> list[UserEvent]:
        now_ms = self.platform.clock.now_ms()
        if session is not None:
            return await user_events.create_events(session, events=events, actor=actor, now_ms=now_ms)
        async with self.platform.sessions() as own, own.begin():
            return await user_events.create_events(own, events=events, actor=actor, now_ms=now_ms)


NOTIFICATION_CLIENT = Key[NotificationClient](NotificationClient)
"""The platform key of `NotificationClient`."""
