"""Transactional outbox: an event row is written in the same transaction as the change it reports.

`emit` is all a block needs. Delivery (in-process subscribers or NATS JetStream) reads committed rows
only, so an event whose transaction rolled back is never seen. Events carry ids and codes, never PII.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine, Sequence
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sqlalchemy import BigInteger, Index, Integer, String, UniqueConstraint, bindparam, event, insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, Session, SessionTransaction, mapped_column

from digit.kernel.db import Audited, Base, new_id
from digit.kernel.prepared import Prepared, table_of

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
    """Queue an event in the caller's transaction; returns its id.

    The event is held beside the session and written when the transaction commits, with every other event
    of the transaction in one multi-row INSERT (`write_events`): the ORM's unit of work cost about 1 ms of
    CPU a request for rows nothing reads back. Events keep the order they were emitted in; one emitted in a
    savepoint is forgotten if the savepoint rolls back (`_forget_rolled_back`)."""
    event_id = new_id()
    values = {
        "id": event_id,
        "tenant_id": tenant_id,
        "topic": topic,
        "aggregate_id": aggregate_id,
        "data": data,
        "created_by": actor_uuid,
        "created_time": now_ms,
        "last_modified_by": actor_uuid,
        "last_modified_time": now_ms,
        "row_version": 1,
        "published_time": None,
    }
    sync = session.sync_session
    if not sync.in_transaction():
        sync.begin()  # no SQL yet; the session now has a transaction for its commit to write
    queued: list[_Queued] = session.info.setdefault(_PENDING, [])
    queued.append((values, sync.get_nested_transaction()))
    return event_id


async def write_events(session: AsyncSession) -> None:
    """Write the events queued so far, now: the request session does it just before its commit (one prepared
    multi-row INSERT for the usual one to eight events of a request), and a reader in the same transaction
    may call it to see them. What is left at commit is written by `_write_before_commit`."""
    queued: list[_Queued] | None = session.info.get(_PENDING)
    if not queued:
        return
    if len(queued) > len(_INSERT_MANY):
        await session.run_sync(_write_pending)
        return
    values = {f"{key}_{n}": value for n, (row, _) in enumerate(queued) for key, value in row.items()}
    await _INSERT_MANY[len(queued) - 1].run(session, **values)
    del session.info[_PENDING]


_Queued = tuple[dict[str, Any], SessionTransaction | None]
"""An event's values and the savepoint it was emitted in (None: the transaction itself)."""
_PENDING = "digit_outbox_pending"
_OUTBOX = table_of(OutboxRow)
_COLUMNS = tuple(c for c in _OUTBOX.columns if c.key != "seq")


def _insert_of(count: int) -> Prepared:
    rows = [{c.key: bindparam(f"{c.key}_{n}", type_=c.type) for c in _COLUMNS} for n in range(count)]
    return Prepared(insert(_OUTBOX).values(rows))


_INSERT_MANY = tuple(_insert_of(count) for count in range(1, 9))
"""One prepared INSERT for each number of rows from 1 to 8 (more go through `_write_pending`)."""


def _write_pending(session: Session) -> None:
    queued: list[_Queued] | None = session.info.pop(_PENDING, None)
    if queued:
        session.execute(insert(_OUTBOX), [values for values, _ in queued])


@event.listens_for(Session, "before_commit")
def _write_before_commit(session: Session) -> None:
    """Every session's queued events go out with its commit (SQL may still be run here); a savepoint's
    release writes them too, into the enclosing transaction, in the order they were emitted."""
    if _PENDING in session.info:
        _write_pending(session)


@event.listens_for(Session, "after_soft_rollback")
def _forget_rolled_back(session: Session, previous: SessionTransaction) -> None:
    """A savepoint's rollback forgets the events emitted inside it (or inside a savepoint within it)."""
    queued: list[_Queued] | None = session.info.get(_PENDING)
    if queued and previous.nested:
        session.info[_PENDING] = [(values, at) for values, at in queued if not _inside(at, previous)]


def _inside(transaction: SessionTransaction | None, savepoint: SessionTransaction) -> bool:
    while transaction is not None:
        if transaction is savepoint:
            return True
        transaction = transaction.parent
    return False


@event.listens_for(Session, "after_transaction_end")
def _forget_on_end(session: Session, transaction: SessionTransaction) -> None:
    """A transaction that ends without writing its events (a rollback, a close) forgets them; a savepoint's
    end does not: events queued outside it belong to the enclosing transaction."""
    if transaction.parent is None and _PENDING in session.info:
        del session.info[_PENDING]


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
ManyHandler = Callable[["Platform", Sequence[Event]], Coroutine[Any, Any, None]]


