"""What every page shares: the templates, the request's context (locale, city, user, CSRF), rendering.

A page handler takes `web: WebDep`, calls the platform through `web.backend`, and answers with
`web.render("citizen/x.html", ...)` or `web.redirect(...)`; cookies the request decided on (locale,
CSRF seed) and the security headers are put on whatever it answers.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote, urlencode

import jinja2
from fastapi import Depends, FastAPI, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.datastructures import FormData

from digit.blocks.mdms.client import MDMS_CLIENT
from digit.kernel.deps import platform_of
from digit.kernel.envelope import UserInfo, UserType
from digit.kernel.network import client_address
from digit.kernel.platform import Platform
from digit.web import i18n, sessions
from digit.web.backend import ApiError, Backend

HERE = Path(__file__).parent
STATIC_DIR = HERE / "static"
STATIC_PREFIX = "/digit-ui/static"
CITIZEN_PREFIX = "/digit-ui/citizen"
EMPLOYEE_PREFIX = "/digit-ui/employee"
MAX_FORM_FILES = 10
CSP = (
    "default-src 'self'; img-src 'self' data: blob:; style-src 'self'; script-src 'self'; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'self'; object-src 'none'"
)


@cache
def templates() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(HERE / "templates"),
        autoescape=jinja2.select_autoescape(("html",)),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.globals["static"] = static_url
    env.filters["when"] = _when
    env.filters["urlquote"] = lambda value: quote(str(value), safe="")
    return env


@cache
def _asset_version(name: str) -> str:
    return hashlib.sha256((STATIC_DIR / name).read_bytes()).hexdigest()[:10]


def static_url(name: str) -> str:
    """A static asset's URL, versioned by content so browsers may cache it for long."""
    return f"{STATIC_PREFIX}/{name}?v={_asset_version(name)}"


def _when(epoch_ms: object) -> str:
    if not isinstance(epoch_ms, int | float):
        return ""
    return datetime.fromtimestamp(epoch_ms / 1000, tz=UTC).strftime("%d-%m-%Y %H:%M UTC")


@dataclass(frozen=True)
class City:
    code: str
    name: str


@dataclass
class WebContext:
    """One request as a page sees it."""

    request: Request
    platform: Platform
    app: FastAPI
    state_id: str
    locale: str
    languages: list[i18n.Language]
    t: i18n.Translator
    cities: list[City]
    city: str
    csrf: sessions.Csrf
    token: str | None
    user: UserInfo | None
    backend: Backend
    cookies: dict[str, str] = field(default_factory=dict)
    _unread: int | None = field(default=None, init=False)  # asked once per page

    @property
    def language(self) -> i18n.Language:
        return next((x for x in self.languages if x.code == self.locale), i18n.Language(self.locale, self.locale))

    def city_name(self, code: str) -> str:
        name = next((c.name for c in self.cities if c.code == code), code)
        return self.t(f"TENANT_TENANTS_{i18n.code_of(code)}", default=name)

    def url(self, path: str, **query: object) -> str:
        params = {k: v for k, v in query.items() if v not in (None, "")}
        return path + ("?" + urlencode(params) if params else "")

    def here_with(self, **query: str) -> str:
        """This page's URL with some query parameters replaced (the language switcher)."""
        params = dict(self.request.query_params)
        params.update(query)
        return self.request.url.path + "?" + urlencode(params)

    async def unread(self) -> int:
        """The citizen's unread in-app messages (the header's badge); one API call per page at most, none for
        employees, whose header has no badge."""
        if self.user is None or self.user.type != UserType.CITIZEN:
            return 0
        if self._unread is not None:
            return self._unread
        try:
            body = await self.backend.post("/egov-user-event/v1/events/notifications/_count", tenantId=self.city)
        except ApiError:
            return 0
        count = body.get("unreadCount")
        self._unread = count if isinstance(count, int) else 0
        return self._unread

    def read_all(self) -> None:
        """The citizen has just seen every message (the notifications page): the badge goes."""
        self._unread = 0

    async def render(self, template: str, *, status: int = 200, **context: Any) -> HTMLResponse:
        page = templates().get_template(template)
        unread = await self.unread()
        html = page.render(
            web=self,
            t=self.t,
            csrf_field=sessions.CSRF_FIELD,
            csrf_token=self.csrf.token,
            unread=unread,
            citizen=CITIZEN_PREFIX,
            employee=EMPLOYEE_PREFIX,
            **context,
        )
        response = HTMLResponse(html, status_code=status)
        self.finish(response)
        return response

    def redirect(self, target: str) -> Response:
        return self.finish(RedirectResponse(target, status_code=303))

    async def form(self) -> FormData | None:
        """The POSTed form, or None when its CSRF token is missing or wrong (the caller answers 403). The file
        limit is above any form's own (3 photos), so a page says "too many" next to its field itself."""
        form = await self.request.form(max_files=MAX_FORM_FILES, max_fields=50)
        return form if self.csrf.accepts(form.get(sessions.CSRF_FIELD)) else None

    async def refused(self) -> HTMLResponse:
        return await self.render(
            "error.html", status=403, title=self.t("CU_ERROR_FORBIDDEN"), detail=self.t("CU_ERROR_CSRF")
        )

    async def not_found(self) -> HTMLResponse:
        return await self.render(
            "error.html", status=404, title=self.t("CU_ERROR_NOT_FOUND"), detail=self.t("CU_ERROR_NOT_FOUND_DETAIL")
        )

    def error_text(self, error: ApiError) -> str:
        """A platform error as the citizen reads it: the localized message of its code, else a general one."""
        for code in (*error.codes, error.code):
            if self.t.has(f"CU_ERR_{code}"):
                return self.t(f"CU_ERR_{code}")
        return self.t("CU_ERR_GENERIC")

    def finish(self, response: Response) -> Response:
        for name, value in self.cookies.items():
            sessions.set_cookie(self.request, response, name, value, max_age=sessions.YEAR_S)
        if self.csrf.is_new:
            sessions.set_cookie(self.request, response, sessions.CSRF_COOKIE, self.csrf.seed)
        response.headers.setdefault("Content-Security-Policy", CSP)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault("Cache-Control", "no-store")
        return response


