"""The analytics store: facts fed by outbox events, and rollups kept incrementally beside them.

PII-free by construction: the columns hold ids, codes, statuses, times and amounts only. No name,
mobile number, email, address text or description has a column here (`tests/test_analytics_store.py`
scans every table for the demo PII after a journey).

- A *fact* is the latest state of one business record (a complaint, a payment line, a demand line, an
  application), keyed by the record's id, so events may be replayed and the fact stays one row.
- A *rollup* (`*_daily`) is a cube: one row per (tenant, day, every dimension), with additive measures.
  A consumer takes the fact's old contribution off its cube row and adds the new one, so a dashboard
  query sums O(days x dimension values) rows, never the facts.
- `eg_analytics_applied_event` records each event a fact table has applied: applying an event twice
  (redelivery, a rebuild racing the dispatcher) changes nothing.

Days are UTC days (`day_ms` = epoch ms of 00:00 UTC).
"""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import BigInteger, Index, Numeric, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from digit.kernel.db import Audited, Base, new_id

MONEY = Numeric(16, 2)
CODE = String(64)


COMPLAINT_PLACE = ("service_code", "department", "locality", "channel")  # what was asked for, where, how


class ComplaintCell:
    """The key columns every complaint cube shares: grain, filing day and `COMPLAINT_PLACE` (first in the table)."""

    id: Mapped[str] = mapped_column(String(64), primary_key=True, default=new_id, sort_order=-1)
    grain: Mapped[str] = mapped_column(String(16), server_default="all", sort_order=-1)  # see grains.py
    day_ms: Mapped[int] = mapped_column(BigInteger, sort_order=-1)
    service_code: Mapped[str] = mapped_column(CODE, sort_order=-1)
    department: Mapped[str] = mapped_column(CODE, sort_order=-1)
    locality: Mapped[str] = mapped_column(CODE, sort_order=-1)
    channel: Mapped[str] = mapped_column(CODE, sort_order=-1)


class AppliedEventRow(Audited, Base):
    """An event one fact table has applied (idempotency by event id)."""

    __tablename__ = "eg_analytics_applied_event"

    fact: Mapped[str] = mapped_column(String(32), primary_key=True)
    event_id: Mapped[str] = mapped_column(String(64), primary_key=True)


class ComplaintFactRow(Audited, Base):
    """One complaint's latest state: codes, times and counts. `assignee` is an employee uuid."""

    __tablename__ = "eg_analytics_complaint"
    __table_args__ = (UniqueConstraint("tenant_id", "service_request_id"),)

    id: Mapped[str] = mapped_column(String(64), primary_key=True, default=new_id)
    service_request_id: Mapped[str] = mapped_column(String(64))
    service_code: Mapped[str] = mapped_column(CODE)
    department: Mapped[str] = mapped_column(CODE)
    locality: Mapped[str] = mapped_column(CODE)
    channel: Mapped[str] = mapped_column(CODE)
    status: Mapped[str] = mapped_column(CODE)
    assignee: Mapped[str] = mapped_column(String(64), default="")
    filed_ms: Mapped[int] = mapped_column(BigInteger)
    resolved_ms: Mapped[int | None] = mapped_column(BigInteger, default=None)
    rejected_ms: Mapped[int | None] = mapped_column(BigInteger, default=None)
    sla_ms: Mapped[int | None] = mapped_column(BigInteger, default=None)
    reopened_count: Mapped[int] = mapped_column(default=0)
    escalated_count: Mapped[int] = mapped_column(default=0)
    rating: Mapped[int | None] = mapped_column(default=None)


