"""Localization wire models, DIGIT's names (`code, message, module, locale`; `tenantId` beside `messages`)."""

from __future__ import annotations

from pydantic import AliasChoices, Field

from digit.kernel.envelope import RequestInfo, ResponseInfo, WireModel
from digit.kernel.paging import Csv, SearchQuery

LOCALE_PATTERN = r"^[a-z]{2,3}_[A-Z]{2}$"  # en_IN, hi_IN


class Message(WireModel):
    code: str = Field(min_length=1, max_length=512)
    message: str = Field(min_length=1)
    module: str = Field(min_length=1, max_length=255)
    locale: str = Field(pattern=LOCALE_PATTERN)


class UpsertMessagesRequest(WireModel):
    """Body of `_upsert` and `_create`."""

    request_info: RequestInfo = Field(alias="RequestInfo")
    tenant_id: str = Field(min_length=1, max_length=256)
    messages: list[Message] = Field(min_length=1)


class UpdateMessage(WireModel):
    code: str = Field(min_length=1, max_length=512)
    message: str = Field(min_length=1)


class UpdateMessagesRequest(WireModel):
    request_info: RequestInfo = Field(alias="RequestInfo")
    tenant_id: str = Field(min_length=1, max_length=256)
    locale: str = Field(pattern=LOCALE_PATTERN)
    module: str = Field(min_length=1, max_length=255)
    messages: list[UpdateMessage] = Field(min_length=1)


class MessageIdentity(WireModel):
    code: str = Field(min_length=1, max_length=512)
    module: str = Field(min_length=1, max_length=255)
    locale: str = Field(pattern=LOCALE_PATTERN)


class DeleteMessagesRequest(WireModel):
    request_info: RequestInfo = Field(alias="RequestInfo")
    tenant_id: str = Field(min_length=1, max_length=256)
    messages: list[MessageIdentity] = Field(min_length=1)


class MessagesResponse(WireModel):
    response_info: ResponseInfo = Field(alias="ResponseInfo")
    messages: list[Message]


class DeleteMessagesResponse(WireModel):
    response_info: ResponseInfo = Field(alias="ResponseInfo")
    successful: bool


class MessageSearch(SearchQuery):
    """v1 `_search` and GET criteria as query parameters (the tenant is `tenantId`, where the gate put it)."""

    locale: str = Field(pattern=LOCALE_PATTERN, description="e.g. en_IN, hi_IN")
    module: Csv = Field(description="comma-separated modules, e.g. rainmaker-pgr,rainmaker-common")
    codes: Csv = Field(description="comma-separated or repeated codes")


class MessageSearchCriteria(WireModel):
    tenant_id: str = Field(min_length=1, max_length=256)
    locale: str = Field(pattern=LOCALE_PATTERN)
    module: str | None = None  # comma-separated modules
    codes: list[str] | None = None


class SearchMessagesRequest(WireModel):
    """`/localization/messages/v2/_search`: the criteria in the body (DIGIT's `MessageRequest`)."""

    request_info: RequestInfo = Field(
        default_factory=RequestInfo, validation_alias=AliasChoices("RequestInfo", "requestInfo")
    )
    message_search_criteria: MessageSearchCriteria = Field(
        validation_alias=AliasChoices("messageSearchCriteria", "MessageSearchCriteria")
    )
