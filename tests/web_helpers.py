"""What the web UI's HTTP tests share: forms posted as a browser posts them (CSRF token from the page first),
the text a reader sees, a tiny photo (package: digit.web)."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
from fastapi import FastAPI

OTP = "123456"
AMRITSAR = "pb.amritsar"
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360f8cfc0f01f0005000201e2a6d6cf0000000049454e44ae426082"
)
StartApp = Callable[..., Awaitable[tuple[FastAPI, httpx.AsyncClient]]]


def csrf_of(page: httpx.Response) -> str:
    found = re.search(r'name="csrf_token" value="([0-9a-f]+)"', page.text)
    assert found, f"no CSRF field on {page.url} ({page.status_code})"
    return found.group(1)


async def post_form(
    web: httpx.AsyncClient, path: str, page: str, files: Any = None, **fields: str | list[str]
) -> httpx.Response:
    """Open `page` (for its CSRF token and cookie) and post the form to `path`."""
    token = csrf_of(await web.get(page))
    return await web.post(path, data={"csrf_token": token, **fields}, files=files)


def visible_text(html: str) -> str:
    return re.sub(r"<[^>]+>", " ", html)