async def _cities(platform: Platform, state_id: str) -> list[City]:
    mdms = platform.get(MDMS_CLIENT)
    found = []
    for code in await mdms.cities_of(state_id):
        tenant = await mdms.get_tenant(code)
        found.append(City(code=code, name=(tenant.name if tenant else None) or code))
    return found


async def _state_id(platform: Platform) -> str:
    mdms = platform.get(MDMS_CLIENT)
    states = await mdms.state_tenants()
    return states[0] if states else "pb"


async def web_context(request: Request) -> WebContext:
    platform = platform_of(request)
    state_id = await _state_id(platform)
    languages = await i18n.languages(platform, state_id)
    offered = [language.code for language in languages]
    asked = request.query_params.get("locale")
    remembered = request.cookies.get(sessions.LOCALE_COOKIE)
    locale = i18n.negotiate(
        asked=asked, remembered=remembered, accept_language=request.headers.get("accept-language"), offered=offered
    )
    cookies: dict[str, str] = {}
    if asked == locale and remembered != locale:
        cookies[sessions.LOCALE_COOKIE] = locale
    cities = await _cities(platform, state_id)
    codes = [c.code for c in cities]
    asked_city = request.query_params.get("tenantId") or request.query_params.get("city")
    city = asked_city if asked_city in codes else request.cookies.get(sessions.CITY_COOKIE) or ""
    if city not in codes:
        city = codes[0] if codes else state_id
    if asked_city == city and request.cookies.get(sessions.CITY_COOKIE) != city:
        cookies[sessions.CITY_COOKIE] = city
    token, user = await sessions.session_user(platform, request)
    client = (client_address(request, platform.settings.trusted_proxies), 0)  # throttles count the real caller
    return WebContext(
        request=request,
        platform=platform,
        app=request.app,
        state_id=state_id,
        locale=locale,
        languages=languages,
        t=await i18n.translator(platform, tenant_id=city, locale=locale),
        cities=cities,
        city=city,
        csrf=sessions.Csrf(platform, request),
        token=token,
        user=user,
        backend=Backend(request.app, token=token, client=client),
        cookies=cookies,
    )


WebDep = Annotated[WebContext, Depends(web_context)]


def login_redirect(web: WebContext) -> Response:
    """To the login page, coming back here afterwards."""
    here = web.request.url.path + (f"?{web.request.url.query}" if web.request.url.query else "")
    return web.redirect(web.url(f"{CITIZEN_PREFIX}/login", next=here))


def safe_next(target: str | None) -> str:
    """Only a path on this site (no scheme, no host, no //): never an open redirect."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return CITIZEN_PREFIX
