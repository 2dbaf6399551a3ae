"""In-app user events (DIGIT's egov-user-event): create, update, search, counts and last access time.

A citizen sees only events addressed to them (`recepient.toUsers`) or to one of their roles; other
callers see every event of the tenants they may act in (the access gate checks those).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, cast

from sqlalchemy import Select, Table, and_, func, insert, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from digit.blocks.notification.models import EventRecipientRow, LastAccessRow, UserEventRow
from digit.blocks.notification.schemas import (
    MAX_EVENTS_PAGE,
    Actions,
    AuditDetails,
    Event,
    EventSearch,
    EventStatus,
    EventType,
    Recepient,
)
from digit.kernel import idempotency
from digit.kernel.anonymous import is_anonymous
from digit.kernel.db import conflict_insert, new_id, row_values, stamp
from digit.kernel.errors import Conflict, Invalid, NotFound
from digit.kernel.prepared import built
from digit.kernel.security import Actor
from digit.kernel.tenancy import in_tenant

MAX_LIMIT = MAX_EVENTS_PAGE
# Core tables for multi-row inserts: one executemany per table, every value written as given
_EVENTS = cast(Table, UserEventRow.__table__)
_RECIPIENTS = cast(Table, EventRecipientRow.__table__)


@dataclass(frozen=True)
class EventCriteria:
    tenant_id: str
    ids: Sequence[str] = ()
    user_ids: Sequence[str] = ()
    roles: Sequence[str] = ()
    reference_ids: Sequence[str] = ()
    statuses: Sequence[str] = ()
    event_types: Sequence[str] = ()
    recepients: Sequence[str] = ()
    offset: int = 0
    limit: int = MAX_LIMIT
    extra: dict[str, str] = field(default_factory=dict)

    @classmethod
    def of(cls, tenant_id: str, query: EventSearch) -> EventCriteria:
        """The criteria of an `events/_search` call."""
        return cls(tenant_id=tenant_id, **query.model_dump())


def _recipients_of(event: Event) -> Recepient:
    recepient = event.recepient or Recepient()
    users = sorted({u.strip() for u in recepient.to_users if u and u.strip()})
    roles = sorted({r.strip() for r in recepient.to_roles if r and r.strip()})
    return Recepient(to_users=users, to_roles=roles)


def to_event(row: UserEventRow) -> Event:
    recepient = row.recepient or {}
    return Event(
        tenant_id=row.tenant_id,
        id=row.id,
        reference_id=row.reference_id,
        event_type=EventType(row.event_type),
        event_category=row.event_category,
        name=row.name,
        description=row.description,
        status=EventStatus(row.status),
        source=row.source,
        posted_by=row.posted_by,
        recepient=Recepient(to_roles=recepient.get("toRoles", []), to_users=recepient.get("toUsers", [])),
        actions=Actions.model_validate(row.actions) if row.actions else None,
        event_details=row.event_details,
        audit_details=AuditDetails(
            created_by=row.created_by,
            created_time=row.created_time,
            last_modified_by=row.last_modified_by,
            last_modified_time=row.last_modified_time,
        ),
    )


def _recipient_values(row: UserEventRow, recepient: Recepient, *, actor: Actor, now_ms: int) -> list[dict[str, Any]]:
    """The event's recipient links (one per user uuid and per role code), as rows for one multi-row insert."""
    pairs = [("USER", u) for u in recepient.to_users] + [("ROLE", r) for r in recepient.to_roles]
    links = []
    for kind, value in pairs:
        link = EventRecipientRow(tenant_id=row.tenant_id, event_id=row.id, kind=kind, value=value)
        stamp(link, actor_uuid=actor.uuid, now_ms=now_ms)
        links.append(row_values(link))
    return links


async def _write_recipients(session: AsyncSession, links: Sequence[dict[str, Any]]) -> None:
    if links:
        await session.execute(insert(_RECIPIENTS), list(links))


async def create_events(
    session: AsyncSession, *, events: Sequence[Event], actor: Actor, now_ms: int, skip_existing: bool = False
) -> list[Event]:
    """Store new events; each needs at least one recipient user or role.

    With `skip_existing` (redelivered notifications), an event whose id is taken is left out silently
    instead of refused; either way the events and their recipient links take one statement each."""
    made = [(event, _recipients_of(event)) for event in events]
    faults = [
        ("INVALID_RECEPIENT", f"events[{i}]: recepient needs toUsers or toRoles")
        for i, (_, recepient) in enumerate(made)
        if not (recepient.to_users or recepient.to_roles)
    ]
    if faults:
        raise Invalid.many(faults)
    given = [e.id for e in events if e.id]
    if given and not skip_existing:
        existing = set(await session.scalars(select(UserEventRow.id).where(UserEventRow.id.in_(given))))
        if existing:
            raise Conflict("DUPLICATE_EVENT_ID", "an event with this id exists", params=sorted(existing))
    rows = [(_event_row(event, recepient, actor=actor, now_ms=now_ms), recepient) for event, recepient in made]
    kept = await _insert_rows(session, [row for row, _ in rows], skip_existing=skip_existing)
    links = [
        link
        for row, recepient in rows
        if row.id in kept
        for link in _recipient_values(row, recepient, actor=actor, now_ms=now_ms)
    ]
    await _write_recipients(session, links)
    return [to_event(row) for row, _ in rows if row.id in kept]


