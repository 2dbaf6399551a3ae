"""egov-hrms tables: employees (one per EMPLOYEE user), their assignments and jurisdictions.

No PII here: the person (name, mobile, e-mail) lives encrypted in the user block; this block keeps a
blind index of the name only, for DIGIT's `names` search.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import BigInteger, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from digit.kernel.db import Audited, Base, new_id


class EmployeeRow(Audited, Base):
    __tablename__ = "eg_hrms_employee"
    __table_args__ = (UniqueConstraint("tenant_id", "code"), UniqueConstraint("uuid"))

    id: Mapped[str] = mapped_column(primary_key=True, default=new_id)
    uuid: Mapped[str] = mapped_column(String(64))  # the user's uuid in the user block
    code: Mapped[str] = mapped_column(String(256))
    employee_status: Mapped[str | None] = mapped_column(String(250), default=None)
    employee_type: Mapped[str | None] = mapped_column(String(250), default=None)
    date_of_appointment: Mapped[int | None] = mapped_column(BigInteger, default=None)
    is_active: Mapped[bool] = mapped_column(default=True)
    name_index: Mapped[str | None] = mapped_column(String(64), default=None, index=True)
    # serviceHistory, education, tests, documents, deactivationDetails, reactivationDetails: kept as DIGIT sends them
    details: Mapped[dict[str, Any]] = mapped_column(default=dict)

    assignments: Mapped[list[AssignmentRow]] = relationship(
        back_populates="employee", cascade="all, delete-orphan", lazy="selectin", order_by="AssignmentRow.seq"
    )
    jurisdictions: Mapped[list[JurisdictionRow]] = relationship(
        back_populates="employee", cascade="all, delete-orphan", lazy="selectin", order_by="JurisdictionRow.seq"
    )


class AssignmentRow(Audited, Base):
    __tablename__ = "eg_hrms_assignment"
    __table_args__ = (Index("ix_eg_hrms_assignment_department", "department", "is_current_assignment"),)

    id: Mapped[str] = mapped_column(primary_key=True, default=new_id)
    employee_id: Mapped[str] = mapped_column(ForeignKey("eg_hrms_employee.id", ondelete="CASCADE"), index=True)
    position: Mapped[int | None] = mapped_column(BigInteger, default=None)
    department: Mapped[str] = mapped_column(String(64))
    designation: Mapped[str] = mapped_column(String(64))
    from_date: Mapped[int] = mapped_column(BigInteger)
    to_date: Mapped[int | None] = mapped_column(BigInteger, default=None)
    govt_order_number: Mapped[str | None] = mapped_column(String(128), default=None)
    reporting_to: Mapped[str | None] = mapped_column(String(64), default=None)
    is_hod: Mapped[bool] = mapped_column(default=False)
    is_current_assignment: Mapped[bool] = mapped_column(default=False)
    seq: Mapped[int] = mapped_column(default=0)  # order as sent

    employee: Mapped[EmployeeRow] = relationship(back_populates="assignments")


class JurisdictionRow(Audited, Base):
    """`tenant_id` is the jurisdiction's tenant (DIGIT's Jurisdiction.tenantId)."""

    __tablename__ = "eg_hrms_jurisdiction"

    id: Mapped[str] = mapped_column(primary_key=True, default=new_id)
    employee_id: Mapped[str] = mapped_column(ForeignKey("eg_hrms_employee.id", ondelete="CASCADE"), index=True)
    hierarchy: Mapped[str] = mapped_column(String(64))
    boundary_type: Mapped[str] = mapped_column(String(64))
    boundary: Mapped[str] = mapped_column(String(256))
    is_active: Mapped[bool] = mapped_column(default=True)
    roles: Mapped[list[Any]] = mapped_column(default=list)
    seq: Mapped[int] = mapped_column(default=0)  # order as sent

    employee: Mapped[EmployeeRow] = relationship(back_populates="jurisdictions")