class ComplaintDailyRow(ComplaintCell, Audited, Base):
    """Complaints by filing day and every dimension, with their current status."""

    __tablename__ = "eg_analytics_complaint_daily"
    __table_args__ = (
        UniqueConstraint(
            "grain",
            "tenant_id",
            "day_ms",
            *COMPLAINT_PLACE,
            "status",
            "assignee",
            name="uq_eg_analytics_complaint_daily_cell",
        ),
        Index("ix_eg_analytics_complaint_daily_day", "day_ms", "tenant_id"),
        Index("ix_eg_analytics_complaint_daily_grain_day", "grain", "day_ms", "tenant_id"),
    )

    status: Mapped[str] = mapped_column(CODE)
    assignee: Mapped[str] = mapped_column(String(64))
    complaints: Mapped[int] = mapped_column(default=0)
    closed: Mapped[int] = mapped_column(default=0)
    resolved: Mapped[int] = mapped_column(default=0)
    rejected: Mapped[int] = mapped_column(default=0)
    reopened: Mapped[int] = mapped_column(default=0)
    escalated: Mapped[int] = mapped_column(default=0)
    sla_counted: Mapped[int] = mapped_column(default=0)
    sla_met: Mapped[int] = mapped_column(default=0)
    rating_sum: Mapped[int] = mapped_column(default=0)
    rating_count: Mapped[int] = mapped_column(default=0)
    resolution_ms_sum: Mapped[int] = mapped_column(BigInteger, default=0)
    resolution_count: Mapped[int] = mapped_column(default=0)


class ResolutionHourlyRow(ComplaintCell, Audited, Base):
    """Resolved complaints by filing day and whole hours taken (`hours`): median and p90 without the facts."""

    __tablename__ = "eg_analytics_resolution_hist"
    __table_args__ = (
        UniqueConstraint(
            "grain",
            "tenant_id",
            "day_ms",
            *COMPLAINT_PLACE,
            "hours",
            name="uq_eg_analytics_resolution_hist_cell",
        ),
        Index("ix_eg_analytics_resolution_hist_grain_day", "grain", "day_ms", "tenant_id"),
    )

    hours: Mapped[int]
    complaints: Mapped[int] = mapped_column(default=0)
    resolution_ms_sum: Mapped[int] = mapped_column(BigInteger, default=0)


class ComplaintBacklogRow(ComplaintCell, Audited, Base):
    """Open complaints with a known SLA, by filing day and the hour their SLA runs out (`due_hour_ms`).

    Whether an open complaint has breached its SLA changes with the clock, not with an event; keeping the
    deadline hour in the key lets "open and breached now" be a sum over the hours before now.
    """

    __tablename__ = "eg_analytics_complaint_backlog"
    __table_args__ = (
        UniqueConstraint(
            "grain",
            "tenant_id",
            "day_ms",
            "due_hour_ms",
            *COMPLAINT_PLACE,
            name="uq_eg_analytics_complaint_backlog_cell",
        ),
        Index("ix_eg_analytics_complaint_backlog_grain_day", "grain", "day_ms", "tenant_id"),
    )

    due_hour_ms: Mapped[int] = mapped_column(BigInteger)
    complaints: Mapped[int] = mapped_column(default=0)


class ConsumerLocalityRow(Audited, Base):
    """The locality (boundary code) of a consumer code, as the service that owns it stated it.

    Payments carry consumer codes, not places: their locality is the consumer's (DIGIT's DSS finds it the
    same way, through the property or licence behind the consumer code).
    """

    __tablename__ = "eg_analytics_consumer"
    __table_args__ = (UniqueConstraint("tenant_id", "consumer_code"),)

    id: Mapped[str] = mapped_column(String(64), primary_key=True, default=new_id)
    consumer_code: Mapped[str] = mapped_column(String(64))
    locality: Mapped[str] = mapped_column(CODE)


class CollectionFactRow(Audited, Base):
    """What one payment collected for one business service and tax head (cancelled: `status` CANCELLED)."""

    __tablename__ = "eg_analytics_collection"
    __table_args__ = (UniqueConstraint("payment_id", "business_service", "tax_head"),)

    id: Mapped[str] = mapped_column(String(64), primary_key=True, default=new_id)
    payment_id: Mapped[str] = mapped_column(String(64))
    business_service: Mapped[str] = mapped_column(CODE)
    tax_head: Mapped[str] = mapped_column(CODE)
    payment_mode: Mapped[str] = mapped_column(CODE)
    locality: Mapped[str] = mapped_column(CODE, server_default="UNKNOWN")
    receipt_ms: Mapped[int] = mapped_column(BigInteger)
    amount: Mapped[Decimal] = mapped_column(MONEY)
    status: Mapped[str] = mapped_column(String(16))


