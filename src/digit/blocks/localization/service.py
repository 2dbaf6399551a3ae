"""Localization rules: DIGIT's fallback (city -> state -> `default`, then `en_IN`), writes, and a versioned cache.

Resolution for (tenant, locale): per (module, code) the most specific tenant level that has the
message in that locale wins; codes still missing are filled with the `en_IN` message resolved the
same way (DIGIT fills only from `en_IN` at `default`; messages are loaded at the state tenant, so
filling from the same levels is what makes a city's Hindi screen show English rather than a code).
"""

from __future__ import annotations

import logging
from collections import OrderedDict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import cast

from sqlalchemy import Table, delete, select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from digit.blocks.localization.models import MessageRow, VersionRow
from digit.blocks.localization.schemas import (
    Message,
    MessageIdentity,
    MessageSearch,
    MessageSearchCriteria,
    UpdateMessage,
)
from digit.blocks.mdms.client import MdmsClient
from digit.kernel.clock import Clock
from digit.kernel.db import after_commit, conflict_insert, stamp
from digit.kernel.envelope import split_values
from digit.kernel.errors import Invalid, NotFound
from digit.kernel.tenancy import lineage
from digit.kernel.versions import counter_audit

log = logging.getLogger(__name__)

DEFAULT_TENANT = "default"
DEFAULT_LOCALE = "en_IN"
CACHE_ENTRIES = 256


def tenant_levels(tenant_id: str) -> list[str]:
    """Where a tenant's messages come from, most specific first: `pb.amritsar`, `pb`, `default`."""
    if tenant_id == DEFAULT_TENANT:
        return [DEFAULT_TENANT]
    return [*lineage(tenant_id), DEFAULT_TENANT]


async def check_tenant(mdms: MdmsClient, tenant_id: str) -> None:
    """Messages live at a known tenant or at DIGIT's pseudo-tenant `default`."""
    if tenant_id != DEFAULT_TENANT and await mdms.get_tenant(tenant_id) is None:
        raise Invalid("INVALID_TENANT_ID", f"the tenant {tenant_id!r} is not known", params=[tenant_id])


async def resolve_messages(session: AsyncSession, *, tenant_id: str, locale: str) -> list[Message]:
    """Every message a tenant sees in a locale, after the fallback; sorted by code as DIGIT returns them."""
    levels = tenant_levels(tenant_id)
    rank = {level: position for position, level in enumerate(levels)}
    query = select(
        MessageRow.tenant_id, MessageRow.locale, MessageRow.module, MessageRow.code, MessageRow.message
    ).where(MessageRow.tenant_id.in_(levels), MessageRow.locale.in_({locale, DEFAULT_LOCALE}))
    best: dict[tuple[str, str, str], tuple[int, str]] = {}
    for row_tenant, row_locale, module, code, text in await session.execute(query):
        key = (row_locale, module, code)
        level = rank[row_tenant]
        if key not in best or level < best[key][0]:
            best[key] = (level, text)
    own = {(module, code): text for (row_locale, module, code), (_, text) in best.items() if row_locale == locale}
    messages = [
        Message.model_construct(code=code, message=text, module=module, locale=locale)
        for (module, code), text in own.items()
    ]
    if locale != DEFAULT_LOCALE:
        messages.extend(
            Message.model_construct(code=code, message=text, module=module, locale=DEFAULT_LOCALE)
            for (row_locale, module, code), (_, text) in best.items()
            if row_locale == DEFAULT_LOCALE and (module, code) not in own
        )
    messages.sort(key=lambda m: (m.code, m.module))
    return messages


def select_messages(
    messages: Iterable[Message], *, modules: Sequence[str] = (), codes: Sequence[str] = ()
) -> list[Message]:
    wanted_modules, wanted_codes = set(modules), set(codes)
    return [
        m
        for m in messages
        if (not wanted_modules or m.module in wanted_modules) and (not wanted_codes or m.code in wanted_codes)
    ]


async def bump_version(session: AsyncSession) -> None:
    """Tell every process's cache that messages changed (atomic upsert: concurrent writers never clash)."""
    table = cast(Table, VersionRow.__table__)
    statement = (
        conflict_insert(session, table)
        .values(name="*", version=1, **counter_audit(), row_version=1)
        .on_conflict_do_update(index_elements=[table.c.name], set_={"version": table.c.version + 1})
    )
    await session.execute(statement)


async def current_version(session: AsyncSession) -> int:
    version = await session.scalar(select(VersionRow.version).where(VersionRow.name == "*"))
    return int(version or 0)


def _key(message: Message | MessageIdentity) -> tuple[str, str, str]:
    return (message.locale, message.module, message.code)


