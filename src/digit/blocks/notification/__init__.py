"""Notifications: SMS (development sink or HTTP gateway), email (SMTP), in-app user events, event routing."""

from __future__ import annotations

import asyncio
import logging

from sqlalchemy.exc import SQLAlchemyError

from digit.blocks.notification.api import EVENTS_SEARCH, router
from digit.blocks.notification.client import NOTIFICATION_CLIENT, InProcessNotificationClient
from digit.blocks.notification.routing import CONSUMER
from digit.blocks.notification.service import Notifier
from digit.blocks.user.client import OTP_SENDER
from digit.kernel.blocks import Block
from digit.kernel.platform import Platform

log = logging.getLogger(__name__)


def install(platform: Platform) -> None:
    client = InProcessNotificationClient(platform)
    platform.provide(NOTIFICATION_CLIENT, client)
    platform.provide(OTP_SENDER, client)  # the user block's OTPs go out as SMS through this block


async def retry_loop(platform: Platform) -> None:
    """Background task: retry due deliveries every few seconds."""
    notifier = platform.get(NOTIFICATION_CLIENT)
    assert isinstance(notifier, Notifier)
    while True:
        try:
            await notifier.retry_due()
        except SQLAlchemyError as error:
            log.error("notification_retry_failed", extra={"error": type(error).__name__})
        await asyncio.sleep(5)


BLOCK = Block(
    name="notification",
    routers=[router],
    depends=("encryption", "mdms", "localization", "user"),
    install=install,
    background=(retry_loop,),
    consumers=(CONSUMER,),
    anonymous_routes=(EVENTS_SEARCH,),
)
