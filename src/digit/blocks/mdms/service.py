"""Master data rules: fallback city -> state, DIGIT's JSONPath filters, unique keys, versioned cache."""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import jsonpath
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from digit.blocks.mdms.models import DataRow, SchemaRow, VersionRow
from digit.kernel.clock import Clock
from digit.kernel.db import stamp
from digit.kernel.errors import Invalid
from digit.kernel.tenancy import lineage

log = logging.getLogger(__name__)

UNIQUE_KEY_GUESSES = ("code", "serviceCode", "id", "name")


def schema_code(module: str, master: str) -> str:
    return f"{module}.{master}"


def apply_filter(records: list[Any], path: str | None) -> list[Any]:
    """Apply a DIGIT (Jayway) JSONPath filter such as `[?(@.active==true)]` to a master's records."""
    if not path:
        return records
    expression = path if path.startswith("$") else "$" + path
    expression = expression.replace(" IN ", " in ").replace(" NIN ", " not in ")
    try:
        return list(jsonpath.findall(expression, records))
    except jsonpath.JSONPathError as error:
        raise Invalid("INVALID_FILTER", f"cannot read the filter {path!r}: {error}") from None


def unique_identifier(definition: dict[str, Any], record: dict[str, Any]) -> str:
    """Values of the schema's `x-unique` paths joined with '.', as DIGIT's MDMS v2 builds it."""
    paths = definition.get("x-unique") or []
    if not paths:
        canonical = json.dumps(record, sort_keys=True, separators=(",", ":"), default=str)
        return hashlib.sha256(canonical.encode()).hexdigest()[:32]
    values = []
    for path in paths:
        found = jsonpath.findall("$." + path if not path.startswith("$") else path, record)
        value = found[0] if found else None
        if value is None or value == "":
            raise Invalid("UNIQUE_IDENTIFIER_EMPTY_ERR", f"the unique field {path!r} is empty")
        values.append(str(value))
    return ".".join(values)


def guess_definition(records: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """A permissive schema for a master loaded without one, keyed on a field unique in every record."""
    for key in UNIQUE_KEY_GUESSES:
        values = [r.get(key) for r in records if isinstance(r, dict)]
        if values and all(v not in (None, "") for v in values) and len({str(v) for v in values}) == len(values):
            return {"type": "object", "x-unique": [key]}
    return {"type": "object"}


async def bump_version(session: AsyncSession) -> None:
    result = await session.execute(
        update(VersionRow).where(VersionRow.name == "*").values(version=VersionRow.version + 1)
    )
    if getattr(result, "rowcount", 0) == 0:
        session.add(
            VersionRow(
                name="*",
                version=1,
                tenant_id="*",
                created_by="system",
                created_time=0,
                last_modified_by="system",
                last_modified_time=0,
            )
        )


async def current_version(session: AsyncSession) -> int:
    version = await session.scalar(select(VersionRow.version).where(VersionRow.name == "*"))
    return int(version or 0)


async def find_schema(session: AsyncSession, *, tenant_id: str, code: str) -> SchemaRow | None:
    """The schema of the most specific tenant that defines it."""
    rows = {
        row.tenant_id: row
        for row in await session.scalars(
            select(SchemaRow).where(SchemaRow.code == code, SchemaRow.tenant_id.in_(lineage(tenant_id)))
        )
    }
    return next((rows[t] for t in lineage(tenant_id) if t in rows), None)


async def master_records(session: AsyncSession, *, tenant_id: str, code: str) -> list[dict[str, Any]]:
    """Records of the most specific tenant that has the master (DIGIT does not merge city and state)."""
    query = (
        select(DataRow.tenant_id, DataRow.data)
        .where(DataRow.schema_code == code, DataRow.tenant_id.in_(lineage(tenant_id)), DataRow.is_active.is_(True))
        .order_by(DataRow.ordinal, DataRow.unique_identifier)
    )
    by_tenant: dict[str, list[dict[str, Any]]] = {}
    for row_tenant, data in await session.execute(query):
        by_tenant.setdefault(row_tenant, []).append(data)
    return next((by_tenant[t] for t in lineage(tenant_id) if t in by_tenant), [])


@dataclass
class LoadResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    faults: list[str] = field(default_factory=list)


async def upsert_master(
    session: AsyncSession,
    *,
    tenant_id: str,
    code: str,
    records: Sequence[dict[str, Any]],
    actor_uuid: str,
    now_ms: int,
) -> LoadResult:
    """Load a master's records as they come from a DIGIT data file: create new, replace changed ones."""
    schema = await find_schema(session, tenant_id=tenant_id, code=code)
    if schema is None:
        schema = SchemaRow(tenant_id=tenant_id, code=code, definition=guess_definition(records), is_active=True)
        stamp(schema, actor_uuid=actor_uuid, now_ms=now_ms)
        session.add(schema)
    existing = {
        row.unique_identifier: row
        for row in await session.scalars(
            select(DataRow).where(DataRow.tenant_id == tenant_id, DataRow.schema_code == code)
        )
    }
    next_ordinal = int(
        await session.scalar(
            select(func.coalesce(func.max(DataRow.ordinal), 0)).where(
                DataRow.tenant_id == tenant_id, DataRow.schema_code == code
            )
        )
        or 0
    )
    result = LoadResult()
    seen: set[str] = set()
    for position, record in enumerate(records):
        if not isinstance(record, dict):
            result.faults.append(f"record {position}: not a JSON object")
            continue
        try:
            key = unique_identifier(schema.definition, record)
        except Invalid as fault:
            result.faults.append(f"record {position}: {fault.message}")
            continue
        if key in seen:
            result.faults.append(f"record {position}: duplicate unique key {key!r} in the same file")
            continue
        seen.add(key)
        row = existing.get(key)
        if row is None:
            next_ordinal += 1
            row = DataRow(
                tenant_id=tenant_id, schema_code=code, unique_identifier=key, data=record, ordinal=next_ordinal
            )
            stamp(row, actor_uuid=actor_uuid, now_ms=now_ms)
            session.add(row)
            existing[key] = row
            result.created += 1
        elif row.data != record or not row.is_active:
            row.data = record
            row.is_active = True
            stamp(row, actor_uuid=actor_uuid, now_ms=now_ms)
            result.updated += 1
        else:
            result.unchanged += 1
    if result.created or result.updated:
        await bump_version(session)
    await session.flush()
    return result


class MasterDataCache:
    """Per-process cache of resolved masters, dropped when the database's version counter moves.

    A write in this process forces a check on the next read; a write in another process is seen
    within `check_interval_ms`.
    """

    def __init__(self, sessions: async_sessionmaker[AsyncSession], clock: Clock, check_interval_ms: int) -> None:
        self._sessions = sessions
        self._clock = clock
        self._check_interval_ms = check_interval_ms
        self._entries: dict[tuple[str, str], list[dict[str, Any]]] = {}
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

    async def records(self, *, tenant_id: str, code: str) -> list[dict[str, Any]]:
        async with self._sessions() as session:
            await self._refresh_if_stale(session)
            key = (tenant_id, code)
            if key not in self._entries:
                self._entries[key] = await master_records(session, tenant_id=tenant_id, code=code)
            return self._entries[key]
