"""Notifications: SMS (development sink or HTTP gateway), email (SMTP), in-app user events, event routing."""

from __future__ import annotations

from digit.blocks.notification.api import EVENTS_SEARCH, router
from digit.blocks.notification.client import NOTIFICATION_CLIENT, InProcessNotificationClient
from digit.blocks.notification.routing import CONSUMER
from digit.blocks.notification.service import Notifier
from digit.blocks.user.client import OTP_SENDER
from digit.kernel.blocks import Block
from digit.kernel.periodic import Periodic
from digit.kernel.platform import Platform

RETRY_EVERY_S = 5.0


def install(platform: Platform) -> None:
    client = InProcessNotificationClient(platform)
    platform.provide(NOTIFICATION_CLIENT, client)
    platform.provide(OTP_SENDER, client)  # the user block's OTPs go out as SMS through this block


async def retry_round(platform: Platform) -> int:
    """Retry due deliveries (claims are row-level, so this is safe anywhere; it leads to avoid double work)."""
    notifier = platform.get(NOTIFICATION_CLIENT)
    assert isinstance(notifier, Notifier)
    return await notifier.retry_due()


RETRY = Periodic(name="notification.retry", every_s=RETRY_EVERY_S, run=retry_round, leader=True)


BLOCK = Block(
    name="notification",
    routers=[router],
    depends=("encryption", "mdms", "localization", "user"),
    install=install,
    background=(RETRY,),
    consumers=(CONSUMER,),
    anonymous_routes=(EVENTS_SEARCH,),
)
