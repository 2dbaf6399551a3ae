"""Notification tables: deliveries and their attempts, the development sink, in-app user events."""

from __future__ import annotations

from typing import Any

from sqlalchemy import BigInteger, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from digit.kernel.db import Audited, Base, new_id


class DeliveryRow(Audited, Base):
    """One message to one recipient over one channel; `payload` (recipient and text) is encrypted."""

    __tablename__ = "eg_notification_delivery"
    __table_args__ = (Index("ix_eg_notification_delivery_due", "status", "next_attempt_time"),)

    id: Mapped[str] = mapped_column(primary_key=True, default=new_id)
    channel: Mapped[str] = mapped_column(String(16))  # SMS | EMAIL
    category: Mapped[str] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(16))  # PENDING | SENT | RETRY | FAILED
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_time: Mapped[int | None] = mapped_column(BigInteger, default=None)
    sent_time: Mapped[int | None] = mapped_column(BigInteger, default=None)
    last_error: Mapped[str | None] = mapped_column(String(200), default=None)  # an error code, never text
    payload: Mapped[str] = mapped_column(Text)
    dedupe_key: Mapped[str | None] = mapped_column(String(300), unique=True, default=None)


class AttemptRow(Audited, Base):
    """Each try to hand a delivery to its channel, and what came of it."""

    __tablename__ = "eg_notification_attempt"

    id: Mapped[str] = mapped_column(primary_key=True, default=new_id)
    delivery_id: Mapped[str] = mapped_column(String(64), index=True)
    attempt: Mapped[int]
    outcome: Mapped[str] = mapped_column(String(16))  # SENT | FAILED
    error: Mapped[str | None] = mapped_column(String(200), default=None)
    attempt_time: Mapped[int] = mapped_column(BigInteger)


class SinkMessageRow(Audited, Base):
    """What the development sink 'sent'; recipient and text encrypted, recipient searchable by blind index."""

    __tablename__ = "eg_notification_sink_message"
    __table_args__ = (Index("ix_eg_notification_sink_lookup", "channel", "recipient_index", "created_time"),)

    id: Mapped[str] = mapped_column(primary_key=True, default=new_id)
    delivery_id: Mapped[str] = mapped_column(String(64))
    channel: Mapped[str] = mapped_column(String(16))
    category: Mapped[str] = mapped_column(String(32))
    recipient_index: Mapped[str] = mapped_column(String(128))
    recipient: Mapped[str] = mapped_column(Text)
    subject: Mapped[str | None] = mapped_column(Text, default=None)
    body: Mapped[str] = mapped_column(Text)


class UserEventRow(Audited, Base):
    """A DIGIT in-app user event (egov-user-event)."""

    __tablename__ = "eg_notification_user_event"
    __table_args__ = (Index("ix_eg_notification_user_event_recent", "tenant_id", "created_time"),)

    id: Mapped[str] = mapped_column(primary_key=True, default=new_id)
    reference_id: Mapped[str | None] = mapped_column(String(200), index=True, default=None)
    event_type: Mapped[str] = mapped_column(String(64))
    event_category: Mapped[str | None] = mapped_column(String(64), default=None)
    name: Mapped[str] = mapped_column(Text)
    description: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16))
    source: Mapped[str | None] = mapped_column(String(64), default=None)
    posted_by: Mapped[str | None] = mapped_column(String(64), default=None)
    recepient: Mapped[dict[str, Any]]
    actions: Mapped[dict[str, Any] | None] = mapped_column(default=None)
    event_details: Mapped[dict[str, Any] | None] = mapped_column(default=None)


class EventRecipientRow(Audited, Base):
    """Who an event is addressed to, one row per user uuid or role code, so searches are plain joins."""

    __tablename__ = "eg_notification_event_recipient"
    __table_args__ = (Index("ix_eg_notification_event_recipient_who", "kind", "value"),)

    id: Mapped[str] = mapped_column(primary_key=True, default=new_id)
    event_id: Mapped[str] = mapped_column(String(64), index=True)
    kind: Mapped[str] = mapped_column(String(8))  # USER | ROLE
    value: Mapped[str] = mapped_column(String(200))


class LastAccessRow(Audited, Base):
    """When a user last opened their notifications: later events are unread."""

    __tablename__ = "eg_notification_last_access"
    __table_args__ = (UniqueConstraint("user_uuid"),)

    id: Mapped[str] = mapped_column(primary_key=True, default=new_id)
    user_uuid: Mapped[str] = mapped_column(String(64))
    last_access_time: Mapped[int] = mapped_column(BigInteger)
