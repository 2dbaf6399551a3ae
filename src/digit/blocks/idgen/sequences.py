"""PostgreSQL SEQUENCEs for numbering that may have gaps: `nextval` takes no lock until commit.

One sequence per (state tenant, sequence name), named from a hash of both (names in formats are free
text). It is made on first use, starting after the `eg_idgen_sequence` counter row of the same name,
so numbers handed out before (or by the gap-free path) are never handed out again.
"""

from __future__ import annotations

import hashlib

from sqlalchemy import BigInteger, Integer, String, bindparam, column, select, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from digit.blocks.idgen.models import SequenceRow
from digit.kernel.prepared import Prepared
from digit.kernel.versions import watch_of


def sequence_name(state: str, name: str) -> str:
    digest = hashlib.sha256(f"{state}\x00{name}".encode()).hexdigest()[:24]
    return f"eg_idgen_seq_{digest}"


async def next_values(session: AsyncSession, *, state: str, name: str, count: int) -> list[int]:
    """`count` fresh numbers of the sequence, made on first use (one statement once it exists)."""
    sequence = sequence_name(state, name)
    known = _made(session)
    if sequence not in known:
        await _make(session, sequence, state=state, name=name)
        known.add(sequence)
    rows = await _NEXT_VALUES.rows(session, sequence=sequence, count=count)
    return sorted(int(value) for (value,) in rows)


_NEXT_VALUES = Prepared(
    text("SELECT nextval(CAST(:sequence AS regclass)) AS value FROM generate_series(1, :count)")
    .bindparams(bindparam("sequence", type_=String()), bindparam("count", type_=Integer()))
    .columns(column("value", BigInteger()))
)


def _made(session: AsyncSession) -> set[str]:
    """Sequences this process has seen exist (kept on the platform's watch, so per platform)."""
    watch = watch_of(session)
    if watch is None:
        return set()
    cache = watch.shared("idgen.sequences", counter="idgen-sequences", ttl_ms=10**12)
    found = cache.peek("made")
    if found is None:
        found = set()
        cache.put("made", found)
    made: set[str] = found
    return made


async def _make(session: AsyncSession, sequence: str, *, state: str, name: str) -> None:
    """Create the sequence if missing, after the counter row's last value, in a transaction of its own (so
    it exists whatever becomes of the caller's); concurrent makers are harmless."""
    engine = session.bind
    if not isinstance(engine, AsyncEngine):
        raise TypeError("idgen sequences need a session bound to an engine")
    try:
        async with engine.begin() as connection:
            start = await connection.scalar(
                select(SequenceRow.last_value).where(SequenceRow.tenant_id == state, SequenceRow.name == name)
            )
            await connection.execute(text(f"CREATE SEQUENCE IF NOT EXISTS {sequence} START WITH {int(start or 0) + 1}"))
    except DBAPIError:
        pass  # another process created it between our check and our create: it exists, which is all we need
