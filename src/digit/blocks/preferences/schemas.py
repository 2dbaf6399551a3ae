"""user-preference wire models, as DIGIT's UI sends them (`preference{...}`, `criteria{...}`)."""

from __future__ import annotations

from typing import Any

from pydantic import ConfigDict, Field

from digit.kernel.envelope import RequestInfo, ResponseInfo, WireModel
from digit.kernel.inputs import Offset

CODE = r"^[A-Za-z0-9_.-]{1,64}$"


class Preference(WireModel):
    model_config = ConfigDict(extra="ignore")

    id: str | None = None
    user_id: str | None = Field(default=None, max_length=64)  # the caller when left out
    tenant_id: str = Field(min_length=1, max_length=128)
    preference_code: str = Field(pattern=CODE)
    payload: dict[str, Any] = Field(default_factory=dict)
    audit_details: dict[str, Any] | None = None


class UpsertPreferenceRequest(WireModel):
    request_info: RequestInfo = Field(default_factory=RequestInfo, alias="RequestInfo")
    preference: Preference


class PreferenceCriteria(WireModel):
    model_config = ConfigDict(extra="ignore")

    user_id: str | None = Field(default=None, max_length=64)
    tenant_id: str = Field(min_length=1, max_length=128)
    preference_code: str | None = Field(default=None, pattern=CODE)
    limit: int = Field(default=100, ge=1, le=1000)
    offset: Offset = 0


class SearchPreferenceRequest(WireModel):
    request_info: RequestInfo = Field(default_factory=RequestInfo, alias="RequestInfo")
    criteria: PreferenceCriteria


class PreferenceResponse(WireModel):
    response_info: ResponseInfo = Field(alias="ResponseInfo")
    preferences: list[Preference]
