"""ID generation rules: which format, which numbers, and the ids they make.

Two kinds of numbering, chosen per id format by its MDMS record (`"gapFree": true`):

- gap-free (receipts, bills: auditors count them): numbers come from `eg_idgen_sequence` with one
  atomic `INSERT ... ON CONFLICT DO UPDATE ... RETURNING` in the caller's transaction. The row stays
  locked until that transaction ends, so concurrent callers queue on it, every number is handed out
  once, and a rolled-back transaction gives its numbers back. A call's sequences are taken in name
  order, so two calls never wait on each other in a cycle.
- everything else (complaint and application numbers, ...): on PostgreSQL a real database SEQUENCE
  per (state, name), as DIGIT's own idgen has; `nextval` holds no lock, so creates no longer queue
  behind each other's commits. Numbers stay unique and increasing; a rolled-back transaction leaves a
  gap. The sequence starts after the counter row's last value, so a format may turn from gap-free to
  sequence without reusing a number. SQLite serialises writers anyway and keeps the counter row.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast
from zoneinfo import ZoneInfo

from sqlalchemy import Table
from sqlalchemy.ext.asyncio import AsyncSession

from digit.blocks.idgen import sequences
from digit.blocks.idgen.formats import DEFAULT_PADDING, IdFormat, parse_format, render
from digit.blocks.idgen.models import SequenceRow
from digit.blocks.mdms.client import MdmsClient
from digit.kernel.db import conflict_insert, new_id
from digit.kernel.errors import Invalid
from digit.kernel.tenancy import state_of

log = logging.getLogger(__name__)

FORMAT_MODULE = "common-masters"
FORMAT_MASTER = "IdFormat"


@dataclass(frozen=True)
class IdRequestSpec:
    id_name: str
    tenant_id: str
    format: str | None = None
    count: int = 1


@dataclass(frozen=True)
class _Plan:
    spec: IdRequestSpec
    id_format: IdFormat
    padding: int
    city_code: str | None
    gap_free: bool


async def find_format(mdms: MdmsClient, *, tenant_id: str, id_name: str) -> dict[str, Any] | None:
    """The `common-masters.IdFormat` record `{idname, format[, padding]}` for the name (city -> state)."""
    if not id_name:
        return None
    records = await mdms.get_master(tenant_id=tenant_id, module=FORMAT_MODULE, master=FORMAT_MASTER)
    return next(
        (r for r in records if isinstance(r, dict) and r.get("idname") == id_name and r.get("format")),
        None,
    )


def _padding(record: dict[str, Any] | None) -> int:
    raw = (record or {}).get("padding")
    try:
        value = int(raw) if raw is not None else DEFAULT_PADDING
    except (TypeError, ValueError):
        return DEFAULT_PADDING
    return value if 0 <= value <= 30 else DEFAULT_PADDING


async def _plan(mdms: MdmsClient, spec: IdRequestSpec) -> _Plan:
    tenant = await mdms.get_tenant(spec.tenant_id)
    if tenant is None:
        raise Invalid("INVALID_TENANT_ID", f"the tenant {spec.tenant_id!r} is not known", params=[spec.tenant_id])
    record = await find_format(mdms, tenant_id=spec.tenant_id, id_name=spec.id_name)
    format_text = str(record["format"]) if record else spec.format
    if not format_text:
        raise Invalid("ID_NOT_FOUND", "No Format is available in the MDMS for the given name and tenant")
    id_format = parse_format(format_text, tenant_id=spec.tenant_id)
    city_code = None
    if id_format.needs_city:
        city_code = tenant.city.code if tenant.city else None
        if not city_code:
            raise Invalid("CITY_CODE_NOT_FOUND", f"the tenant {spec.tenant_id!r} has no city.code in its master data")
    gap_free = bool((record or {}).get("gapFree"))
    return _Plan(spec=spec, id_format=id_format, padding=_padding(record), city_code=city_code, gap_free=gap_free)


async def reserve(
    session: AsyncSession, *, tenant_id: str, name: str, count: int, actor_uuid: str, now_ms: int
) -> range:
    """The next `count` numbers of a sequence (created at 1 on first use), in the caller's transaction."""
    table = cast(Table, SequenceRow.__table__)
    statement = (
        conflict_insert(session, table)
        .values(
            id=new_id(),
            tenant_id=tenant_id,
            name=name,
            last_value=count,
            created_by=actor_uuid,
            created_time=now_ms,
            last_modified_by=actor_uuid,
            last_modified_time=now_ms,
            row_version=1,
        )
        .on_conflict_do_update(
            index_elements=[table.c.tenant_id, table.c.name],
            set_={
                "last_value": table.c.last_value + count,
                "last_modified_by": actor_uuid,
                "last_modified_time": now_ms,
                "row_version": table.c.row_version + 1,
            },
        )
        .returning(table.c.last_value)
    )
    last = int((await session.execute(statement)).scalar_one())
    return range(last - count + 1, last + 1)


async def generate_ids(
    session: AsyncSession,
    *,
    requests: Sequence[IdRequestSpec],
    mdms: MdmsClient,
    zone: ZoneInfo,
    now_ms: int,
    actor_uuid: str,
) -> list[list[str]]:
    """DIGIT `_generate`: the ids of each request, in order; numbers are taken in the caller's transaction."""
    plans = [await _plan(mdms, spec) for spec in requests]
    needed: dict[tuple[str, str], int] = {}
    gap_free: set[tuple[str, str]] = set()
    for plan in plans:
        for name in plan.id_format.sequence_names:
            key = (state_of(plan.spec.tenant_id), name)
            needed[key] = needed.get(key, 0) + plan.spec.count
            if plan.gap_free:
                gap_free.add(key)
    pools: dict[tuple[str, str], list[int]] = {}
    use_sequences = session.get_bind().dialect.name == "postgresql"
    for (state, name), count in sorted(needed.items()):
        if use_sequences and (state, name) not in gap_free:
            pools[(state, name)] = await sequences.next_values(session, state=state, name=name, count=count)
            continue
        numbers = await reserve(session, tenant_id=state, name=name, count=count, actor_uuid=actor_uuid, now_ms=now_ms)
        pools[(state, name)] = list(numbers)
    now = datetime.fromtimestamp(now_ms / 1000, tz=zone)
    results: list[list[str]] = []
    for plan in plans:
        state = state_of(plan.spec.tenant_id)
        taken: dict[str, list[int]] = {}
        for name in plan.id_format.sequence_names:
            pool = pools[(state, name)]
            taken[name], pools[(state, name)] = pool[: plan.spec.count], pool[plan.spec.count :]
        results.append(
            [
                render(
                    plan.id_format,
                    now=now,
                    sequences=taken,
                    index=index,
                    city_code=plan.city_code,
                    padding=plan.padding,
                )
                for index in range(plan.spec.count)
            ]
        )
    log.info("ids_generated", extra={"requests": len(plans), "ids": sum(len(r) for r in results)})
    return results