async def create_events_once(
    session: AsyncSession,
    *,
    events: Sequence[Event],
    actor: Actor,
    now_ms: int,
    idempotency_key: str | None,
    request: dict[str, Any],
) -> list[Event]:
    """`create_events` under an `Idempotency-Key`: a retry answers the events the first call made, as they are
    now."""
    return await idempotency.once(
        session,
        key=idempotency_key,
        operation="notification.event.create",
        tenant_id=events[0].tenant_id,
        caller=actor.uuid,
        request=request,
        now_ms=now_ms,
        create=lambda: create_events(session, events=events, actor=actor, now_ms=now_ms),
        reference=lambda made: {"ids": [e.id for e in made]},
        replay=lambda first: _events_by_id(session, events, ids=list(first["ids"]), actor=actor),
    )


async def _events_by_id(session: AsyncSession, events: Sequence[Event], *, ids: list[str], actor: Actor) -> list[Event]:
    """The events of these ids as search answers them now, in the order of `ids`."""
    found: dict[str | None, Event] = {}
    for tenant_id in dict.fromkeys(e.tenant_id for e in events):
        for start in range(0, len(ids), MAX_LIMIT):
            criteria = EventCriteria(tenant_id=tenant_id, ids=ids[start : start + MAX_LIMIT])
            found.update((e.id, e) for e in await search_events(session, criteria=criteria, actor=actor))
    return [found[i] for i in ids if i in found]


def _event_row(event: Event, recepient: Recepient, *, actor: Actor, now_ms: int) -> UserEventRow:
    row = built(
        UserEventRow,
        id=event.id or new_id(),
        tenant_id=event.tenant_id,
        reference_id=event.reference_id,
        event_type=event.event_type.value,
        event_category=event.event_category,
        name=event.name,
        description=event.description,
        status=event.status.value,
        source=event.source,
        posted_by=event.posted_by or actor.uuid,
        recepient=recepient.wire(),
        actions=event.actions.wire() if event.actions else None,
        event_details=event.event_details,
    )
    stamp(row, actor_uuid=actor.uuid, now_ms=now_ms)
    row.row_version = 1
    return row


async def _insert_rows(session: AsyncSession, rows: Sequence[UserEventRow], *, skip_existing: bool) -> set[str]:
    """Insert the rows in one statement (with `skip_existing`, those whose id is free); returns the ids inserted."""
    if not rows:
        return set()
    values = [row_values(row) for row in rows]
    if not skip_existing:
        await session.execute(insert(_EVENTS), values)
        return {row.id for row in rows}
    statement = conflict_insert(session, _EVENTS).on_conflict_do_nothing(index_elements=["id"])
    return set(await session.scalars(statement.returning(_EVENTS.c.id), values))


async def update_events(session: AsyncSession, *, events: Sequence[Event], actor: Actor, now_ms: int) -> list[Event]:
    """Replace the changeable fields of existing events (status, texts, recipients, actions, details)."""
    missing_id = [i for i, e in enumerate(events) if not e.id]
    if missing_id:
        raise Invalid(
            "INVALID_EVENT_ID", "an event to update needs its id", params=[f"events[{i}].id" for i in missing_id]
        )
    ids = [e.id for e in events if e.id]
    rows = {row.id: row for row in await session.scalars(select(UserEventRow).where(UserEventRow.id.in_(ids)))}
    unknown = [i for i in ids if i not in rows or rows[i].tenant_id != _event_tenant(events, i)]
    if unknown:
        raise NotFound("EVENT_NOT_FOUND", "no such event in this tenant", params=unknown)
    updated = []
    for event in events:
        assert event.id is not None
        row = rows[event.id]
        row.name, row.description, row.status = event.name, event.description, event.status.value
        row.event_type, row.event_category = event.event_type.value, event.event_category
        row.reference_id, row.source = event.reference_id, event.source
        row.actions = event.actions.wire() if event.actions else None
        row.event_details = event.event_details
        if event.recepient is not None:
            recepient = _recipients_of(event)
            if not (recepient.to_users or recepient.to_roles):
                raise Invalid("INVALID_RECEPIENT", "recepient needs toUsers or toRoles")
            row.recepient = recepient.wire()
            for link in await session.scalars(select(EventRecipientRow).where(EventRecipientRow.event_id == row.id)):
                await session.delete(link)
            await _write_recipients(session, _recipient_values(row, recepient, actor=actor, now_ms=now_ms))
        stamp(row, actor_uuid=actor.uuid, now_ms=now_ms)
        updated.append(row)
    await session.flush()
    return [to_event(row) for row in updated]