@dataclass(frozen=True)
class Consumer:
    """A named subscriber: its processed event ids are recorded under `name`, so redelivery is harmless.

    `topics` are exact topic names, or prefixes ending in `*`.
    """

    name: str
    topics: tuple[str, ...]
    handle: Handler
    accepts: Callable[[dict[str, Any]], bool] | None = None
    """Which events of its topics the consumer acts on, judged from the event's data when it is routed:
    the others are never queued for it (no delivery row, no processed mark, no handler call)."""
    together: bool = False
    """The dispatcher may hand it many events in one transaction (one commit, processed marks in one
    statement). Only for a handler that writes through `delivery_session()` alone and can be called again
    for an event whose batch was rolled back: when one event of a batch fails, the batch is undone and
    its events are delivered one by one, each failure recorded as usual."""
    handle_many: ManyHandler | None = None
    """With `together`: called once with every fresh event of a batch (in event order), instead of `handle`
    per event, so a consumer writes a batch in a few multi-row statements. `handle` still serves the
    one-by-one retry of a failed batch and single deliveries."""

    def wants(self, topic: str, data: dict[str, Any] | None = None) -> bool:
        if not any(topic.startswith(t[:-1]) if t.endswith("*") else topic == t for t in self.topics):
            return False
        return self.accepts is None or data is None or self.accepts(data)


class DeliveryRow(Audited, Base):
    """One event waiting for one consumer (the consumer's inbox): attempts and the next attempt's time.

    The event travels with the row (copied from the outbox, or from a NATS message), so delivery needs
    nothing else. Deleted in the transaction that records the event as processed.
    """

    __tablename__ = "eg_outbox_delivery"
    __table_args__ = (Index("ix_eg_outbox_delivery_due", "next_attempt_ms", "seq"),)

    consumer: Mapped[str] = mapped_column(String(100), primary_key=True)
    event_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    seq: Mapped[int] = mapped_column(BigInteger, index=True)
    topic: Mapped[str] = mapped_column(String(200))
    aggregate_id: Mapped[str] = mapped_column(String(200))
    data: Mapped[dict[str, Any]]
    event_time_ms: Mapped[int] = mapped_column(BigInteger)
    actor_uuid: Mapped[str] = mapped_column(String(64))
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_ms: Mapped[int] = mapped_column(BigInteger)
    last_error: Mapped[str | None] = mapped_column(String(200), default=None)


class ProcessedRow(Audited, Base):
    """A consumer has handled an event: written in the consumer's transaction, so redelivery is harmless."""

    __tablename__ = "eg_outbox_processed"

    consumer: Mapped[str] = mapped_column(String(100), primary_key=True)
    event_id: Mapped[str] = mapped_column(String(64), primary_key=True)


class DeadLetterRow(Audited, Base):
    """An event a consumer failed on `attempts` times; an admin lists and replays it (status DEAD | REPLAYED)."""

    __tablename__ = "eg_outbox_dead_letter"
    __table_args__ = (UniqueConstraint("consumer", "event_id"),)

    id: Mapped[str] = mapped_column(primary_key=True, default=new_id)
    consumer: Mapped[str] = mapped_column(String(100))
    event_id: Mapped[str] = mapped_column(String(64))
    seq: Mapped[int] = mapped_column(BigInteger)
    topic: Mapped[str] = mapped_column(String(200))
    aggregate_id: Mapped[str] = mapped_column(String(200))
    data: Mapped[dict[str, Any]]
    event_time_ms: Mapped[int] = mapped_column(BigInteger)
    actor_uuid: Mapped[str] = mapped_column(String(64))
    attempts: Mapped[int]
    last_error: Mapped[str | None] = mapped_column(String(200), default=None)
    status: Mapped[str] = mapped_column(String(16), default="DEAD")


@dataclass
class Subscriptions:
    """Every consumer of the enabled blocks (collected by `build_platform`); tests may append their own."""

    consumers: list[Consumer] = field(default_factory=list)
    lock: asyncio.Lock = field(default_factory=asyncio.Lock, compare=False)

    def for_event(self, topic: str, data: dict[str, Any]) -> list[Consumer]:
        return [c for c in self.consumers if c.wants(topic, data)]


_delivery_session: ContextVar[AsyncSession | None] = ContextVar("delivery_session", default=None)


def delivery_session() -> AsyncSession | None:
    """Inside `Consumer.handle`: the session whose commit also records the event as processed.

    Writing through it makes the consumer's change and its processed mark one transaction (exactly-once
    effect); a handler that uses its own transactions must be idempotent on `event.id` itself.
    """
    return _delivery_session.get()
