"""Short codes and the URLs they stand for."""

from __future__ import annotations

from sqlalchemy import BigInteger, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from digit.kernel.db import Audited, Base


class ShortUrlRow(Audited, Base):
    __tablename__ = "eg_urlshortener_url"

    id: Mapped[str] = mapped_column(String(16), primary_key=True)  # the short code
    url: Mapped[str] = mapped_column(Text)
    url_hash: Mapped[str] = mapped_column(String(64), index=True)
    valid_from: Mapped[int | None] = mapped_column(BigInteger, default=None)
    valid_till: Mapped[int | None] = mapped_column(BigInteger, default=None)
