"""Browser sessions and CSRF for the web UI.

- The session cookie holds the platform's own opaque access token (what `/user/oauth/token` issued);
  the web UI keeps no session store of its own. The token is checked by the platform's access
  provider on every page, so a logout or a revoked token ends the web session too.
- Cookies are HttpOnly and SameSite=Lax, and Secure when the page is served over https: the request's own
  scheme, or `X-Forwarded-Proto: https` from a proxy the platform trusts (`trusted_proxies`, the same list that
  decides whose X-Forwarded-For is believed), since TLS usually ends at such a proxy.
- CSRF: a random per-browser value in an HttpOnly cookie; every form carries HMAC(server key, that
  value), and a POST without the matching field is refused before anything happens.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

from fastapi import Request, Response

from digit.kernel.deps import platform_of
from digit.kernel.envelope import UserInfo
from digit.kernel.network import is_address_in
from digit.kernel.platform import Platform
from digit.kernel.security import ACCESS_PROVIDER

SESSION_COOKIE = "digit_session"
CSRF_COOKIE = "digit_csrf"
LOCALE_COOKIE = "digit_locale"
CITY_COOKIE = "digit_city"
CSRF_FIELD = "csrf_token"
YEAR_S = 365 * 24 * 3600


def is_https(request: Request) -> bool:
    if request.url.scheme == "https":
        return True
    proxies = platform_of(request).settings.trusted_proxies
    peer = request.client.host if request.client else ""
    forwarded = request.headers.get("x-forwarded-proto", "").split(",")[0].strip().lower()
    return forwarded == "https" and bool(proxies) and is_address_in(peer, proxies)


def set_cookie(request: Request, response: Response, name: str, value: str, *, max_age: int | None = None) -> None:
    response.set_cookie(
        name,
        value,
        max_age=max_age,
        path="/",
        httponly=True,
        samesite="lax",
        secure=is_https(request),
    )


def clear_cookie(request: Request, response: Response, name: str) -> None:
    response.delete_cookie(name, path="/", httponly=True, samesite="lax", secure=is_https(request))


def _csrf_key(platform: Platform) -> bytes:
    master = platform.settings.master_key.get_secret_value().encode()
    return hmac.new(master, b"digit-web-csrf-v1", hashlib.sha256).digest()


class Csrf:
    """The browser's CSRF seed (cookie) and the token its forms carry."""

    def __init__(self, platform: Platform, request: Request) -> None:
        seed = request.cookies.get(CSRF_COOKIE) or ""
        self.is_new = len(seed) < 32
        self.seed = secrets.token_urlsafe(32) if self.is_new else seed
        self._key = _csrf_key(platform)

    @property
    def token(self) -> str:
        return hmac.new(self._key, self.seed.encode(), hashlib.sha256).hexdigest()

    def accepts(self, submitted: object) -> bool:
        """A POST is genuine when its form token matches the seed the browser already held."""
        return not self.is_new and isinstance(submitted, str) and hmac.compare_digest(submitted, self.token)


async def session_user(platform: Platform, request: Request) -> tuple[str | None, UserInfo | None]:
    """The session cookie's token and the user it stands for (None for none, expired or revoked)."""
    token = request.cookies.get(SESSION_COOKIE)
    if not token:
        return None, None
    provider = platform.find(ACCESS_PROVIDER)
    user = await provider.authenticate(token) if provider is not None else None
    return (token, user) if user is not None else (None, None)
