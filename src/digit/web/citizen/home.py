"""The citizen app's home (city and language, what one can do) and the in-app notifications."""

from __future__ import annotations

import contextlib
from typing import Any

from fastapi import APIRouter
from fastapi.responses import Response

from digit.web.backend import ApiError, answered
from digit.web.layout import CITIZEN_PREFIX, WebDep, login_redirect

router = APIRouter(prefix=CITIZEN_PREFIX, include_in_schema=False)


@router.get("")
@router.get("/")
async def home(web: WebDep) -> Response:
    from digit.web.services.citizen import service_cards  # the services package builds on the citizen app

    return await web.render("citizen/home.html", services=await service_cards(web))


@router.get("/notifications")
async def notifications(web: WebDep) -> Response:
    """The citizen's in-app messages, newest first; opening the page marks them seen."""
    if web.user is None:
        return login_redirect(web)
    found = await answered(web.backend.post("/egov-user-event/v1/events/_search", tenantId=c.code) for c in web.cities)
    events: list[dict[str, Any]] = [e for body in found for e in body.get("events") or []]
    events.sort(key=lambda e: (e.get("auditDetails") or {}).get("createdTime") or 0, reverse=True)
    unread_before = await web.unread()
    with contextlib.suppress(ApiError):  # seen-marking is a nicety; the list is what matters
        await web.backend.post("/egov-user-event/v1/events/lat/_update", tenantId=web.city)
        web.read_all()
    items = [
        {
            "name": e.get("name"),
            "description": e.get("description"),
            "when": (e.get("auditDetails") or {}).get("createdTime"),
            "link": _local_link((e.get("actions") or {}).get("actionUrls") or []),
        }
        for e in events
    ]
    return await web.render("citizen/notifications.html", items=items, unread_before=unread_before)


def _local_link(action_urls: list[dict[str, Any]]) -> str | None:
    """The event's action URL when it points into this app (never an outside site)."""
    for action in action_urls:
        url = str(action.get("actionUrl") or "")
        if url.startswith("/digit-ui/citizen/"):
            return url
    return None
