"""What other blocks use to word their messages (notifications, PDFs, screens) in a tenant's locale."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from types import MappingProxyType
from typing import Protocol

from digit.blocks.localization.schemas import Message
from digit.blocks.localization.service import CACHE_ENTRIES, MessageCache, select_messages
from digit.kernel.platform import Key


class LocalizationClient(Protocol):
    async def get_messages(
        self, *, tenant_id: str, locale: str, modules: Sequence[str] = (), codes: Sequence[str] = ()
    ) -> dict[str, str]: ...

    async def bundle(self, *, tenant_id: str, locale: str, modules: Sequence[str]) -> Mapping[str, str]:
        """`get_messages` of whole modules, read-only and shared: the same mapping while the tenant's messages
        in the locale are unchanged (a page's labels, asked on every page)."""
        ...


class InProcessLocalizationClient:
    """Reads through the per-process cache; code -> message after city -> state -> default -> en_IN."""

    def __init__(self, cache: MessageCache) -> None:
        self._cache = cache
        self._bundles: dict[tuple[str, str, tuple[str, ...]], tuple[list[Message], Mapping[str, str]]] = {}

    async def get_messages(
        self, *, tenant_id: str, locale: str, modules: Sequence[str] = (), codes: Sequence[str] = ()
    ) -> dict[str, str]:
        messages = await self._cache.messages(tenant_id=tenant_id, locale=locale)
        return _pick(messages, locale=locale, modules=modules, codes=codes)

    async def bundle(self, *, tenant_id: str, locale: str, modules: Sequence[str]) -> Mapping[str, str]:
        """Kept while the cache hands out the very same resolved list: a write (here or, through the version
        counter, in another process) makes it resolve a new one, and the bundle is picked again from it."""
        resolved = await self._cache.messages(tenant_id=tenant_id, locale=locale)
        key = (tenant_id, locale, tuple(modules))
        kept = self._bundles.get(key)
        if kept is not None and kept[0] is resolved:
            return kept[1]
        picked = MappingProxyType(_pick(resolved, locale=locale, modules=modules, codes=()))
        if len(self._bundles) >= CACHE_ENTRIES:
            self._bundles.clear()
        self._bundles[key] = (resolved, picked)
        return picked


def _pick(messages: list[Message], *, locale: str, modules: Sequence[str], codes: Sequence[str]) -> dict[str, str]:
    """code -> message of the selected modules/codes; the same code in two modules: the locale's first wins."""
    found: dict[str, str] = {}
    in_locale: set[str] = set()
    for message in select_messages(messages, modules=modules, codes=codes):
        if message.code in in_locale:
            continue
        if message.locale == locale:
            in_locale.add(message.code)
            found[message.code] = message.message
        else:
            found.setdefault(message.code, message.message)
    return found


LOCALIZATION_CLIENT = Key[LocalizationClient](LocalizationClient)
"""The platform key of `LocalizationClient`."""