def _event_tenant(events: Sequence[Event], event_id: str) -> str:
    return next(e.tenant_id for e in events if e.id == event_id)


def _addressed_to(actor: Actor) -> Select[str]:
    roles = sorted({r.code for r in actor.roles})
    return select(EventRecipientRow.event_id).where(
        or_(
            and_(EventRecipientRow.kind == "USER", EventRecipientRow.value == actor.uuid),
            and_(EventRecipientRow.kind == "ROLE", EventRecipientRow.value.in_(roles)),
        )
    )


PUBLIC_EVENT_TYPES = ("EVENTSONGROUND", "BROADCAST")


def _addressed_to_every_citizen() -> Select[str]:
    return select(EventRecipientRow.event_id).where(
        EventRecipientRow.kind == "ROLE", EventRecipientRow.value == "CITIZEN"
    )


async def search_events(session: AsyncSession, *, criteria: EventCriteria, actor: Actor) -> list[Event]:
    """Events matching every given criterion, most recently changed first."""
    if not criteria.tenant_id:
        raise Invalid("INVALID_TENANT_ID", "tenantId is required")
    if criteria.limit < 0 or criteria.offset < 0:
        raise Invalid("INVALID_PAGE", "offset and limit must not be negative")
    query = select(UserEventRow).where(in_tenant(UserEventRow.tenant_id, criteria.tenant_id, with_ancestors=True))
    if is_anonymous(actor):  # the logged-out home page: what every citizen may see, and nothing else
        query = query.where(
            UserEventRow.id.in_(_addressed_to_every_citizen()),
            UserEventRow.status == EventStatus.ACTIVE.value,
            UserEventRow.event_type.in_(PUBLIC_EVENT_TYPES),
        )
    elif actor.is_citizen:
        query = query.where(UserEventRow.id.in_(_addressed_to(actor)))
    if criteria.ids:
        query = query.where(UserEventRow.id.in_(criteria.ids))
    if criteria.reference_ids:
        query = query.where(UserEventRow.reference_id.in_(criteria.reference_ids))
    if criteria.statuses:
        query = query.where(UserEventRow.status.in_(criteria.statuses))
    if criteria.event_types:
        query = query.where(UserEventRow.event_type.in_(criteria.event_types))
    for kind, values in (("USER", criteria.user_ids), ("ROLE", criteria.roles), (None, criteria.recepients)):
        if values:
            links = select(EventRecipientRow.event_id).where(EventRecipientRow.value.in_(values))
            if kind is not None:
                links = links.where(EventRecipientRow.kind == kind)
            query = query.where(UserEventRow.id.in_(links))
    query = query.order_by(UserEventRow.last_modified_time.desc(), UserEventRow.id)
    query = query.offset(criteria.offset).limit(min(criteria.limit, MAX_LIMIT))
    return [to_event(row) for row in await session.scalars(query)]


async def last_access_time(session: AsyncSession, *, user_uuid: str) -> int:
    row = await session.scalar(select(LastAccessRow).where(LastAccessRow.user_uuid == user_uuid))
    return row.last_access_time if row else 0


async def update_last_access(session: AsyncSession, *, actor: Actor, now_ms: int) -> int:
    """The caller has looked at their notifications now: older events become read."""
    row = await session.scalar(select(LastAccessRow).where(LastAccessRow.user_uuid == actor.uuid))
    if row is None:
        row = LastAccessRow(tenant_id=actor.tenant_id, user_uuid=actor.uuid, last_access_time=now_ms)
        session.add(row)
    row.last_access_time = now_ms
    stamp(row, actor_uuid=actor.uuid, now_ms=now_ms)
    await session.flush()
    return now_ms


async def count_notifications(session: AsyncSession, *, tenant_id: str, actor: Actor) -> tuple[int, int, int]:
    """(total, read, unread) of the active events addressed to the caller; unread = changed after last access."""
    seen_ms = await last_access_time(session, user_uuid=actor.uuid)
    base = (
        select(func.count())
        .select_from(UserEventRow)
        .where(
            in_tenant(UserEventRow.tenant_id, tenant_id, with_ancestors=True),
            UserEventRow.status == EventStatus.ACTIVE.value,
            UserEventRow.id.in_(_addressed_to(actor)),
        )
    )
    total = int(await session.scalar(base) or 0)
    unread = int(await session.scalar(base.where(UserEventRow.last_modified_time > seen_ms)) or 0)
    return total, total - unread, unread
