"""Deliveries: a row per message, an attempt row per try, retries with exponential backoff.

Without a session, `Notifier.send_sms`/`send_email` only queue the message in memory and return its
delivery id; a task of this process writes the delivery and makes the first attempt. With the caller's
`session` (and for many messages at once, `record`), the deliveries are written in that transaction, in
one multi-row statement per table: a message to the development sink is kept there and then (the sink
is a table, so it is "sent" exactly when the caller commits), a message to a real channel is tried by
the task once the caller commits. Either way callers may send from inside their own open transaction
(on SQLite a second writer would wait for the first to commit). `flush()` waits until everything
queued is recorded and tried; `retry_due()` retries what failed.
Recipients and texts are sealed (encrypted) in `payload`; logs carry ids, channels and codes only.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections import deque
from collections.abc import Sequence
from typing import Any, cast

from sqlalchemy import Table, insert, select, update
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.exc import StaleDataError

from digit.blocks.notification.channels import (
    DeliveryFailed,
    Email,
    EmailSender,
    HttpGatewaySender,
    SinkSender,
    Sms,
    SmsSender,
    SmtpSender,
    recipients_of,
)
from digit.blocks.notification.models import AttemptRow, DeliveryRow, SinkMessageRow
from digit.blocks.notification.schemas import DeliverySearch, DeliveryStatus, EmailSearch, SmsSearch
from digit.blocks.notification.vault import Vault
from digit.kernel.db import Base, after_commit, after_rollback, conflict_insert, new_id, row_values, stamp
from digit.kernel.errors import DomainError, Invalid
from digit.kernel.platform import Platform
from digit.kernel.prepared import built
from digit.kernel.security import SYSTEM_UUID
from digit.kernel.tenancy import in_tenant

log = logging.getLogger(__name__)

SMS_CATEGORIES = ("OTP", "TRANSACTION", "PROMOTION", "NOTIFICATION", "OTHERS")
RETRY_BATCH = 50
_PENDING_KEY = "notification_pending"
DUE_STATUSES = (DeliveryStatus.PENDING, DeliveryStatus.RETRY)
"""A delivery in one of these is tried again when its next attempt is due."""

Message = Sms | Email
Outgoing = tuple[Message, str | None]
"""A message and its dedupe key (None: no other message is the same one)."""

# Core tables for multi-row inserts: one executemany per table, every value written as given
_DELIVERIES = cast(Table, DeliveryRow.__table__)
_SINK_MESSAGES = cast(Table, SinkMessageRow.__table__)
_ATTEMPTS = cast(Table, AttemptRow.__table__)


def _payload(message: Message) -> str:
    if isinstance(message, Sms):
        return json.dumps({"mobileNumber": message.mobile_number, "message": message.message})
    return json.dumps(
        {"to": list(message.to), "subject": message.subject, "body": message.body, "isHtml": message.is_html}
    )


def _message_of(row: DeliveryRow, payload: dict[str, Any]) -> Message:
    if row.channel == "SMS":
        return Sms(row.id, row.tenant_id, payload["mobileNumber"], payload["message"], row.category)
    return Email(
        row.id,
        row.tenant_id,
        tuple(payload["to"]),
        payload["subject"],
        payload["body"],
        payload["isHtml"],
        row.category,
    )


class Notifier:
    """The in-process notification engine behind `NotificationClient`."""

    def __init__(
        self, platform: Platform, *, sms_sender: SmsSender | None = None, email_sender: EmailSender | None = None
    ) -> None:
        settings = platform.settings
        self.platform = platform
        self.vault = Vault(platform)
        self.sink = SinkSender(platform.sessions, self.vault, platform.clock)
        if sms_sender is None and settings.sms_gateway_url:
            sms_sender = HttpGatewaySender(settings.sms_gateway_url, settings.sms_gateway_method)
        if email_sender is None and settings.smtp_host:
            email_sender = SmtpSender(
                host=settings.smtp_host,
                port=settings.smtp_port,
                sender=settings.smtp_sender,
                username=settings.smtp_username,
                password=settings.smtp_password.get_secret_value(),
                start_tls=settings.smtp_start_tls,
            )
        self.sms_sender: SmsSender = sms_sender or self.sink
        self.email_sender: EmailSender = email_sender or self.sink
        self._queue: deque[tuple[Message, str | None, bool]] = deque()
        self._worker: asyncio.Task[None] | None = None

    # --- queueing -------------------------------------------------------------------------------

    async def send_sms(
        self,
        *,
        session: AsyncSession | None = None,
        tenant_id: str,
        mobile_number: str,
        message: str,
        category: str = "TRANSACTION",
        dedupe_key: str | None = None,
    ) -> str:
        """Queue one SMS; returns its delivery id. With `session`, it is recorded in the caller's
        transaction and sent once that commits (never, if it rolls back)."""
        sms = sms_of(tenant_id=tenant_id, mobile_number=mobile_number, message=message, category=category)
        return await self._submit(sms, session=session, dedupe_key=dedupe_key)

    async def send_email(
        self,
        *,
        session: AsyncSession | None = None,
        tenant_id: str,
        to: Sequence[str],
        subject: str,
        body: str,
        is_html: bool = False,
        dedupe_key: str | None = None,
    ) -> str:
        """Queue one email (to one or more addresses); returns its delivery id. `session` as for SMS."""
        email = email_of(tenant_id=tenant_id, to=to, subject=subject, body=body, is_html=is_html)
        return await self._submit(email, session=session, dedupe_key=dedupe_key)

    async def _submit(self, message: Message, *, session: AsyncSession | None, dedupe_key: str | None) -> str:
        if session is None:
            self._enqueue(message, dedupe_key, recorded=False)
            return message.delivery_id
        return (await self.record(session, [(message, dedupe_key)]))[0]

    async def record(self, session: AsyncSession, outgoing: Sequence[Outgoing]) -> list[str]:
        """Record messages in the caller's transaction, a few multi-row statements for any number; returns
        their delivery ids (for a message whose dedupe key was recorded before, that earlier delivery's).

        What the development sink takes is kept at once, in its final state (SENT, one attempt): the sink is
        a table, so keeping it in the caller's transaction is sending it exactly when that commits. What a
        real channel (HTTP gateway, SMTP) takes is PENDING, tried after the commit and retried on failure."""
        fresh: dict[str, Outgoing] = {}  # a dedupe key given twice is one message
        for message, dedupe_key in outgoing:
            fresh.setdefault(dedupe_key or message.delivery_id, (message, dedupe_key))
        now_ms = self.platform.clock.now_ms()
        rows = [
            await self._delivery_row(message, dedupe_key, session=session, kept=self._kept_at_once(message))
            for message, dedupe_key in fresh.values()
        ]
        added = await _insert_deliveries(session, rows)
        recorded = [message for message, _ in fresh.values() if message.delivery_id in added]
        kept = [message for message in recorded if self._kept_at_once(message)]
        sink_rows = [row for message in kept for row in await self.sink.rows_of(message, session=session)]
        await _insert_all(session, _SINK_MESSAGES, sink_rows)
        await _insert_all(session, _ATTEMPTS, [_attempt_row(m, attempt=1, error=None, now_ms=now_ms) for m in kept])
        if kept:
            log.info("notification_kept_by_sink", extra={"delivery_ids": [m.delivery_id for m in kept]})
        self._send_after_commit(session, [message for message in recorded if not self._kept_at_once(message)])
        seen = await _earlier_deliveries(session, [key for m, key in outgoing if key and m.delivery_id not in added])
        return [seen.get(key, message.delivery_id) if key else message.delivery_id for message, key in outgoing]

    def _kept_at_once(self, message: Message) -> bool:
        """True when the message goes to the development sink (its sender is this notifier's sink)."""
        sender: object = self.sms_sender if isinstance(message, Sms) else self.email_sender
        return sender is self.sink

    def _send_after_commit(self, session: AsyncSession, messages: Sequence[Message]) -> None:
        """Try the messages once the caller's transaction commits; forget them if it rolls back.

        One list per session, hooked once per transaction: the commit hands the list to the task, a rollback
        drops it (so a later commit of the same session never sends what was undone)."""
        if not messages:
            return
        pending: list[Message] | None = session.info.get(_PENDING_KEY)
        if pending is None:
            pending = session.info[_PENDING_KEY] = []
            after_commit(session, lambda: self._enqueue_recorded(session.info.pop(_PENDING_KEY, [])))
            after_rollback(session, lambda: session.info.pop(_PENDING_KEY, None))
        pending.extend(messages)

    def _enqueue_recorded(self, messages: Sequence[Message]) -> None:
        for message in messages:
            self._enqueue(message, None, recorded=True)

    def _enqueue(self, message: Message, dedupe_key: str | None, *, recorded: bool) -> None:
        self._queue.append((message, dedupe_key, recorded))
        if self._worker is None or self._worker.done():
            self._worker = asyncio.get_running_loop().create_task(self._work())

    async def flush(self) -> None:
        """Wait until every queued message is recorded and tried once."""
        while self._worker is not None and not self._worker.done():
            await self._worker

    async def _work(self) -> None:
        while self._queue:
            message, dedupe_key, recorded = self._queue.popleft()
            try:
                if recorded:
                    await self._attempt(message, attempts_before=0)
                else:
                    await self._record_and_send(message, dedupe_key)
            except (SQLAlchemyError, DomainError, OSError) as error:
                log.error(
                    "notification_not_recorded",
                    extra={"delivery_id": message.delivery_id, "error": type(error).__name__},
                )

    # --- delivery -------------------------------------------------------------------------------

    async def _delivery_row(
        self, message: Message, dedupe_key: str | None, *, session: AsyncSession | None = None, kept: bool = False
    ) -> DeliveryRow:
        """PENDING, due for the retry sweep after one backoff period in case this process stops first; or,
        `kept` by the sink in the same transaction, SENT at its first attempt."""
        now_ms = self.platform.clock.now_ms()
        row = built(
            DeliveryRow,
            id=message.delivery_id,
            tenant_id=message.tenant_id,
            channel="SMS" if isinstance(message, Sms) else "EMAIL",
            category=message.category,
            status=DeliveryStatus.SENT if kept else DeliveryStatus.PENDING,
            attempts=1 if kept else 0,
            next_attempt_time=None if kept else now_ms + self.platform.settings.notification_retry_base_ms,
            sent_time=now_ms if kept else None,
            payload=await self.vault.seal(tenant_id=message.tenant_id, plaintext=_payload(message), session=session),
            dedupe_key=dedupe_key,
        )
        stamp(row, actor_uuid=SYSTEM_UUID, now_ms=now_ms)
        return row

    async def _record_and_send(self, message: Message, dedupe_key: str | None) -> None:
        row = await self._delivery_row(message, dedupe_key)
        async with self.platform.sessions() as session, session.begin():
            if dedupe_key is not None:
                seen = await session.scalar(select(DeliveryRow.id).where(DeliveryRow.dedupe_key == dedupe_key))
                if seen is not None:
                    log.info("notification_duplicate_skipped", extra={"delivery_id": seen, "channel": row.channel})
                    return
            session.add(row)
        await self._attempt(message, attempts_before=0)

    async def _attempt(self, message: Message, *, attempts_before: int) -> str:
        error: str | None = None
        try:
            if isinstance(message, Sms):
                await self.sms_sender.send_sms(message)
            else:
                await self.email_sender.send_email(message)
        except DeliveryFailed as failure:
            error = failure.code
        settings = self.platform.settings
        now_ms = self.platform.clock.now_ms()
        attempt = attempts_before + 1
        if error is None:
            status, next_attempt = DeliveryStatus.SENT, None
        elif attempt >= settings.notification_max_attempts:
            status, next_attempt = DeliveryStatus.FAILED, None
        else:
            status, next_attempt = (
                DeliveryStatus.RETRY,
                now_ms + settings.notification_retry_base_ms * 2 ** (attempt - 1),
            )
        async with self.platform.sessions() as session, session.begin():
            # the outcome, written without reading the row back (two statements)
            changed = await session.execute(
                update(DeliveryRow)
                .where(DeliveryRow.id == message.delivery_id)
                .values(
                    attempts=attempt,
                    last_error=error,
                    status=status,
                    next_attempt_time=next_attempt,
                    sent_time=now_ms if error is None else DeliveryRow.sent_time,
                    last_modified_by=SYSTEM_UUID,
                    last_modified_time=now_ms,
                    row_version=DeliveryRow.row_version + 1,
                )
                .execution_options(synchronize_session=False)
            )
            if getattr(changed, "rowcount", 0) != 1:
                return DeliveryStatus.FAILED
            outcome = _attempt_row(message, attempt=attempt, error=error, now_ms=now_ms)
            session.add(outcome)
        log.info(
            "notification_attempt",
            extra={"delivery_id": message.delivery_id, "attempt": attempt, "status": status, "error": error},
        )
        return status

    async def retry_due(self) -> int:
        """Try again every delivery whose backoff has passed; returns how many were tried."""
        now_ms = self.platform.clock.now_ms()
        lease_ms = self.platform.settings.notification_retry_base_ms
        async with self.platform.read_sessions() as session:
            due = list(
                await session.scalars(
                    select(DeliveryRow)
                    .where(DeliveryRow.status.in_(DUE_STATUSES), DeliveryRow.next_attempt_time <= now_ms)
                    .order_by(DeliveryRow.next_attempt_time)
                    .limit(RETRY_BATCH)
                )
            )
        tried = 0
        for candidate in due:
            try:
                async with self.platform.sessions() as session, session.begin():
                    row = await session.get(DeliveryRow, candidate.id)
                    if row is None or row.status not in DUE_STATUSES or (row.next_attempt_time or 0) > now_ms:
                        continue
                    row.next_attempt_time = now_ms + lease_ms  # claimed: another process skips it
                    stamp(row, actor_uuid=SYSTEM_UUID, now_ms=now_ms)
                    attempts, sealed = row.attempts, row.payload
            except StaleDataError:
                continue
            message = _message_of(candidate, json.loads(await self.vault.open(sealed)))
            await self._attempt(message, attempts_before=attempts)
            tried += 1
        return tried


def _attempt_row(message: Message, *, attempt: int, error: str | None, now_ms: int) -> AttemptRow:
    row = AttemptRow(
        tenant_id=message.tenant_id,
        delivery_id=message.delivery_id,
        attempt=attempt,
        outcome=DeliveryStatus.SENT if error is None else DeliveryStatus.FAILED,
        error=error,
        attempt_time=now_ms,
    )
    stamp(row, actor_uuid=SYSTEM_UUID, now_ms=now_ms)
    return row


async def _insert_deliveries(session: AsyncSession, rows: Sequence[DeliveryRow]) -> set[str]:
    """Insert the deliveries in one statement, except those whose dedupe key is taken; returns the ids inserted."""
    if not rows:
        return set()
    statement = conflict_insert(session, _DELIVERIES).on_conflict_do_nothing(index_elements=["dedupe_key"])
    return set(await session.scalars(statement.returning(_DELIVERIES.c.id), [row_values(row) for row in rows]))


async def _insert_all(session: AsyncSession, table: Table, rows: Sequence[Base]) -> None:
    """One statement (an executemany) for all the rows, whatever their number."""
    if rows:
        await session.execute(insert(table), [row_values(row) for row in rows])


async def _earlier_deliveries(session: AsyncSession, dedupe_keys: Sequence[str]) -> dict[str, str]:
    """dedupe key -> id of the delivery recorded with it."""
    if not dedupe_keys:
        return {}
    query = select(DeliveryRow.dedupe_key, DeliveryRow.id).where(DeliveryRow.dedupe_key.in_(set(dedupe_keys)))
    return {key: delivery_id for key, delivery_id in (await session.execute(query)).all() if key is not None}


def sms_of(*, tenant_id: str, mobile_number: str, message: str, category: str) -> Sms:
    """A new SMS, checked: `Invalid` names every fault."""
    faults = []
    if not tenant_id:
        faults.append(("INVALID_TENANT_ID", "tenantId is required"))
    if not mobile_number.strip():
        faults.append(("INVALID_MOBILE_NUMBER", "a mobile number is required"))
    if not message.strip():
        faults.append(("INVALID_MESSAGE", "the message is empty"))
    if category not in SMS_CATEGORIES:
        faults.append(("INVALID_CATEGORY", f"category must be one of {', '.join(SMS_CATEGORIES)}"))
    if faults:
        raise Invalid.many(faults)
    return Sms(new_id(), tenant_id, mobile_number.strip(), message, category)


def email_of(*, tenant_id: str, to: Sequence[str], subject: str, body: str, is_html: bool = False) -> Email:
    """A new email (to one or more addresses), checked: `Invalid` names every fault."""
    addresses = recipients_of(to)
    faults = []
    if not tenant_id:
        faults.append(("INVALID_TENANT_ID", "tenantId is required"))
    if not addresses or any("@" not in a for a in addresses):
        faults.append(("INVALID_EMAIL", "at least one valid address is required"))
    if not body.strip():
        faults.append(("INVALID_MESSAGE", "the body is empty"))
    if faults:
        raise Invalid.many(faults)
    return Email(new_id(), tenant_id, addresses, subject, body, is_html)


# --- the development sink, read back by an admin -----------------------------------------------


async def search_sink(
    session: AsyncSession,
    vault: Vault,
    *,
    tenant_id: str,
    channel: str,
    recipient: str | None,
    limit: int,
    offset: int,
) -> list[dict[str, Any]]:
    """Messages the sink kept, newest first, decrypted (the route is for SUPERUSER only)."""
    query = select(SinkMessageRow).where(
        SinkMessageRow.channel == channel, in_tenant(SinkMessageRow.tenant_id, tenant_id)
    )
    if recipient:
        field_name = "mobileNumber" if channel == "SMS" else "emailId"
        query = query.where(
            SinkMessageRow.recipient_index == vault.index(tenant_id=tenant_id, field=field_name, value=recipient)
        )
    query = query.order_by(SinkMessageRow.created_time.desc(), SinkMessageRow.id).limit(limit).offset(offset)
    found = []
    for row in await session.scalars(query):
        contact = await vault.open(row.recipient)
        item: dict[str, Any] = {
            "id": row.id,
            "deliveryId": row.delivery_id,
            "tenantId": row.tenant_id,
            "category": row.category,
            "createdTime": row.created_time,
        }
        if channel == "SMS":
            item.update(mobileNumber=contact, message=await vault.open(row.body))
        else:
            subject = await vault.open(row.subject) if row.subject is not None else None
            item.update(emailId=contact, subject=subject, body=await vault.open(row.body))
        found.append(item)
    return found


async def search_sent(
    session: AsyncSession, notifier: Notifier, *, tenant_id: str, query: SmsSearch | EmailSearch
) -> list[dict[str, Any]]:
    """The SMS (`SmsSearch`) or emails (`EmailSearch`) the sink kept, once the queue is flushed so that what was
    just sent is found."""
    await notifier.flush()
    if isinstance(query, SmsSearch):
        channel, recipient = "SMS", query.mobile_number
    else:
        channel, recipient = "EMAIL", query.email_id
    return await search_sink(
        session,
        notifier.vault,
        tenant_id=tenant_id,
        channel=channel,
        recipient=recipient,
        limit=query.limit,
        offset=query.offset,
    )


async def search_flushed_deliveries(
    session: AsyncSession, notifier: Notifier, *, tenant_id: str, query: DeliverySearch
) -> list[dict[str, Any]]:
    """`search_deliveries` once the queue is flushed, so that what was just sent has its first attempt."""
    await notifier.flush()
    return await search_deliveries(
        session, tenant_id=tenant_id, status=query.status, ids=query.ids, limit=query.limit, offset=query.offset
    )


async def search_deliveries(
    session: AsyncSession, *, tenant_id: str, status: str | None, ids: Sequence[str], limit: int, offset: int
) -> list[dict[str, Any]]:
    """Deliveries and their attempts, without recipients or texts."""
    query = select(DeliveryRow).where(in_tenant(DeliveryRow.tenant_id, tenant_id))
    if status:
        query = query.where(DeliveryRow.status == status)
    if ids:
        query = query.where(DeliveryRow.id.in_(ids))
    rows = list(await session.scalars(query.order_by(DeliveryRow.created_time.desc()).limit(limit).offset(offset)))
    attempts: dict[str, list[dict[str, Any]]] = {row.id: [] for row in rows}
    if rows:
        for attempt in await session.scalars(
            select(AttemptRow).where(AttemptRow.delivery_id.in_(attempts)).order_by(AttemptRow.attempt)
        ):
            attempts[attempt.delivery_id].append(
                {
                    "attempt": attempt.attempt,
                    "outcome": attempt.outcome,
                    "error": attempt.error,
                    "time": attempt.attempt_time,
                }
            )
    return [
        {
            "id": row.id,
            "tenantId": row.tenant_id,
            "channel": row.channel,
            "category": row.category,
            "status": row.status,
            "attempts": row.attempts,
            "nextAttemptTime": row.next_attempt_time,
            "sentTime": row.sent_time,
            "lastError": row.last_error,
            "attemptLog": attempts[row.id],
            "auditDetails": row.audit_details(),
        }
        for row in rows
    ]
