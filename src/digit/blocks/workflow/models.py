"""Workflow tables: versioned business services, the append-only history, and one current-state row per
application (the optimistic-locking point, and the index the inbox and the escalation scheduler query)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import BigInteger, Boolean, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from digit.kernel.db import Audited, Base, new_id


class BusinessServiceRow(Audited, Base):
    """One version of a business service config; `uuid` stays the same across versions, as in DIGIT."""

    __tablename__ = "eg_workflow_business_service"
    __table_args__ = (
        UniqueConstraint("tenant_id", "business_service", "version"),
        Index("ix_eg_workflow_business_service_latest", "business_service", "tenant_id", "is_latest"),
    )

    id: Mapped[str] = mapped_column(String(64), primary_key=True, default=new_id)
    uuid: Mapped[str] = mapped_column(String(64))
    business_service: Mapped[str] = mapped_column(String(128))
    business: Mapped[str | None] = mapped_column(String(128), default=None)
    business_service_sla: Mapped[int | None] = mapped_column(BigInteger, default=None)
    get_uri: Mapped[str | None] = mapped_column(String(512), default=None)
    post_uri: Mapped[str | None] = mapped_column(String(512), default=None)
    version: Mapped[int] = mapped_column(Integer, default=1)
    is_latest: Mapped[bool] = mapped_column(Boolean, default=True)
    states: Mapped[list[Any]]


class ProcessInstanceRow(Audited, Base):
    """One step of an application's history. Rows are only ever inserted."""

    __tablename__ = "eg_workflow_process_instance"
    __table_args__ = (
        UniqueConstraint("tenant_id", "business_service", "business_id", "step"),
        Index("ix_eg_workflow_process_instance_business_id", "business_id", "tenant_id"),
    )

    id: Mapped[str] = mapped_column(String(64), primary_key=True, default=new_id)
    business_service: Mapped[str] = mapped_column(String(128))
    business_id: Mapped[str] = mapped_column(String(128))
    module_name: Mapped[str | None] = mapped_column(String(64), default=None)
    step: Mapped[int] = mapped_column(Integer)
    config_id: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(128))
    from_state: Mapped[str | None] = mapped_column(String(64), default=None)  # state uuid
    status: Mapped[str] = mapped_column(String(64))  # resultant state uuid (DIGIT's column name)
    state_name: Mapped[str | None] = mapped_column(String(128), default=None)
    application_status: Mapped[str | None] = mapped_column(String(128), default=None)
    previous_status: Mapped[str | None] = mapped_column(String(128), default=None)
    comment: Mapped[str | None] = mapped_column(Text, default=None)
    documents: Mapped[list[Any]] = mapped_column(default=list)
    assigner: Mapped[str] = mapped_column(String(64))
    assignees: Mapped[list[Any]] = mapped_column(default=list)  # [{uuid, type}]
    state_sla: Mapped[int | None] = mapped_column(BigInteger, default=None)
    business_service_sla: Mapped[int | None] = mapped_column(BigInteger, default=None)
    rating: Mapped[int | None] = mapped_column(Integer, default=None)
    escalated: Mapped[bool] = mapped_column(Boolean, default=False)
    additional_details: Mapped[dict[str, Any] | None] = mapped_column(default=None)


class CurrentStateRow(Audited, Base):
    """Where an application stands now. Every transition updates it `WHERE row_version = <read>`, so two
    transitions racing on one application cannot both win; it also serves search, inbox and escalation."""

    __tablename__ = "eg_workflow_current_state"
    __table_args__ = (
        UniqueConstraint("tenant_id", "business_service", "business_id"),
        # the inbox's counts read this index only (no table rows)
        Index(
            "ix_eg_workflow_current_state_inbox",
            "tenant_id",
            "business_service",
            "module_name",
            "is_terminal",
            "application_status",
            "state_uuid",
            "business_sla_due_ms",
        ),
        # the same counts for a locality filter (the inbox page's own filter), still from the index alone
        Index(
            "ix_eg_workflow_current_state_inbox_locality",
            "tenant_id",
            "business_service",
            "module_name",
            "locality",
            "is_terminal",
            "application_status",
            "state_uuid",
            "business_sla_due_ms",
        ),
        # the inbox's pages walk one of these in order and stop after `limit` rows
        Index("ix_eg_workflow_current_state_by_created", "tenant_id", "created_time", "id"),
        Index("ix_eg_workflow_current_state_by_modified", "tenant_id", "last_modified_time", "id"),
        Index("ix_eg_workflow_current_state_by_sla", "tenant_id", "business_sla_due_ms", "id"),
        Index("ix_eg_workflow_current_state_due", "business_service", "state_name", "state_sla_due_ms"),
        # look-ups by businessId alone (a module's search asks for the latest state of its page of ids)
        Index("ix_eg_workflow_current_state_business_id", "business_id", "tenant_id"),
    )

    id: Mapped[str] = mapped_column(String(64), primary_key=True, default=new_id)
    business_service: Mapped[str] = mapped_column(String(128))
    business_id: Mapped[str] = mapped_column(String(128))
    module_name: Mapped[str | None] = mapped_column(String(64), default=None)
    config_id: Mapped[str] = mapped_column(String(64))
    step: Mapped[int] = mapped_column(Integer)
    last_instance_id: Mapped[str] = mapped_column(String(64))
    state_uuid: Mapped[str] = mapped_column(String(64))
    state_name: Mapped[str | None] = mapped_column(String(128), default=None)
    application_status: Mapped[str | None] = mapped_column(String(128), default=None)
    is_terminal: Mapped[bool] = mapped_column(Boolean, default=False)
    state_sla_due_ms: Mapped[int | None] = mapped_column(BigInteger, default=None)
    business_sla_due_ms: Mapped[int | None] = mapped_column(BigInteger, default=None)
    locality: Mapped[str | None] = mapped_column(String(128), default=None, index=True)
    applicant: Mapped[str | None] = mapped_column(String(64), default=None)  # uuid of the citizen who applied
    attributes: Mapped[dict[str, Any]] = mapped_column(default=dict)  # codes the module passed (no PII)


class AssigneeRow(Audited, Base):
    """Who an application is assigned to now (one row per assignee), for `assignee = me` queries."""

    __tablename__ = "eg_workflow_assignee"
    __table_args__ = (
        UniqueConstraint("current_id", "assignee"),
        Index("ix_eg_workflow_assignee_assignee", "assignee", "tenant_id"),
    )

    id: Mapped[str] = mapped_column(String(64), primary_key=True, default=new_id)
    current_id: Mapped[str] = mapped_column(String(64), index=True)
    assignee: Mapped[str] = mapped_column(String(64))
