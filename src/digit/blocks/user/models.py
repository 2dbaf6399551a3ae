"""egov-user tables: users (PII encrypted, blind indexes for exact search), roles, tokens, OTPs, logins, PII audit.

No column holds PII in clear: user name, name, mobile number, email and addresses live in one
encrypted JSON blob (`pii`); exact search goes through keyed hashes (`*_index`). Tokens and OTPs
are stored as hashes only.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import BigInteger, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from digit.kernel.db import Audited, Base, new_id

AUTO_ID = BigInteger().with_variant(Integer(), "sqlite")


class UserRow(Audited, Base):
    __tablename__ = "eg_user_user"
    __table_args__ = (
        UniqueConstraint("tenant_id", "type", "user_name_index"),
        Index("ix_eg_user_user_mobile", "mobile_index"),
        # one user per mobile number, tenant and user type (NULLs, users without a number, never clash)
        Index("ux_eg_user_user_mobile_per_type", "tenant_id", "type", "mobile_index", unique=True),
        Index("ix_eg_user_user_email", "email_index"),
    )

    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer(), "sqlite"), primary_key=True, autoincrement=True
    )
    uuid: Mapped[str] = mapped_column(String(64), unique=True, default=new_id)
    type: Mapped[str] = mapped_column(String(32))  # CITIZEN | EMPLOYEE | SYSTEM
    user_name_index: Mapped[str] = mapped_column(String(128))
    mobile_index: Mapped[str | None] = mapped_column(String(128), default=None)
    email_index: Mapped[str | None] = mapped_column(String(128), default=None)
    name_index: Mapped[str | None] = mapped_column(String(128), default=None)
    pii: Mapped[str] = mapped_column(Text)  # encrypted JSON: userName, name, mobileNumber, emailId, addresses, ...
    password_hash: Mapped[str | None] = mapped_column(Text, default=None)
    pwd_expiry_date: Mapped[int | None] = mapped_column(BigInteger, default=None)
    active: Mapped[bool] = mapped_column(default=True)
    account_locked: Mapped[bool] = mapped_column(default=False)
    account_locked_date: Mapped[int | None] = mapped_column(BigInteger, default=None)
    locale: Mapped[str | None] = mapped_column(String(16), default=None)
    salutation: Mapped[str | None] = mapped_column(String(16), default=None)
    gender: Mapped[str | None] = mapped_column(String(16), default=None)
    country_code: Mapped[str | None] = mapped_column(String(8), default=None)
    extra: Mapped[dict[str, Any]] = mapped_column(default=dict)  # non-PII DIGIT fields (photo id, blood group, ...)

    roles: Mapped[list[RoleRow]] = relationship(
        back_populates="user", cascade="all, delete-orphan", lazy="selectin", order_by="RoleRow.id"
    )


class RoleRow(Audited, Base):
    """One role granted in one tenant (`tenant_id` is the tenant the role is granted in)."""

    __tablename__ = "eg_user_role"
    __table_args__ = (
        UniqueConstraint("user_id", "code", "tenant_id"),
        Index("ix_eg_user_role_code", "code", "tenant_id"),
    )

    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer(), "sqlite"), primary_key=True, autoincrement=True
    )
    user_id: Mapped[int] = mapped_column(ForeignKey("eg_user_user.id", ondelete="CASCADE"), index=True)
    code: Mapped[str] = mapped_column(String(64))
    name: Mapped[str | None] = mapped_column(String(128), default=None)

    user: Mapped[UserRow] = relationship(back_populates="roles")


class TokenRow(Audited, Base):
    """An access or refresh token, by its SHA-256.

    `session_id` ties the access/refresh pair of one issue together; `family_id` ties every pair
    descended from one login by refresh grants (a replayed refresh token revokes the whole family).
    """

    __tablename__ = "eg_user_token"
    __table_args__ = (
        Index("ix_eg_user_token_session", "session_id"),
        Index("ix_eg_user_token_family", "family_id"),
    )

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))  # access | refresh
    session_id: Mapped[str] = mapped_column(String(64))
    family_id: Mapped[str] = mapped_column(String(64))
    user_id: Mapped[int] = mapped_column(ForeignKey("eg_user_user.id", ondelete="CASCADE"), index=True)
    expires_at: Mapped[int] = mapped_column(BigInteger)
    revoked: Mapped[bool] = mapped_column(default=False)


class OtpRow(Audited, Base):
    """A one-time password sent to a mobile number, stored as a keyed hash; single use, expiring."""

    __tablename__ = "eg_user_otp"
    __table_args__ = (Index("ix_eg_user_otp_mobile", "mobile_index", "purpose", "created_time"),)

    id: Mapped[str] = mapped_column(String(64), primary_key=True, default=new_id)
    mobile_index: Mapped[str] = mapped_column(String(128))
    purpose: Mapped[str] = mapped_column(String(32))  # register | login | passwordreset
    user_type: Mapped[str] = mapped_column(String(32))
    code_hash: Mapped[str] = mapped_column(String(128))
    expires_at: Mapped[int] = mapped_column(BigInteger)
    used: Mapped[bool] = mapped_column(default=False)
    failed_attempts: Mapped[int] = mapped_column(default=0)


class LoginAttemptRow(Audited, Base):
    """Every password/OTP login attempt of a known account, with the client address it came from.

    The lockout rule counts the failures per account AND address (never storing the password); the
    failure that reaches the threshold carries `locks_until`, which refuses that account from that
    address only, until then.
    """

    __tablename__ = "eg_user_login_attempt"
    __table_args__ = (Index("ix_eg_user_login_attempt_user", "user_id", "created_time"),)

    id: Mapped[str] = mapped_column(String(64), primary_key=True, default=new_id)
    user_id: Mapped[int] = mapped_column(ForeignKey("eg_user_user.id", ondelete="CASCADE"))
    successful: Mapped[bool]
    client_address: Mapped[str | None] = mapped_column(String(64), default=None)
    locks_until: Mapped[int | None] = mapped_column(BigInteger, default=None)


class ThrottleHitRow(Audited, Base):
    """One counted request of a throttle: `scope` names the rule, `subject` what it counts per
    (a client address, or a mobile number's blind index: never a number in clear). Rows older than
    every window are pruned in the background."""

    __tablename__ = "eg_user_throttle_hit"
    __table_args__ = (
        Index("ix_eg_user_throttle_hit_subject", "scope", "subject", "created_time"),
        Index("ix_eg_user_throttle_hit_time", "created_time"),
    )

    id: Mapped[str] = mapped_column(String(64), primary_key=True, default=new_id)
    scope: Mapped[str] = mapped_column(String(32))  # login-failure | otp-send-address | otp-send-number
    subject: Mapped[str] = mapped_column(String(128))


class PiiAuditRow(Audited, Base):
    """One unmasked read of another person's PII: who read whose fields, why, when (created_time)."""

    __tablename__ = "eg_user_pii_audit"
    __table_args__ = (Index("ix_eg_user_pii_audit_subject", "subject_uuid", "created_time"),)

    id: Mapped[str] = mapped_column(String(64), primary_key=True, default=new_id)
    accessor_uuid: Mapped[str] = mapped_column(String(64), index=True)
    subject_uuid: Mapped[str] = mapped_column(String(64))
    fields: Mapped[list[Any]]
    purpose: Mapped[str | None] = mapped_column(String(256), default=None)
