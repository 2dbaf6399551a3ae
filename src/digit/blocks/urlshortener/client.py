"""What other blocks use to put a short link into an SMS or a PDF."""

from __future__ import annotations

from typing import Protocol

from sqlalchemy.ext.asyncio import AsyncSession

from digit.blocks.urlshortener import service
from digit.kernel.db import after_commit
from digit.kernel.platform import Key, Platform
from digit.kernel.security import SYSTEM_UUID
from digit.kernel.versions import VersionedCache


class UrlShortenerClient(Protocol):
    async def shorten(self, url: str, *, session: AsyncSession | None = None, valid_till_ms: int | None = None) -> str:
        """The absolute short URL; raises Invalid for a host off the allow-list."""
        ...


class InProcessUrlShortenerClient:
    def __init__(self, platform: Platform) -> None:
        self._platform = platform
        # a link without an end never changes once stored: services shorten the same page at every event
        self._lasting: VersionedCache[str, str] = platform.versions.cache("urlshortener", ttl_ms=600_000)

    async def shorten(self, url: str, *, session: AsyncSession | None = None, valid_till_ms: int | None = None) -> str:
        platform = self._platform
        if valid_till_ms is None:
            known = await self._lasting.get(url)
            if known is not None:
                return known
        if session is None:
            async with platform.sessions() as own:
                code = await self._shorten(own, url, valid_till_ms)
                await own.commit()
            short = service.short_url(platform.settings, code)
            if valid_till_ms is None:
                self._lasting.put(url, short)
            return short
        code = await self._shorten(session, url, valid_till_ms)
        short = service.short_url(platform.settings, code)
        if valid_till_ms is None:  # a link the caller's transaction may still roll back: cached once committed
            after_commit(session, lambda: self._lasting.put(url, short))
        return short

    async def _shorten(self, session: AsyncSession, url: str, valid_till_ms: int | None) -> str:
        return await service.shorten(
            session,
            self._platform.settings,
            url=url,
            valid_from=None,
            valid_till=valid_till_ms,
            tenant_id="",
            actor_uuid=SYSTEM_UUID,
            now_ms=self._platform.clock.now_ms(),
        )


URL_SHORTENER_CLIENT = Key[UrlShortenerClient](UrlShortenerClient)
"""The platform key of `UrlShortenerClient`."""
