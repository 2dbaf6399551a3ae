"""egov-url-shortening: stable short codes with validity, redirecting only to allowed hosts."""

from __future__ import annotations

from digit.blocks.urlshortener.api import router
from digit.blocks.urlshortener.client import URL_SHORTENER_CLIENT, InProcessUrlShortenerClient
from digit.blocks.urlshortener.service import REDIRECT_PREFIX
from digit.kernel.blocks import Block
from digit.kernel.platform import Platform


def install(platform: Platform) -> None:
    platform.provide(URL_SHORTENER_CLIENT, InProcessUrlShortenerClient(platform))


BLOCK = Block(name="urlshortener", routers=[router], install=install, open_routes=(f"{REDIRECT_PREFIX}/{{id}}",))
