"""Transactional outbox: an event row is written in the same transaction as the change it reports.

`emit` is all a block needs. Delivery (in-process subscribers or NATS JetStream) reads committed rows
only, so an event whose transaction rolled back is never seen. Events carry ids and codes, never PII.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import BigInteger, Index, Integer, String
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from digit.kernel.db import Audited, Base, new_id

if TYPE_CHECKING:
    from digit.kernel.platform import Platform


class OutboxRow(Audited, Base):
    __tablename__ = "eg_outbox_event"
    __table_args__ = (Index("ix_eg_outbox_event_pending", "published_time", "seq"),)

    seq: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer(), "sqlite"), primary_key=True, autoincrement=True
    )
    id: Mapped[str] = mapped_column(unique=True, default=new_id)
    topic: Mapped[str] = mapped_column(String(200))
    aggregate_id: Mapped[str] = mapped_column(String(200))
    data: Mapped[dict[str, Any]]
    published_time: Mapped[int | None] = mapped_column(BigInteger, default=None)


async def emit(
    session: AsyncSession,
    topic: str,
    *,
    tenant_id: str,
    aggregate_id: str,
    data: dict[str, Any],
    actor_uuid: str,
    now_ms: int,
) -> str:
    """Queue an event in the caller's transaction; returns its id."""
    row = OutboxRow(
        id=new_id(),
        tenant_id=tenant_id,
        topic=topic,
        aggregate_id=aggregate_id,
        data=data,
        created_by=actor_uuid,
        created_time=now_ms,
        last_modified_by=actor_uuid,
        last_modified_time=now_ms,
    )
    session.add(row)
    return row.id


@dataclass(frozen=True)
class Event:
    """An outbox row as consumers see it (CloudEvents fields map 1:1: id, type=topic, source, time)."""

    id: str
    topic: str
    tenant_id: str
    aggregate_id: str
    data: dict[str, Any]
    time_ms: int
    actor_uuid: str


Handler = Callable[["Platform", Event], Coroutine[Any, Any, None]]


@dataclass(frozen=True)
class Consumer:
    """A named subscriber: its processed event ids are recorded under `name`, so redelivery is harmless.

    `topics` are exact topic names, or prefixes ending in `*`.
    """

    name: str
    topics: tuple[str, ...]
    handle: Handler

    def wants(self, topic: str) -> bool:
        return any(topic.startswith(t[:-1]) if t.endswith("*") else topic == t for t in self.topics)
