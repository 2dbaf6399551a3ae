"""DIGIT's user-preference service (`/user-preference/v1/_search|_upsert`): the citizen profile's consent page."""

from __future__ import annotations

from fastapi import APIRouter

from digit.blocks.preferences import service
from digit.blocks.preferences.schemas import PreferenceResponse, SearchPreferenceRequest, UpsertPreferenceRequest
from digit.kernel.deps import CurrentActor, PlatformDep, ReadSessionDep, SessionDep
from digit.kernel.envelope import response_info
from digit.kernel.request_tenants import AuthorisedTenants

router = APIRouter(prefix="/user-preference/v1", tags=["preferences"])


@router.post("/_upsert")
async def upsert_preference(
    body: UpsertPreferenceRequest,
    session: SessionDep,
    actor: CurrentActor,
    platform: PlatformDep,
    authorised: AuthorisedTenants,
) -> PreferenceResponse:
    """Create or replace the caller's preference (`preferenceCode`, `payload`) in a tenant."""
    saved = await service.upsert_preference(
        session, preference=body.preference, authorised=authorised, actor=actor, now_ms=platform.clock.now_ms()
    )
    return PreferenceResponse(response_info=response_info(body.request_info), preferences=[saved])


@router.post("/_search")
async def search_preferences(
    body: SearchPreferenceRequest, session: ReadSessionDep, actor: CurrentActor, authorised: AuthorisedTenants
) -> PreferenceResponse:
    """The caller's preferences in a tenant, one `preferenceCode` or all."""
    found = await service.search_preferences(session, criteria=body.criteria, authorised=authorised, actor=actor)
    return PreferenceResponse(response_info=response_info(body.request_info), preferences=found)
