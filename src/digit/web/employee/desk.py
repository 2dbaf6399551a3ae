"""What every employee page shares: who may open which screen, the menu, the 403 page.

Each screen names the platform routes it calls to do its work (`Screen.needs`). Whether a user sees a
screen in the menu, and may open it, is decided by the role-action data the access gate itself uses:
the actions `/access/v1/actions/mdms/_get` returns for the user's roles in the working city must
include every route the screen needs. So no list of roles lives in the UI: granting a role an action
in MDMS shows the screen; the API would refuse the calls anyway.

Every employee page needs those routes, so they come from the access block's client
(`AccessClient.routes_for`), which keeps them per city and set of roles while the gate's role-action index is
the same: a role-action or action change in any process moves MDMS's version counter (looked at every
`mdms_cache_check_ms`), the index is rebuilt and the routes read again. A role change of the user needs
nothing: the key is the roles the session's user holds now. Without the access block served here, the
routes come from the access API (`_routes_from_api`).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from fastapi.responses import Response
from starlette.datastructures import FormData

from digit.blocks.access.client import ACCESS_CLIENT, AccessClient
from digit.kernel.envelope import UserType
from digit.kernel.platform import Key, Platform
from digit.kernel.security import Actor
from digit.web.backend import ApiError
from digit.web.layout import EMPLOYEE_PREFIX, WebContext


@dataclass(frozen=True)
class Screen:
    key: str  # the menu label's message code
    path: str  # under EMPLOYEE_PREFIX
    needs: tuple[str, ...]  # the platform routes the screen calls (action urls as MDMS spells them)


INBOX = Screen("EU_MENU_INBOX", "/inbox", ("/inbox/v2/_search", "/pgr-services/v2/request/_search"))
COMPLAINT = Screen("EU_MENU_INBOX", "/inbox", ("/pgr-services/v2/request/_search",))
FILE_COMPLAINT = Screen("EU_MENU_FILE_COMPLAINT", "/pgr/create-complaint", ("/pgr-services/v2/request/_create",))
COLLECT = Screen("EU_MENU_COLLECT", "/collect", ("/collection-services/payments/_create",))
HRMS = Screen("EU_MENU_HRMS", "/hrms", ("/egov-hrms/employees/_create", "/egov-hrms/employees/_update"))
DSS_PGR = Screen("EU_MENU_DSS_PGR", "/dss/dashboard/pgr", ("/dashboard-analytics/dashboard/getChartV2",))
DSS_REVENUE = Screen("EU_MENU_DSS_REVENUE", "/dss/dashboard/revenue", ("/dashboard-analytics/dashboard/getChartV2",))
DSS_SERVICES = Screen("EU_MENU_DSS_SERVICES", "/dss/dashboard/services", ("/dashboard-analytics/dashboard/getChartV2",))
# the administrator's screens (pages in digit.web.admin)
MDMS_SEARCH = "/mdms-v2/v2/_search"
MASTERS = Screen(
    "EU_MENU_MDMS",
    "/workbench/mdms",
    ("/mdms-v2/schema/v1/_search", MDMS_SEARCH, "/mdms-v2/v2/_create/{schemaCode}", "/mdms-v2/v2/_update/{schemaCode}"),
)
COMPLAINT_TYPES = Screen(
    "EU_MENU_COMPLAINT_TYPE",
    "/workbench/complaint-type",
    (MDMS_SEARCH, "/mdms-v2/v2/_create/{schemaCode}", "/localization/messages/v1/_upsert"),
)
MESSAGES = Screen(
    "EU_MENU_MESSAGES",
    "/workbench/localization",
    ("/localization/messages/v1/_search", "/localization/messages/v1/_upsert"),
)
WORKFLOW = Screen(  # who may change a workflow may see it drawn
    "EU_MENU_WORKFLOW",
    "/workbench/workflow",
    ("/egov-workflow-v2/egov-wf/businessservice/_search", "/egov-workflow-v2/egov-wf/businessservice/_update"),
)
MENU = (
    INBOX,
    FILE_COMPLAINT,
    COLLECT,
    HRMS,
    DSS_PGR,
    DSS_REVENUE,
    DSS_SERVICES,
    MASTERS,
    COMPLAINT_TYPES,
    MESSAGES,
    WORKFLOW,
)
MenuSource = Callable[["Desk"], Awaitable[list[Screen]]]
"""Screens that come from data (configured services' inboxes, digit.web.services), asked on every page."""


class EmployeeDesks:
    """What the employee pages share in one process: the menu's data-driven sources (registered at install)
    and the access block's client, which keeps the routes each set of roles reaches in a city."""

    def __init__(self, access: AccessClient | None) -> None:
        self._access = access
        self._sources: list[MenuSource] = []

    @property
    def menu_sources(self) -> tuple[MenuSource, ...]:
        return tuple(self._sources)

    def add_menu_source(self, source: MenuSource) -> None:
        """Offer the source's screens in every employee's menu (those the user's routes reach); once each."""
        if source not in self._sources:
            self._sources.append(source)

    async def routes(self, web: WebContext) -> frozenset[str]:
        """The action urls the user's roles in the working city map to: the gate's data, kept by the access
        client per generation of the role-action masters and set of roles."""
        if self._access is None or web.user is None:  # the access block is not served here
            return await _routes_from_api(web)
        roles = Actor.of(web.user).role_codes_in(web.city)
        return await self._access.routes_for(tenant_id=web.city, role_codes=roles)


EMPLOYEE_DESKS = Key[EmployeeDesks](EmployeeDesks)
"""The platform key of the employee pages' per-process state."""


def install(platform: Platform) -> None:
    """Made once per platform, after the blocks (the access block's client, when it is served)."""
    platform.provide(EMPLOYEE_DESKS, EmployeeDesks(platform.find(ACCESS_CLIENT)))


@dataclass
class Desk:
    """An employee page once the gate let it open: the user's routes and menu, and rendering with them."""

    web: WebContext
    routes: frozenset[str]
    current: Screen | None = None
    menu: list[Screen] = field(default_factory=list)

    def may(self, screen: Screen) -> bool:
        return all(route in self.routes for route in screen.needs)

    async def render(self, template: str, *, status: int = 200, **context: Any) -> Response:
        return await self.web.render(template, status=status, menu=self.menu, current=self.current, **context)

    async def refused(self) -> Response:
        """The 403 page (never a stack trace) for a screen the roles do not reach."""
        t = self.web.t
        return await self.render(
            "employee/error.html", status=403, title=t("EU_FORBIDDEN"), detail=t("EU_FORBIDDEN_DETAIL")
        )

    async def not_found(self) -> Response:
        t = self.web.t
        return await self.render(
            "employee/error.html", status=404, title=t("CU_ERROR_NOT_FOUND"), detail=t("CU_ERROR_NOT_FOUND_DETAIL")
        )


def login_redirect(web: WebContext) -> Response:
    here = web.request.url.path + (f"?{web.request.url.query}" if web.request.url.query else "")
    return web.redirect(web.url(f"{EMPLOYEE_PREFIX}/login", next=here))


async def _routes_from_api(web: WebContext) -> frozenset[str]:
    """The action urls the user's roles in the working city map to, as the access API answers."""
    try:
        body = await web.backend.post("/access/v1/actions/mdms/_get", {"tenantId": web.city})
    except ApiError:
        return frozenset()
    return frozenset(str(a.get("url")) for a in body.get("actions") or [] if isinstance(a, dict) and a.get("url"))


async def open_desk(web: WebContext, screen: Screen | None) -> Desk | Response:
    """The desk for this screen, or the answer instead: to login without a session, 403 without the routes."""
    if web.user is None or web.user.type != UserType.EMPLOYEE:
        return login_redirect(web)
    desks = web.platform.get(EMPLOYEE_DESKS)
    desk = Desk(web=web, routes=await desks.routes(web), current=screen)
    desk.menu = [s for s in MENU if desk.may(s)]
    for source in desks.menu_sources:
        desk.menu.extend(s for s in await source(desk) if desk.may(s))
    if screen is not None and not desk.may(screen):
        return await desk.refused()
    return desk


async def open_desk_form(web: WebContext, screen: Screen) -> tuple[Desk, FormData] | Response:
    """The desk for this screen and the form POSTed to it, or the answer instead: to login without a session,
    403 without the routes or without the form's CSRF token."""
    desk = await open_desk(web, screen)
    if not isinstance(desk, Desk):
        return desk
    form = await web.form()
    if form is None:
        return await web.refused()
    return desk, form


def sla_left(ms: object) -> dict[str, Any] | None:
    """SLA left as whole days and hours (negative: overdue), for the inbox and the complaint page."""
    if not isinstance(ms, int | float):
        return None
    hours = int(abs(ms) // 3_600_000)
    return {"overdue": ms < 0, "days": hours // 24, "hours": hours % 24}
