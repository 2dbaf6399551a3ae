"""ID generation tables: one counter row per (state tenant, sequence name)."""

from __future__ import annotations

from sqlalchemy import BigInteger, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from digit.kernel.db import Audited, Base, new_id


class SequenceRow(Audited, Base):
    """DIGIT's Postgres sequence (`SEQ_EG_PGR_ID`), as a row counted up inside the caller's transaction.

    `tenant_id` is the STATE tenant: DIGIT keeps one schema (so one set of sequences) per state, and
    per-city numbering is spelled in the format (`[SEQ_X_[TENANT_ID]]`). `last_value` is the last
    number handed out; a rolled-back transaction gives its numbers back, so numbers have no gaps.
    """

    __tablename__ = "eg_idgen_sequence"
    __table_args__ = (UniqueConstraint("tenant_id", "name"),)

    id: Mapped[str] = mapped_column(primary_key=True, default=new_id)
    name: Mapped[str] = mapped_column(String(200))
    last_value: Mapped[int] = mapped_column(BigInteger, default=0)
