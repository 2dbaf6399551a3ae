"""URL shortener rules: only http(s) URLs to allowed hosts, stable codes, validity windows.

A code is derived from a keyed hash of the URL and its validity, so the same request gets the same
code (in any process) while it is valid; a clash or an expired twin moves on to the next candidate.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import bindparam
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from digit.blocks.urlshortener.models import ShortUrlRow
from digit.kernel.errors import DomainError, Invalid, NotFound
from digit.kernel.prepared import Prepared, table_of
from digit.kernel.settings import Settings

CODE_LENGTH = 8
MAX_URL_LENGTH = 4096
REDIRECT_PREFIX = "/egov-url-shortening"
_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"


class Gone(DomainError):
    status_code = 410


def allowed_hosts(settings: Settings) -> set[str]:
    hosts = settings.url_shortener_allowed_hosts or [urlsplit(settings.public_url).hostname or ""]
    return {h.strip().lower().rstrip(".") for h in hosts if h.strip()}


def check_target(settings: Settings, url: str) -> None:
    """No open redirect: absolute http(s) URL, no credentials in it, host on the allow-list."""
    if not url or len(url) > MAX_URL_LENGTH or any(c.isspace() for c in url):
        raise Invalid("INVALID_URL", "url must be an absolute http(s) URL without spaces")
    try:
        parts = urlsplit(url)
        host = (parts.hostname or "").lower().rstrip(".")
        _ = parts.port  # a malformed port raises ValueError
    except ValueError:
        raise Invalid("INVALID_URL", "url must be an absolute http(s) URL") from None
    if parts.scheme not in ("http", "https") or not host:
        raise Invalid("INVALID_URL", "url must be an absolute http(s) URL")
    if parts.username is not None or parts.password is not None:
        raise Invalid("INVALID_URL", "url must not carry credentials")
    if host not in allowed_hosts(settings):
        raise Invalid("URL_HOST_NOT_ALLOWED", "short URLs may only point to this platform's own hosts")


def _code(settings: Settings, url: str, valid_from: int | None, valid_till: int | None, attempt: int) -> str:
    key = hmac.new(settings.master_key.get_secret_value().encode(), b"digit-url-shortener-v1", hashlib.sha256).digest()
    digest = hmac.new(key, f"{url}|{valid_from}|{valid_till}|{attempt}".encode(), hashlib.sha256).digest()
    number = int.from_bytes(digest[:8], "big")
    chars = []
    for _ in range(CODE_LENGTH):
        number, index = divmod(number, len(_ALPHABET))
        chars.append(_ALPHABET[index])
    return "".join(chars)


def _add_unless_taken(insert: Callable[[Any], Any]) -> Prepared:
    """Insert a new link unless its code is taken (every create of a complaint makes one): a prepared statement,
    spelt by each database's own INSERT (their ON CONFLICT clauses read alike)."""
    table = table_of(ShortUrlRow)
    values = {c.key: bindparam(c.key, type_=c.type) for c in table.columns}
    return Prepared(insert(table).values(values).on_conflict_do_nothing(index_elements=["id"]).returning(table.c.id))


_ADD = {"postgresql": _add_unless_taken(pg_insert), "sqlite": _add_unless_taken(sqlite_insert)}


def _is_expired(row: ShortUrlRow, now_ms: int) -> bool:
    return row.valid_till is not None and row.valid_till <= now_ms


async def shorten(
    session: AsyncSession,
    settings: Settings,
    *,
    url: str,
    valid_from: int | None,
    valid_till: int | None,
    tenant_id: str,
    actor_uuid: str,
    now_ms: int,
) -> str:
    """The short code of the URL (existing one while valid, else a new one)."""
    check_target(settings, url)
    if valid_till is not None and valid_till <= now_ms:
        raise Invalid("INVALID_VALIDITY", "validTill must be in the future")
    if valid_from is not None and valid_till is not None and valid_from >= valid_till:
        raise Invalid("INVALID_VALIDITY", "validFrom must be before validTill")
    url_hash = hashlib.sha256(url.encode()).hexdigest()
    for attempt in range(16):
        code = _code(settings, url, valid_from, valid_till, attempt)
        # the usual case (a new link) in one statement: insert unless the code is taken
        values = {"id": code, "url": url, "url_hash": url_hash, "valid_from": valid_from, "valid_till": valid_till}
        values |= {"tenant_id": tenant_id, "created_by": actor_uuid, "created_time": now_ms}
        values |= {"last_modified_by": actor_uuid, "last_modified_time": now_ms, "row_version": 1}
        if await _ADD[session.get_bind().dialect.name].rows(session, **values):
            return code
        row = await session.get(ShortUrlRow, code)
        if row is None:
            continue
        same = row.url == url and (row.valid_from, row.valid_till) == (valid_from, valid_till)
        if same and not _is_expired(row, now_ms):
            return code
    raise Invalid("SHORT_CODE_EXHAUSTED", "no short code is free for this URL; try another validity")


def short_url(settings: Settings, code: str) -> str:
    return f"{settings.public_url.rstrip('/')}{REDIRECT_PREFIX}/{code}"


async def resolve(session: AsyncSession, settings: Settings, *, code: str, now_ms: int) -> str:
    """The target of a valid code; the allow-list is checked again (it may have shrunk since)."""
    row = await session.get(ShortUrlRow, code) if 0 < len(code) <= 16 else None
    if row is None or (row.valid_from is not None and row.valid_from > now_ms):
        raise NotFound("URL_NOT_FOUND", "no such short URL")
    if _is_expired(row, now_ms):
        raise Gone("URL_EXPIRED", "this short URL has expired")
    check_target(settings, row.url)
    return row.url
