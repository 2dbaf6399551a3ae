"""Notifications: SMS (development sink or HTTP gateway), email (SMTP), in-app user events, event routing."""

from __future__ import annotations

from digit.blocks.notification.api import router
from digit.blocks.notification.client import InProcessNotificationClient, NotificationClient
from digit.blocks.notification.routing import CONSUMER
from digit.blocks.notification.service import retry_loop
from digit.kernel.blocks import Block
from digit.kernel.platform import Platform


def install(platform: Platform) -> None:
    platform.provide(NotificationClient, InProcessNotificationClient(platform))  # type: ignore[type-abstract]


BLOCK = Block(
    name="notification",
    routers=[router],
    depends=("encryption", "mdms", "localization", "user"),
    install=install,
    background=(retry_loop,),
    consumers=(CONSUMER,),
)
