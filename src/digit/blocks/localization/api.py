"""egov-localization on DIGIT's paths: `/localization/messages/v1/_search|_upsert|_create|_update|_delete`,
`v2/_search`."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query

from digit.blocks.localization import service
from digit.blocks.localization.schemas import (
    DeleteMessagesRequest,
    DeleteMessagesResponse,
    MessageSearch,
    MessagesResponse,
    SearchMessagesRequest,
    UpdateMessagesRequest,
    UpsertMessagesRequest,
)
from digit.kernel.deps import CurrentActor, PlatformDep, SessionDep
from digit.kernel.envelope import RequestInfoBody, response_info
from digit.kernel.request_tenants import TenantQuery

router = APIRouter(prefix="/localization/messages", tags=["localization"])

TenantId = TenantQuery


async def _localization(platform: PlatformDep) -> service.Localization:
    return platform.get(service.Localization)


LocalizationDep = Annotated[service.Localization, Depends(_localization)]


@router.post("/v1/_search")
async def search_messages(
    localization: LocalizationDep,
    tenant_id: TenantId,
    criteria: Annotated[MessageSearch, Query()],
    body: RequestInfoBody | None = None,
) -> MessagesResponse:
    """DIGIT _search: a tenant's messages in a locale after the fallback city -> state -> default -> en_IN."""
    messages = await localization.search(tenant_id=tenant_id, criteria=criteria)
    return MessagesResponse(response_info=response_info(body), messages=messages)


@router.post("/v2/_search")
async def search_messages_v2(localization: LocalizationDep, body: SearchMessagesRequest) -> MessagesResponse:
    """DIGIT's v2 _search: the same search with its criteria in the body (`messageSearchCriteria`)."""
    criteria = body.message_search_criteria
    messages = await localization.search(tenant_id=criteria.tenant_id, criteria=criteria)
    return MessagesResponse(response_info=response_info(body.request_info), messages=messages)


@router.get("")
async def get_messages(
    localization: LocalizationDep, tenant_id: TenantId, criteria: Annotated[MessageSearch, Query()]
) -> MessagesResponse:
    """DIGIT's GET form of the search."""
    messages = await localization.search(tenant_id=tenant_id, criteria=criteria)
    return MessagesResponse(response_info=response_info(None), messages=messages)


@router.post("/v1/_upsert")
async def upsert_messages(
    body: UpsertMessagesRequest, session: SessionDep, actor: CurrentActor, localization: LocalizationDep
) -> MessagesResponse:
    """DIGIT _upsert: create or replace messages of one tenant."""
    messages = await localization.upsert(
        session, tenant_id=body.tenant_id, messages=body.messages, actor_uuid=actor.uuid
    )
    return MessagesResponse(response_info=response_info(body.request_info), messages=messages)


@router.post("/v1/_create")
async def create_messages(
    body: UpsertMessagesRequest, session: SessionDep, actor: CurrentActor, localization: LocalizationDep
) -> MessagesResponse:
    """DIGIT _create: new messages only."""
    messages = await localization.create(
        session, tenant_id=body.tenant_id, messages=body.messages, actor_uuid=actor.uuid
    )
    return MessagesResponse(response_info=response_info(body.request_info), messages=messages)


@router.post("/v1/_update")
async def update_messages(
    body: UpdateMessagesRequest, session: SessionDep, actor: CurrentActor, localization: LocalizationDep
) -> MessagesResponse:
    """DIGIT _update: new text for existing messages of one module and locale."""
    messages = await localization.update(
        session,
        tenant_id=body.tenant_id,
        locale=body.locale,
        module=body.module,
        messages=body.messages,
        actor_uuid=actor.uuid,
    )
    return MessagesResponse(response_info=response_info(body.request_info), messages=messages)


@router.post("/v1/_delete")
async def delete_messages(
    body: DeleteMessagesRequest, session: SessionDep, actor: CurrentActor, localization: LocalizationDep
) -> DeleteMessagesResponse:
    """DIGIT _delete: remove messages by (code, module, locale); `{"successful": true}`."""
    await localization.delete(session, tenant_id=body.tenant_id, messages=body.messages)
    return DeleteMessagesResponse(response_info=response_info(body.request_info), successful=True)


@router.post("/cache-bust")
async def bust_cache(localization: LocalizationDep, actor: CurrentActor) -> DeleteMessagesResponse:
    """DIGIT /cache-bust: drop this process's resolved messages (others follow the version counter)."""
    localization.bust_cache()
    return DeleteMessagesResponse(response_info=response_info(None), successful=True)
