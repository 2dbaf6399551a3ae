"""Log in with mobile number and OTP, register when the number is new, log out.

The platform does the work: `/user-otp/v1/_send` (type login or register), `/user/citizen/_create`
(the register OTP is its otpReference) and `/user/oauth/token` (the login OTP is the password). The
token it issues goes into the session cookie; logging out revokes it with `/user/_logout`.
"""

from __future__ import annotations

import re

from fastapi import APIRouter
from fastapi.responses import Response

from digit.kernel.envelope import UserType
from digit.web import sessions
from digit.web.backend import ApiError
from digit.web.layout import CITIZEN_PREFIX, WebContext, WebDep, safe_next
from digit.web.signin import end_session, issue_token, start_session

router = APIRouter(prefix=CITIZEN_PREFIX, include_in_schema=False)

MOBILE = re.compile(r"^[0-9]{10}$")
FIELD_OF_ERROR = {
    "INVALID_MOBILE_NUMBER": "mobile",
    "USER_NOT_FOUND": "mobile",
    "USER_ALREADY_EXISTS": "mobile",
    "TOO_MANY_OTP_REQUESTS": "mobile",
    "INVALID_OTP": "otp",
    "INVALID_CREDENTIALS": "otp",
    "ACCOUNT_LOCKED": "otp",
    "INVALID_NAME": "name",
}


def _field(error: ApiError, default: str) -> str:
    return next((FIELD_OF_ERROR[c] for c in (*error.codes, error.code) if c in FIELD_OF_ERROR), default)


async def _send_otp(web: WebContext, mobile: str, purpose: str, name: str = "") -> None:
    otp = {"mobileNumber": mobile, "tenantId": web.state_id, "type": purpose, "userType": UserType.CITIZEN}
    if name:
        otp["name"] = name
    await web.backend.post("/user-otp/v1/_send", {"otp": otp}, tenantId=web.state_id)


@router.get("/login")
async def login_page(web: WebDep, next: str | None = None) -> Response:
    """Step 1: the mobile number."""
    if web.user is not None:
        return web.redirect(safe_next(next))
    return await web.render("citizen/login.html", next=safe_next(next), values={}, errors={})


@router.post("/login")
async def send_login_otp(web: WebDep) -> Response:
    """Send the login OTP; a new number goes on to registration with what was typed kept."""
    form = await web.form()
    if form is None:
        return await web.refused()
    mobile, target = str(form.get("mobile", "")).strip(), safe_next(str(form.get("next", "")))
    values = {"mobile": mobile}
    if not MOBILE.match(mobile):
        errors = {"mobile": web.t("CU_ERR_INVALID_MOBILE_NUMBER")}
        return await web.render("citizen/login.html", status=400, next=target, values=values, errors=errors)
    try:
        await _send_otp(web, mobile, "login")
    except ApiError as error:
        if error.code == "USER_NOT_FOUND":
            return await web.render("citizen/register.html", next=target, values=values, errors={}, is_new=True)
        errors = {_field(error, "mobile"): web.error_text(error)}
        return await web.render("citizen/login.html", status=400, next=target, values=values, errors=errors)
    return await web.render("citizen/otp.html", next=target, values=values, errors={}, purpose="login")


@router.post("/login/otp")
async def verify_login_otp(web: WebDep) -> Response:
    """Step 2: the OTP is the password of DIGIT's token call; the token becomes the session."""
    form = await web.form()
    if form is None:
        return await web.refused()
    mobile, otp = str(form.get("mobile", "")).strip(), str(form.get("otp", "")).strip()
    target = safe_next(str(form.get("next", "")))
    try:
        issued = await issue_token(
            web, username=mobile, password=otp, tenant_id=web.state_id, user_type=UserType.CITIZEN
        )
    except ApiError as error:
        errors = {_field(error, "otp"): web.error_text(error)}
        values = {"mobile": mobile}
        return await web.render(
            "citizen/otp.html", status=400, next=target, values=values, errors=errors, purpose="login"
        )
    response = web.redirect(target)
    start_session(web, response, issued)
    user = issued.get("UserRequest") or {}
    locale = user.get("locale") if isinstance(user, dict) else None
    if isinstance(locale, str) and "locale" not in web.cookies and not web.request.cookies.get(sessions.LOCALE_COOKIE):
        sessions.set_cookie(web.request, response, sessions.LOCALE_COOKIE, locale, max_age=sessions.YEAR_S)
    return response


@router.get("/register")
async def register_page(web: WebDep, next: str | None = None) -> Response:
    return await web.render("citizen/register.html", next=safe_next(next), values={}, errors={}, is_new=False)


@router.post("/register")
async def send_register_otp(web: WebDep) -> Response:
    """Name and mobile number: send the registration OTP."""
    form = await web.form()
    if form is None:
        return await web.refused()
    name, mobile = str(form.get("name", "")).strip(), str(form.get("mobile", "")).strip()
    target = safe_next(str(form.get("next", "")))
    values = {"name": name, "mobile": mobile}
    errors: dict[str, str] = {}
    if not name:
        errors["name"] = web.t("CU_ERR_INVALID_NAME")
    if not MOBILE.match(mobile):
        errors["mobile"] = web.t("CU_ERR_INVALID_MOBILE_NUMBER")
    if not errors:
        try:
            await _send_otp(web, mobile, "register", name)
        except ApiError as error:
            errors[_field(error, "mobile")] = web.error_text(error)
    if errors:
        return await web.render(
            "citizen/register.html", status=400, next=target, values=values, errors=errors, is_new=False
        )
    return await web.render("citizen/otp.html", next=target, values=values, errors={}, purpose="register")


@router.post("/register/otp")
async def verify_register_otp(web: WebDep) -> Response:
    """Create the citizen with the registration OTP, then send a login OTP to open the session."""
    form = await web.form()
    if form is None:
        return await web.refused()
    name, mobile = str(form.get("name", "")).strip(), str(form.get("mobile", "")).strip()
    otp, target = str(form.get("otp", "")).strip(), safe_next(str(form.get("next", "")))
    values = {"name": name, "mobile": mobile}
    user = {"name": name, "mobileNumber": mobile, "userName": mobile, "otpReference": otp, "tenantId": web.state_id}
    try:
        await web.backend.post("/user/citizen/_create", {"User": user}, tenantId=web.state_id)
        await _send_otp(web, mobile, "login")
    except ApiError as error:
        errors = {_field(error, "otp"): web.error_text(error)}
        return await web.render(
            "citizen/otp.html", status=400, next=target, values=values, errors=errors, purpose="register"
        )
    return await web.render(
        "citizen/otp.html", next=target, values={"mobile": mobile}, errors={}, purpose="login", registered=True
    )


@router.post("/logout")
async def logout(web: WebDep) -> Response:
    return await end_session(web, CITIZEN_PREFIX)