def _reject_duplicates(messages: Sequence[Message] | Sequence[MessageIdentity]) -> None:
    seen: set[tuple[str, str, str]] = set()
    for message in messages:
        key = _key(message)
        if key in seen:
            raise Invalid(
                "DUPLICATE_RECORDS",
                f"the message {message.code!r} of module {message.module!r} in {message.locale} appears twice",
                params=[message.code],
            )
        seen.add(key)


async def _existing(
    session: AsyncSession, *, tenant_id: str, keys: Iterable[tuple[str, str, str]]
) -> dict[tuple[str, str, str], MessageRow]:
    found: dict[tuple[str, str, str], MessageRow] = {}
    key_list = list(keys)
    for start in range(0, len(key_list), 500):
        chunk = key_list[start : start + 500]
        query = select(MessageRow).where(
            MessageRow.tenant_id == tenant_id,
            tuple_(MessageRow.locale, MessageRow.module, MessageRow.code).in_(chunk),
        )
        found.update({(r.locale, r.module, r.code): r for r in await session.scalars(query)})
    return found


@dataclass
class WriteResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    messages: list[Message] = field(default_factory=list)


async def write_messages(
    session: AsyncSession,
    *,
    tenant_id: str,
    messages: Sequence[Message],
    actor_uuid: str,
    now_ms: int,
    replace: bool = True,
) -> WriteResult:
    """Create new messages and (with `replace`) change the text of existing ones; bumps the cache version."""
    _reject_duplicates(messages)
    existing = await _existing(session, tenant_id=tenant_id, keys=[_key(m) for m in messages])
    result = WriteResult(messages=list(messages))
    for message in messages:
        row = existing.get(_key(message))
        if row is None:
            row = MessageRow(
                tenant_id=tenant_id,
                locale=message.locale,
                module=message.module,
                code=message.code,
                message=message.message,
            )
            stamp(row, actor_uuid=actor_uuid, now_ms=now_ms)
            session.add(row)
            result.created += 1
        elif not replace:
            raise Invalid(
                "DUPLICATE_RECORDS",
                f"the message {message.code!r} of module {message.module!r} in {message.locale} already exists",
                params=[message.code],
            )
        elif row.message != message.message:
            row.message = message.message
            stamp(row, actor_uuid=actor_uuid, now_ms=now_ms)
            result.updated += 1
        else:
            result.unchanged += 1
    if result.created or result.updated:
        await bump_version(session)
    await session.flush()
    log.info(
        "messages_written",
        extra={"tenant_id": tenant_id, "created": result.created, "updated": result.updated},
    )
    return result


async def upsert_messages(
    session: AsyncSession, *, tenant_id: str, messages: Sequence[Message], actor_uuid: str, now_ms: int
) -> list[Message]:
    """DIGIT _upsert: create new messages, replace the text of existing ones."""
    result = await write_messages(session, tenant_id=tenant_id, messages=messages, actor_uuid=actor_uuid, now_ms=now_ms)
    return result.messages


async def update_messages(
    session: AsyncSession,
    *,
    tenant_id: str,
    locale: str,
    module: str,
    messages: Sequence[UpdateMessage],
    actor_uuid: str,
    now_ms: int,
) -> list[Message]:
    """DIGIT _update: new text for existing messages of one module and locale (an unknown code is a 404)."""
    full = [Message(code=m.code, message=m.message, module=module, locale=locale) for m in messages]
    _reject_duplicates(full)
    existing = await _existing(session, tenant_id=tenant_id, keys=[_key(m) for m in full])
    missing = [m.code for m in full if _key(m) not in existing]
    if missing:
        raise NotFound(
            "MESSAGE_NOT_FOUND",
            f"no message {', '.join(repr(c) for c in missing)} of module {module!r} in {locale} at {tenant_id}",
            params=missing,
        )
    await write_messages(session, tenant_id=tenant_id, messages=full, actor_uuid=actor_uuid, now_ms=now_ms)
    return full


async def delete_messages(session: AsyncSession, *, tenant_id: str, messages: Sequence[MessageIdentity]) -> int:
    """DIGIT _delete: remove the named messages of a tenant; names that do not exist are ignored."""
    keys = list({_key(m) for m in messages})
    deleted = 0
    for start in range(0, len(keys), 500):
        chunk = keys[start : start + 500]
        result = await session.execute(
            delete(MessageRow)
            .where(
                MessageRow.tenant_id == tenant_id,
                tuple_(MessageRow.locale, MessageRow.module, MessageRow.code).in_(chunk),
            )
            .execution_options(synchronize_session=False)
        )
        deleted += int(getattr(result, "rowcount", 0) or 0)
    if deleted:
        await bump_version(session)
    log.info("messages_deleted", extra={"tenant_id": tenant_id, "count": deleted})
    return deleted


