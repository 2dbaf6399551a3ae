"""Opening and closing a web session, the same for citizens and employees.

`/user/oauth/token` issues the platform's own token (a citizen's password is the login OTP, an employee's is
their password); the session cookie holds it, for as long as the token lives. Logging out revokes the token
with `/user/_logout` and drops the cookie, so the session ends on the platform too.
"""

from __future__ import annotations

import contextlib
from typing import Any

from fastapi.responses import Response

from digit.web import sessions
from digit.web.backend import CLIENT_BASIC, ApiError
from digit.web.layout import WebContext


async def issue_token(
    web: WebContext, *, username: str, password: str, tenant_id: str, user_type: str
) -> dict[str, Any]:
    """DIGIT's token call, as DIGIT-UI makes it; ApiError when the credentials are refused."""
    fields = {
        "username": username,
        "password": password,
        "grant_type": "password",
        "scope": "read",
        "tenantId": tenant_id,
        "userType": user_type,
    }
    return await web.backend.post_form("/user/oauth/token", fields, headers={"Authorization": CLIENT_BASIC})


def start_session(web: WebContext, response: Response, issued: dict[str, Any]) -> None:
    """Put the issued token in the session cookie, which lives as long as the token."""
    ttl = issued.get("expires_in")
    token = str(issued.get("access_token", ""))
    sessions.set_cookie(
        web.request, response, sessions.SESSION_COOKIE, token, max_age=ttl if isinstance(ttl, int) else None
    )


async def end_session(web: WebContext, home: str) -> Response:
    """The logout form's POST: revoke the token, drop the cookie, go home (403 without the CSRF token)."""
    form = await web.form()
    if form is None:
        return await web.refused()
    if web.token:
        with contextlib.suppress(ApiError):  # already expired or revoked: the cookie goes all the same
            await web.backend.post("/user/_logout", {"access_token": web.token})
    response = web.redirect(home)
    sessions.clear_cookie(web.request, response, sessions.SESSION_COOKIE)
    return response
