"""A person's preferences, one row per user, tenant and preference code (DIGIT's user-preference service)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from digit.kernel.db import Audited, Base, JsonType, new_id


class PreferenceRow(Audited, Base):
    """`payload` holds what the UI stores (consent per channel, preferred language): no PII by design."""

    __tablename__ = "eg_preferences_preference"
    __table_args__ = (UniqueConstraint("tenant_id", "user_id", "preference_code"),)

    id: Mapped[str] = mapped_column(String(64), primary_key=True, default=new_id)
    user_id: Mapped[str] = mapped_column(String(64), index=True)
    preference_code: Mapped[str] = mapped_column(String(64))
    payload: Mapped[dict[str, Any]] = mapped_column(JsonType, default=dict)
