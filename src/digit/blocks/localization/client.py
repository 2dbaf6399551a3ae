"""What other blocks use to word their messages (notifications, PDFs, screens) in a tenant's locale."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from digit.blocks.localization.service import MessageCache, select_messages
from digit.kernel.platform import Key


class LocalizationClient(Protocol):
    async def get_messages(
        self, *, tenant_id: str, locale: str, modules: Sequence[str] = (), codes: Sequence[str] = ()
    ) -> dict[str, str]: ...


class InProcessLocalizationClient:
    """Reads through the per-process cache; code -> message after city -> state -> default -> en_IN."""

    def __init__(self, cache: MessageCache) -> None:
        self._cache = cache

    async def get_messages(
        self, *, tenant_id: str, locale: str, modules: Sequence[str] = (), codes: Sequence[str] = ()
    ) -> dict[str, str]:
        found: dict[str, str] = {}
        in_locale: set[str] = set()
        messages = await self._cache.messages(tenant_id=tenant_id, locale=locale)
        for message in select_messages(messages, modules=modules, codes=codes):
            if message.code in in_locale:
                continue  # the same code in two modules: the requested locale's first module wins
            if message.locale == locale:
                in_locale.add(message.code)
                found[message.code] = message.message
            else:
                found.setdefault(message.code, message.message)
        return found


LOCALIZATION_CLIENT = Key[LocalizationClient](LocalizationClient)
"""The platform key of `LocalizationClient`."""
