"""egov-enc-service tables: one row per key (data keys and signing keys), wrapped under the master key."""

from __future__ import annotations

from sqlalchemy import Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from digit.kernel.db import Audited, Base, new_id


class EncKeyRow(Audited, Base):
    """A state tenant's key. `tenant_id` is the state; at most one active key per (state, kind).

    `kind` SYM: an AES-256 data key; SIGN: an Ed25519 private key (its public half in `public_key`).
    `wrapped_key` = base64(nonce || AES-256-GCM(master KEK, key, aad=tenant|keyId|kind)).
    """

    __tablename__ = "eg_enc_key"
    __table_args__ = (
        Index(
            "uq_eg_enc_key_active",
            "tenant_id",
            "kind",
            unique=True,
            sqlite_where=text("active"),
            postgresql_where=text("active"),
        ),
    )

    id: Mapped[str] = mapped_column(primary_key=True, default=new_id)
    key_id: Mapped[str] = mapped_column(String(6), unique=True)
    kind: Mapped[str] = mapped_column(String(8))
    wrapped_key: Mapped[str] = mapped_column(Text)
    public_key: Mapped[str | None] = mapped_column(Text, default=None)
    active: Mapped[bool] = mapped_column(default=True)
