"""DIGIT's shorten request: `{url, validFrom, validTill}` (epoch ms; RequestInfo optional)."""

from __future__ import annotations

from pydantic import Field

from digit.kernel.envelope import RequestInfo, WireModel


class ShortenRequest(WireModel):
    request_info: RequestInfo | None = Field(default=None, alias="RequestInfo")
    url: str = Field(min_length=1, max_length=4096)
    valid_from: int | None = None
    valid_till: int | None = None