class CollectionDailyRow(Audited, Base):
    """Money collected by receipt day, business service, tax head, payment mode and locality."""

    __tablename__ = "eg_analytics_collection_daily"
    __table_args__ = (
        UniqueConstraint(
            "grain",
            "tenant_id",
            "day_ms",
            "business_service",
            "tax_head",
            "payment_mode",
            "locality",
            name="uq_eg_analytics_collection_daily_cell",
        ),
        Index("ix_eg_analytics_collection_daily_grain_day", "grain", "day_ms", "tenant_id"),
    )

    id: Mapped[str] = mapped_column(String(64), primary_key=True, default=new_id)
    grain: Mapped[str] = mapped_column(String(16), server_default="all")  # see grains.py
    day_ms: Mapped[int] = mapped_column(BigInteger)
    business_service: Mapped[str] = mapped_column(CODE)
    tax_head: Mapped[str] = mapped_column(CODE)
    payment_mode: Mapped[str] = mapped_column(CODE)
    locality: Mapped[str] = mapped_column(CODE, server_default="UNKNOWN")
    amount: Mapped[Decimal] = mapped_column(MONEY, default=Decimal(0))
    lines: Mapped[int] = mapped_column(default=0)


class DemandFactRow(Audited, Base):
    """One demand detail (tax head line): what is due for a tax period, and what has been collected on it."""

    __tablename__ = "eg_analytics_demand"
    __table_args__ = (UniqueConstraint("demand_detail_id"),)

    id: Mapped[str] = mapped_column(String(64), primary_key=True, default=new_id)
    demand_id: Mapped[str] = mapped_column(String(64), index=True)
    demand_detail_id: Mapped[str] = mapped_column(String(64))
    business_service: Mapped[str] = mapped_column(CODE)
    tax_head: Mapped[str] = mapped_column(CODE)
    period_from_ms: Mapped[int] = mapped_column(BigInteger)
    period_to_ms: Mapped[int] = mapped_column(BigInteger)
    tax_amount: Mapped[Decimal] = mapped_column(MONEY)
    collected_amount: Mapped[Decimal] = mapped_column(MONEY, default=Decimal(0))
    status: Mapped[str] = mapped_column(String(16))


class DemandPeriodRow(Audited, Base):
    """Demand and its collection by tax period (days), business service and tax head; cancelled demands out."""

    __tablename__ = "eg_analytics_demand_period"
    __table_args__ = (UniqueConstraint("tenant_id", "from_day_ms", "to_day_ms", "business_service", "tax_head"),)

    id: Mapped[str] = mapped_column(String(64), primary_key=True, default=new_id)
    from_day_ms: Mapped[int] = mapped_column(BigInteger)
    to_day_ms: Mapped[int] = mapped_column(BigInteger)
    business_service: Mapped[str] = mapped_column(CODE)
    tax_head: Mapped[str] = mapped_column(CODE)
    tax_amount: Mapped[Decimal] = mapped_column(MONEY, default=Decimal(0))
    collected_amount: Mapped[Decimal] = mapped_column(MONEY, default=Decimal(0))


class ApplicationFactRow(Audited, Base):
    """One application of a configured service (any workflow business service but PGR's): state and times."""

    __tablename__ = "eg_analytics_application"
    __table_args__ = (UniqueConstraint("tenant_id", "business_service", "business_id"),)

    id: Mapped[str] = mapped_column(String(64), primary_key=True, default=new_id)
    business_service: Mapped[str] = mapped_column(CODE)
    business_id: Mapped[str] = mapped_column(String(64))
    state: Mapped[str] = mapped_column(CODE)
    submitted_ms: Mapped[int] = mapped_column(BigInteger)
    approved_ms: Mapped[int | None] = mapped_column(BigInteger, default=None)


class ApplicationDailyRow(Audited, Base):
    """Applications by submission day, business service and current state; time to approve summed."""

    __tablename__ = "eg_analytics_application_daily"
    __table_args__ = (UniqueConstraint("tenant_id", "day_ms", "business_service", "state"),)

    id: Mapped[str] = mapped_column(String(64), primary_key=True, default=new_id)
    day_ms: Mapped[int] = mapped_column(BigInteger)
    business_service: Mapped[str] = mapped_column(CODE)
    state: Mapped[str] = mapped_column(CODE)
    applications: Mapped[int] = mapped_column(default=0)
    approved: Mapped[int] = mapped_column(default=0)
    approve_ms_sum: Mapped[int] = mapped_column(BigInteger, default=0)