class MessageCache:
    """Per-process cache of resolved messages per (tenant, locale), dropped when the version counter moves.

    A write in this process forces a check on the next read; a write by another process (or by
    `digit localization load`) is seen within `check_interval_ms`.
    """

    def __init__(self, sessions: async_sessionmaker[AsyncSession], clock: Clock, check_interval_ms: int) -> None:
        self._sessions = sessions
        self._clock = clock
        self._check_interval_ms = check_interval_ms
        self._entries: OrderedDict[tuple[str, str], list[Message]] = OrderedDict()
        self._version = -1
        self._checked_at = -(10**15)

    def invalidate(self) -> None:
        self._checked_at = -(10**15)

    async def _refresh_if_stale(self, session: AsyncSession) -> None:
        now = self._clock.now_ms()
        if now - self._checked_at < self._check_interval_ms:
            return
        version = await current_version(session)
        self._checked_at = now
        if version != self._version:
            self._entries.clear()
            self._version = version

    async def messages(self, *, tenant_id: str, locale: str) -> list[Message]:
        key = (tenant_id, locale)
        async with self._sessions() as session:
            await self._refresh_if_stale(session)
            if key in self._entries:
                self._entries.move_to_end(key)
                return self._entries[key]
            seen_version = self._version
            resolved = await resolve_messages(session, tenant_id=tenant_id, locale=locale)
        if seen_version != self._version:
            return resolved  # a newer version was seen meanwhile: do not keep what may be older than it
        self._entries[key] = resolved
        while len(self._entries) > CACHE_ENTRIES:
            self._entries.popitem(last=False)
        return resolved


@dataclass(frozen=True)
class Localization:
    """The rules behind the localization routes, built once at install: every call names a tenant MDMS knows,
    reads go through this process's cache, and a write drops that cache once it is committed (other
    processes follow the version counter)."""

    mdms: MdmsClient
    cache: MessageCache
    clock: Clock

    async def search(self, *, tenant_id: str, criteria: MessageSearch | MessageSearchCriteria) -> list[Message]:
        """DIGIT _search: a tenant's messages in a locale after the fallback city -> state -> default -> en_IN,
        of some modules and codes (lists as query parameters, or v2's comma-separated `module` in the body)."""
        await check_tenant(self.mdms, tenant_id)
        messages = await self.cache.messages(tenant_id=tenant_id, locale=criteria.locale)
        return select_messages(messages, modules=split_values(criteria.module), codes=split_values(criteria.codes))

    def bust_cache(self) -> None:
        """DIGIT /cache-bust: drop this process's resolved messages (others follow the version counter)."""
        self.cache.invalidate()

    async def upsert(
        self, session: AsyncSession, *, tenant_id: str, messages: Sequence[Message], actor_uuid: str
    ) -> list[Message]:
        """DIGIT _upsert: create new messages, replace the text of existing ones."""
        return await self._write(session, tenant_id, messages, actor_uuid, replace=True)

    async def create(
        self, session: AsyncSession, *, tenant_id: str, messages: Sequence[Message], actor_uuid: str
    ) -> list[Message]:
        """DIGIT _create: only new messages; one that exists already fails the whole request."""
        return await self._write(session, tenant_id, messages, actor_uuid, replace=False)

    async def _write(
        self, session: AsyncSession, tenant_id: str, messages: Sequence[Message], actor_uuid: str, *, replace: bool
    ) -> list[Message]:
        await self._before_write(session, tenant_id)
        now_ms = self.clock.now_ms()
        written = await write_messages(
            session, tenant_id=tenant_id, messages=messages, actor_uuid=actor_uuid, now_ms=now_ms, replace=replace
        )
        return written.messages

    async def update(
        self,
        session: AsyncSession,
        *,
        tenant_id: str,
        locale: str,
        module: str,
        messages: Sequence[UpdateMessage],
        actor_uuid: str,
    ) -> list[Message]:
        await self._before_write(session, tenant_id)
        return await update_messages(
            session,
            tenant_id=tenant_id,
            locale=locale,
            module=module,
            messages=messages,
            actor_uuid=actor_uuid,
            now_ms=self.clock.now_ms(),
        )

    async def delete(self, session: AsyncSession, *, tenant_id: str, messages: Sequence[MessageIdentity]) -> int:
        await self._before_write(session, tenant_id)
        return await delete_messages(session, tenant_id=tenant_id, messages=messages)

    async def _before_write(self, session: AsyncSession, tenant_id: str) -> None:
        await check_tenant(self.mdms, tenant_id)
        cache = self.cache
        after_commit(session, cache.invalidate)
