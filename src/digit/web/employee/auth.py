"""The employee app's door: log in with user name, password and city; the home page with the menu; log out.

`/user/oauth/token` (userType EMPLOYEE, the chosen tenant) issues the token that becomes the session
cookie, as on the citizen side; the chosen city becomes the working city (city cookie). A visitor
opening the app gets the login form at once.
"""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import Response

from digit.kernel.envelope import UserType
from digit.web import sessions
from digit.web.backend import ApiError
from digit.web.employee.desk import Desk, open_desk
from digit.web.layout import EMPLOYEE_PREFIX, WebContext, WebDep
from digit.web.signin import end_session, issue_token, start_session

router = APIRouter(prefix=EMPLOYEE_PREFIX, include_in_schema=False)


def safe_next(target: str | None) -> str:
    """Only a path inside the employee app: never an open redirect."""
    if target and target.startswith(EMPLOYEE_PREFIX) and "//" not in target and "\\" not in target:
        return target
    return EMPLOYEE_PREFIX


def _tenants(web: WebContext) -> list[tuple[str, str]]:
    """Where one may log in: each city, and the state (state-level administrators)."""
    return [(c.code, web.city_name(c.code)) for c in web.cities] + [(web.state_id, web.city_name(web.state_id))]


async def _login_page(
    web: WebContext, *, next_url: str, values: dict[str, str], errors: dict[str, str], status: int = 200
) -> Response:
    return await web.render(
        "employee/login.html", status=status, next=next_url, values=values, errors=errors, tenants=_tenants(web)
    )


@router.get("")
@router.get("/")
async def home(web: WebDep) -> Response:
    """The menu of what this employee may do; the login form for a visitor."""
    if web.user is None or web.user.type != UserType.EMPLOYEE:
        return await _login_page(web, next_url=EMPLOYEE_PREFIX, values={"tenantId": web.city}, errors={})
    desk = await open_desk(web, None)
    if not isinstance(desk, Desk):
        return desk
    return await desk.render("employee/home.html")


@router.get("/login")
async def login_page(web: WebDep, next: str | None = None) -> Response:
    return await _login_page(web, next_url=safe_next(next), values={"tenantId": web.city}, errors={})


@router.post("/login")
async def log_in(web: WebDep) -> Response:
    form = await web.form()
    if form is None:
        return await web.refused()
    username, password = str(form.get("username", "")).strip(), str(form.get("password", ""))
    tenant_id, target = str(form.get("tenantId", "")), safe_next(str(form.get("next", "")))
    values = {"username": username, "tenantId": tenant_id}
    if tenant_id not in [code for code, _ in _tenants(web)]:
        tenant_id = web.city
    try:
        issued = await issue_token(
            web, username=username, password=password, tenant_id=tenant_id, user_type=UserType.EMPLOYEE
        )
    except ApiError as error:
        errors = {"password": web.error_text(error)}
        return await _login_page(web, next_url=target, values=values, errors=errors, status=400)
    response = web.redirect(target)
    start_session(web, response, issued)
    if tenant_id in [c.code for c in web.cities]:
        sessions.set_cookie(web.request, response, sessions.CITY_COOKIE, tenant_id, max_age=sessions.YEAR_S)
    return response


@router.post("/logout")
async def log_out(web: WebDep) -> Response:
    return await end_session(web, EMPLOYEE_PREFIX)
