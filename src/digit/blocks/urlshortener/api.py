"""egov-url-shortening on DIGIT's paths: shorten (plain-text answer) and the redirect."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import PlainTextResponse, RedirectResponse

from digit.blocks.urlshortener import service
from digit.blocks.urlshortener.schemas import ShortenRequest
from digit.kernel.deps import CurrentActor, PlatformDep, SessionDep

router = APIRouter(prefix=service.REDIRECT_PREFIX, tags=["urlshortener"])


@router.post("/shortener", response_class=PlainTextResponse)
async def shorten(body: ShortenRequest, session: SessionDep, actor: CurrentActor, platform: PlatformDep) -> str:
    """DIGIT: `{url, validFrom, validTill}` -> the short URL as plain text."""
    code = await service.shorten(
        session,
        platform.settings,
        url=body.url,
        valid_from=body.valid_from,
        valid_till=body.valid_till,
        tenant_id=actor.tenant_id,
        actor_uuid=actor.uuid,
        now_ms=platform.clock.now_ms(),
    )
    return service.short_url(platform.settings, code)


@router.get("/{id}", response_class=RedirectResponse, status_code=302)
async def redirect(id: str, platform: PlatformDep) -> RedirectResponse:
    """Open route: 302 to the long URL while the code is valid; 404 unknown, 410 expired."""
    async with platform.read_sessions() as session:
        url = await service.resolve(session, platform.settings, code=id, now_ms=platform.clock.now_ms())
    return RedirectResponse(url, status_code=302)
