"""egov-localization on DIGIT's paths: `/localization/messages/v1/_search|_upsert|_create|_update|_delete`,
`v2/_search`."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncSession

from digit.blocks.localization import service
from digit.blocks.localization.schemas import (
    LOCALE_PATTERN,
    DeleteMessagesRequest,
    DeleteMessagesResponse,
    Message,
    MessagesResponse,
    SearchMessagesRequest,
    UpdateMessagesRequest,
    UpsertMessagesRequest,
)
from digit.blocks.mdms.client import MDMS_CLIENT
from digit.kernel.deps import CurrentActor, PlatformDep, SessionDep
from digit.kernel.envelope import RequestInfoBody, response_info, split_values
from digit.kernel.platform import Platform
from digit.kernel.request_tenants import TenantQuery

router = APIRouter(prefix="/localization/messages", tags=["localization"])

Locale = Annotated[str, Query(pattern=LOCALE_PATTERN, description="e.g. en_IN, hi_IN")]
TenantId = TenantQuery
Modules = Annotated[str | None, Query(description="comma-separated modules, e.g. rainmaker-pgr,rainmaker-common")]
Codes = Annotated[list[str] | None, Query(description="comma-separated or repeated codes")]


def _cache(platform: Platform) -> service.MessageCache:
    return platform.get(service.MessageCache)


def _invalidate_after_commit(session: AsyncSession, platform: Platform) -> None:
    """Drop this process's cache once the write is committed (others see the version counter)."""
    cache = _cache(platform)
    event.listen(session.sync_session, "after_commit", lambda _session: cache.invalidate(), once=True)


async def _search(
    platform: Platform, *, locale: str, tenant_id: str, module: str | None, codes: list[str] | None
) -> list[Message]:
    await service.check_tenant(platform.get(MDMS_CLIENT), tenant_id)
    messages = await _cache(platform).messages(tenant_id=tenant_id, locale=locale)
    return service.select_messages(messages, modules=split_values(module), codes=split_values(codes))


@router.post("/v1/_search")
async def search_messages(
    platform: PlatformDep,
    locale: Locale,
    tenant_id: TenantId,
    module: Modules = None,
    codes: Codes = None,
    body: RequestInfoBody | None = None,
) -> MessagesResponse:
    """DIGIT _search: a tenant's messages in a locale after the fallback city -> state -> default -> en_IN."""
    messages = await _search(platform, locale=locale, tenant_id=tenant_id, module=module, codes=codes)
    return MessagesResponse(response_info=response_info(body), messages=messages)


@router.post("/v2/_search")
async def search_messages_v2(platform: PlatformDep, body: SearchMessagesRequest) -> MessagesResponse:
    """DIGIT's v2 _search: the same search with its criteria in the body (`messageSearchCriteria`)."""
    criteria = body.message_search_criteria
    messages = await _search(
        platform, locale=criteria.locale, tenant_id=criteria.tenant_id, module=criteria.module, codes=criteria.codes
    )
    return MessagesResponse(response_info=response_info(body.request_info), messages=messages)


@router.get("")
async def get_messages(
    platform: PlatformDep, locale: Locale, tenant_id: TenantId, module: Modules = None, codes: Codes = None
) -> MessagesResponse:
    """DIGIT's GET form of the search."""
    messages = await _search(platform, locale=locale, tenant_id=tenant_id, module=module, codes=codes)
    return MessagesResponse(response_info=response_info(None), messages=messages)


@router.post("/v1/_upsert")
async def upsert_messages(
    body: UpsertMessagesRequest, session: SessionDep, actor: CurrentActor, platform: PlatformDep
) -> MessagesResponse:
    """DIGIT _upsert: create or replace messages of one tenant."""
    await service.check_tenant(platform.get(MDMS_CLIENT), body.tenant_id)
    messages = await service.upsert_messages(
        session, tenant_id=body.tenant_id, messages=body.messages, actor_uuid=actor.uuid, now_ms=platform.clock.now_ms()
    )
    _invalidate_after_commit(session, platform)
    return MessagesResponse(response_info=response_info(body.request_info), messages=messages)


@router.post("/v1/_create")
async def create_messages(
    body: UpsertMessagesRequest, session: SessionDep, actor: CurrentActor, platform: PlatformDep
) -> MessagesResponse:
    """DIGIT _create: new messages only."""
    await service.check_tenant(platform.get(MDMS_CLIENT), body.tenant_id)
    messages = await service.create_messages(
        session, tenant_id=body.tenant_id, messages=body.messages, actor_uuid=actor.uuid, now_ms=platform.clock.now_ms()
    )
    _invalidate_after_commit(session, platform)
    return MessagesResponse(response_info=response_info(body.request_info), messages=messages)


@router.post("/v1/_update")
async def update_messages(
    body: UpdateMessagesRequest, session: SessionDep, actor: CurrentActor, platform: PlatformDep
) -> MessagesResponse:
    """DIGIT _update: new text for existing messages of one module and locale."""
    await service.check_tenant(platform.get(MDMS_CLIENT), body.tenant_id)
    messages = await service.update_messages(
        session,
        tenant_id=body.tenant_id,
        locale=body.locale,
        module=body.module,
        messages=body.messages,
        actor_uuid=actor.uuid,
        now_ms=platform.clock.now_ms(),
    )
    _invalidate_after_commit(session, platform)
    return MessagesResponse(response_info=response_info(body.request_info), messages=messages)


@router.post("/v1/_delete")
async def delete_messages(
    body: DeleteMessagesRequest, session: SessionDep, actor: CurrentActor, platform: PlatformDep
) -> DeleteMessagesResponse:
    """DIGIT _delete: remove messages by (code, module, locale); `{"successful": true}`."""
    await service.check_tenant(platform.get(MDMS_CLIENT), body.tenant_id)
    await service.delete_messages(session, tenant_id=body.tenant_id, messages=body.messages)
    _invalidate_after_commit(session, platform)
    return DeleteMessagesResponse(response_info=response_info(body.request_info), successful=True)


@router.post("/cache-bust")
async def bust_cache(platform: PlatformDep, actor: CurrentActor) -> DeleteMessagesResponse:
    """DIGIT /cache-bust: drop this process's resolved messages (others follow the version counter)."""
    _cache(platform).invalidate()
    return DeleteMessagesResponse(response_info=response_info(None), successful=True)
