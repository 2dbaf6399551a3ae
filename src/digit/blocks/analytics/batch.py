"""What a batch of events changes in the analytics store, gathered in memory and written in a few statements.

The dispatcher hands the fact consumers many events at once (`Consumer.handle_many`), and the rebuild replays
the outbox in chunks: either way a `Batch` collects, for the whole batch,
- the applied-event marks (one multi-row insert-on-conflict, whose RETURNING says which events are new),
- the net change of every rollup cell (one multi-row upsert per table, then one DELETE of the cells left
  empty),
and the fact tables write their rows with one multi-row upsert (`upsert_facts`). One event alone is a batch of
one: the same code serves both, so a batch gives the numbers its events give one by one.

The inserts pass their rows as parameter lists with RETURNING, so SQLAlchemy's "insertmanyvalues" sends
them as multi-row VALUES statements (1,000 rows, or as many as the bound-parameter limit allows, per
statement) from one cached compilation: compiling a fresh 1,000-row VALUES clause costs more than running it.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, TypeVar, cast

from sqlalchemy import Column, ColumnElement, Table, UniqueConstraint, and_, delete, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from digit.blocks.analytics.grains import projections
from digit.blocks.analytics.models import AppliedEventRow
from digit.kernel.db import Base, conflict_insert, new_id
from digit.kernel.events import Event
from digit.kernel.security import SYSTEM_UUID

log = logging.getLogger(__name__)

Measures = dict[str, int | Decimal]
Contribution = tuple[dict[str, Any], Measures]
CellIndex = tuple[tuple[str, Any], ...]

MAX_PARAMETERS = 30_000  # per DELETE: under asyncpg's 32,767 and SQLite's 32,766 bound parameters
COUNTS = {  # rollup table -> its count measure: a cell whose count is 0 (or below) holds nothing
    "eg_analytics_complaint_daily": "complaints",
    "eg_analytics_resolution_hist": "complaints",
    "eg_analytics_complaint_backlog": "complaints",
    "eg_analytics_collection_daily": "lines",
    "eg_analytics_application_daily": "applications",
}
AUDIT_ON_INSERT = ("id", "tenant_id", "created_by", "created_time")
RowT = TypeVar("RowT", bound=Base)


def chunks(rows: Sequence[dict[str, Any]], columns: int) -> Iterator[Sequence[dict[str, Any]]]:
    """Rows in slices small enough for one statement's bound parameters."""
    size = max(1, MAX_PARAMETERS // max(columns, 1))
    for start in range(0, len(rows), size):
        yield rows[start : start + size]


def system_audit(now_ms: int) -> dict[str, Any]:
    return {
        "created_by": SYSTEM_UUID,
        "created_time": now_ms,
        "last_modified_by": SYSTEM_UUID,
        "last_modified_time": now_ms,
        "row_version": 1,
    }


@dataclass
class Cells:
    """The net change of one rollup table's cells, and the cells something was taken from."""

    net: dict[CellIndex, tuple[dict[str, Any], Measures]] = field(default_factory=dict)
    lowered: dict[CellIndex, dict[str, Any]] = field(default_factory=dict)


@dataclass
class Batch:
    """One transaction's worth of events for one fact table: marks and rollup changes, written by `finish`.

    `rollups=False` is the rebuild's replay: the rollups are left to `build_rollups`, which recomputes them
    from the facts in one pass.
    """

    session: AsyncSession
    rollups: bool = True
    cubes: dict[type[Base], Cells] = field(default_factory=dict)

    async def fresh(self, fact: str, events: Sequence[Event]) -> list[Event]:
        """The events not yet applied to `fact`, in order, now marked as applied (one statement per chunk)."""
        unique = list({event.id: event for event in events}.values())
        rows = [{"fact": fact, "event_id": e.id, "tenant_id": e.tenant_id, **system_audit(e.time_ms)} for e in unique]
        if not rows:
            return []
        table = cast(Table, AppliedEventRow.__table__)
        statement = (
            conflict_insert(self.session, table)
            .on_conflict_do_nothing(index_elements=["fact", "event_id"])
            .returning(table.c.event_id)
        )
        marked = set(await self.session.scalars(statement, rows))
        return [event for event in unique if event.id in marked]

    def move(self, model: type[Base], tenant_id: str, old: Contribution | None, new: Contribution | None) -> None:
        """Take the old contribution off and add the new one, in every grain of the table (grains.py)."""
        if not self.rollups or old == new:
            return
        cells = self.cubes.setdefault(model, Cells())
        table = str(model.__tablename__)
        for contribution, sign in ((old, -1), (new, 1)):
            if contribution is None:
                continue
            for projected in projections(table, contribution[0]):
                key = {"tenant_id": tenant_id, **projected}
                index = tuple(sorted(key.items()))
                measures = cells.net.setdefault(index, (key, {}))[1]
                for column, value in contribution[1].items():
                    measures[column] = measures.get(column, 0) + sign * value
                if sign < 0:
                    cells.lowered[index] = key

    async def finish(self) -> None:
        """Write every table's summed cell changes: one upsert, then one DELETE of the cells left empty."""
        for model, cells in self.cubes.items():
            await _add_to_cells(self.session, model, cells)
            await _drop_empty_cells(self.session, model, cells)
        self.cubes.clear()


async def _add_to_cells(session: AsyncSession, model: type[Base], cells: Cells) -> None:
    """One multi-row upsert: a cell is created at its change, or the change is added to its measures."""
    changed = [(key, measures) for key, measures in cells.net.values() if any(measures.values())]
    if not changed:
        return
    columns = sorted({column for _, measures in changed for column in measures})
    rows = [
        {**key, **dict.fromkeys(columns, 0), **measures, "id": new_id(), **system_audit(0)} for key, measures in changed
    ]
    table = cast(Table, model.__table__)
    cell_key = next(c for c in table.constraints if isinstance(c, UniqueConstraint))
    insert = conflict_insert(session, table)
    upsert = insert.on_conflict_do_update(
        index_elements=[column.name for column in cell_key.columns],
        set_={m: table.c[m] + insert.excluded[m] for m in columns},
    )
    await session.execute(upsert.returning(table.c.id), rows)


async def _drop_empty_cells(session: AsyncSession, model: type[Base], cells: Cells) -> None:
    """Delete the cells that lost something and now hold nothing: the cube holds only what has happened.

    The guard against a rollup that disagrees with its facts: a change taken off a cell that was missing
    (or held less) would leave a negative count, which no dashboard may sum; such a cell goes too, and the
    warning says to rebuild.
    """
    if not cells.lowered:
        return
    table = cast(Table, model.__table__)
    cube = table.c
    count = COUNTS.get(str(table.name))
    measures = sorted({column for _, changed in cells.net.values() for column in changed})
    empty = and_(*(cube[m] == 0 for m in measures))
    condition = or_(empty, cube[count] < 0) if count else empty
    keys = list(cells.lowered.values())
    for part in chunks(keys, len(keys[0])):
        matches = [and_(*(cube[c] == v for c, v in key.items())) for key in part]
        statement = delete(model).where(or_(*matches), condition).execution_options(synchronize_session=False)
        if count is None:
            await session.execute(statement)
            continue
        dropped = list(await session.scalars(statement.returning(cube[count])))
        if any(value < 0 for value in dropped):
            extra = {"table": table.name, "cells": len(dropped), "hint": "run `digit analytics rebuild`"}
            log.warning("analytics_rollup_negative", extra=extra)


async def load_rows(session: AsyncSession, model: type[RowT], *where: ColumnElement[bool]) -> list[RowT]:
    """Rows of a table as plain (transient) objects the session does not track: the batch changes them in
    memory and writes them back with `upsert_facts`, so no flush ever writes them one by one."""
    table = cast(Table, model.__table__)
    result = await session.execute(select(table).where(*where))
    return [model(**row) for row in result.mappings()]


def fact_columns(model: type[Base]) -> list[Column[Any]]:
    return list(cast(Table, model.__table__).columns)


def fact_values(model: type[Base], fact: Any) -> dict[str, Any]:
    return {column.name: getattr(fact, column.key) for column in fact_columns(model)}


async def upsert_facts(session: AsyncSession, model: type[Base], facts: Iterable[Any], index: Sequence[str]) -> None:
    """The facts as they stand after the batch, in one multi-row upsert on their natural key (`index`).

    The facts are plain (transient) rows: the session never tracks them, so nothing else is flushed.
    """
    rows = [fact_values(model, fact) for fact in facts]
    if not rows:
        return
    table = cast(Table, model.__table__)
    kept = {*AUDIT_ON_INSERT, *index}
    insert = conflict_insert(session, table)
    changes: dict[str, Any] = {c.name: insert.excluded[c.name] for c in table.columns if c.name not in kept}
    changes["row_version"] = table.c.row_version + 1
    upsert = insert.on_conflict_do_update(index_elements=list(index), set_=changes)
    await session.execute(upsert.returning(table.c.id), rows)
