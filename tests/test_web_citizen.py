"""Web UI, citizen app over HTTP: landing, login and registration by OTP, CSRF, cookies, locales,
complaints and what another citizen may not see (package: digit.web)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import httpx
import pytest

from digit.kernel.resources import demo_data_dir
from tests.builders import citizen_login, send_otp
from tests.pgr_helpers import complaint, file_complaint, localities, service_of
from tests.web_helpers import AMRITSAR, OTP, PNG, StartApp, csrf_of, post_form, visible_text

C = "/digit-ui/citizen"
CITIZEN = "9999999999"


@pytest.fixture
async def web(make_api: StartApp) -> httpx.AsyncClient:
    """The app with the demo's fixed OTP, as a browser would talk to it (cookies kept)."""
    _, client = await make_api(fixed_otp=OTP)
    return client


async def web_login(web: httpx.AsyncClient, mobile: str = CITIZEN) -> httpx.Response:
    await post_form(web, f"{C}/login", f"{C}/login", mobile=mobile)
    return await post_form(web, f"{C}/login/otp", f"{C}/login", mobile=mobile, otp=OTP, next=f"{C}/pgr/complaints")


async def register_citizen(api: httpx.AsyncClient, mobile: str, name: str = "Second Citizen") -> None:
    await send_otp(api, mobile, purpose="register")
    user = {"name": name, "mobileNumber": mobile, "userName": mobile, "otpReference": OTP, "tenantId": "pb"}
    response = await api.post("/user/citizen/_create", json={"RequestInfo": {}, "User": user})
    assert response.status_code == 200, response.text


async def test_root_serves_html_that_links_to_the_citizen_app(web: httpx.AsyncClient) -> None:
    response = await web.get("/")

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert f'href="{C}"' in response.text


async def test_citizen_home_lists_only_assets_served_by_the_platform(web: httpx.AsyncClient) -> None:
    page = await web.get(C)
    assets = re.findall(r'(?:src|href)="([^"]+\.(?:css|js|svg)[^"]*)"', page.text)

    statuses = [(await web.get(asset)).status_code for asset in assets]

    assert assets and all(a.startswith("/digit-ui/static/") for a in assets)
    assert statuses == [200] * len(assets)


async def test_post_without_csrf_token_is_refused_with_403(web: httpx.AsyncClient) -> None:
    await web.get(f"{C}/login")

    response = await web.post(f"{C}/login", data={"mobile": CITIZEN})

    assert response.status_code == 403
    assert "set-cookie" not in response.headers or "digit_session" not in response.headers["set-cookie"]


async def test_post_with_another_browsers_csrf_token_is_refused_with_403(
    web: httpx.AsyncClient, make_api: StartApp
) -> None:
    _, other = await make_api(fixed_otp=OTP)
    foreign_token = csrf_of(await other.get(f"{C}/login"))
    await web.get(f"{C}/login")

    response = await web.post(f"{C}/login", data={"mobile": CITIZEN, "csrf_token": foreign_token})

    assert response.status_code == 403


async def test_login_with_otp_sets_an_httponly_samesite_lax_session_cookie(web: httpx.AsyncClient) -> None:
    response = await web_login(web)

    cookie = next(c for c in response.headers.get_list("set-cookie") if c.startswith("digit_session="))
    assert response.status_code == 303
    assert response.headers["location"] == f"{C}/pgr/complaints"
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie
    assert "Secure" not in cookie


async def test_login_over_https_marks_the_session_cookie_secure(make_api: StartApp) -> None:
    app, _ = await make_api(fixed_otp=OTP)
    secure = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="https://digit.test")

    async with secure:
        response = await web_login(secure)

    cookie = next(c for c in response.headers.get_list("set-cookie") if c.startswith("digit_session="))
    assert "Secure" in cookie


async def test_wrong_otp_shows_a_localized_error_at_the_field_and_keeps_the_number(web: httpx.AsyncClient) -> None:
    await post_form(web, f"{C}/login", f"{C}/login", mobile=CITIZEN)

    response = await post_form(web, f"{C}/login/otp", f"{C}/login?locale=hi_IN", mobile=CITIZEN, otp="000000")

    assert response.status_code == 400
    assert 'id="otp-error"' in response.text and "ओटीपी गलत है" in response.text
    assert f'name="mobile" value="{CITIZEN}"' in response.text


async def test_login_with_a_new_number_offers_registration_with_the_number_kept(web: httpx.AsyncClient) -> None:
    response = await post_form(web, f"{C}/login", f"{C}/login", mobile="9876500001")

    assert response.status_code == 200
    assert f'action="{C}/register"' in response.text
    assert 'value="9876500001"' in response.text


async def test_register_with_otp_creates_the_citizen_and_logs_in_with_a_second_otp(web: httpx.AsyncClient) -> None:
    await post_form(web, f"{C}/register", f"{C}/register", name="Asha Devi", mobile="9876500002")
    created = await post_form(web, f"{C}/register/otp", f"{C}/register", name="Asha Devi", mobile="9876500002", otp=OTP)

    response = await post_form(web, f"{C}/login/otp", f"{C}/login", mobile="9876500002", otp=OTP, next=C)
    home = await web.get(C)

    assert created.status_code == 200 and f'action="{C}/login/otp"' in created.text
    assert response.status_code == 303
    assert "Asha Devi" in home.text


async def test_logout_revokes_the_token_behind_the_session(web: httpx.AsyncClient) -> None:
    await web_login(web)
    token = web.cookies["digit_session"]

    await post_form(web, f"{C}/logout", C)
    details = await web.post("/user/_details", params={"access_token": token}, json={})

    assert details.status_code == 401


async def test_tracking_link_without_a_session_leads_to_login_and_back(web: httpx.AsyncClient) -> None:
    link = f"{C}/pgr/complaints/PB-PGR-2026-01-01-000001?tenantId={AMRITSAR}"

    response = await web.get(link)

    assert response.status_code == 303
    assert response.headers["location"].startswith(f"{C}/login?next=")
    assert httpx.URL(response.headers["location"]).params["next"] == link


async def test_login_never_redirects_to_another_site(web: httpx.AsyncClient) -> None:
    await post_form(web, f"{C}/login", f"{C}/login", mobile=CITIZEN)

    response = await post_form(
        web, f"{C}/login/otp", f"{C}/login", mobile=CITIZEN, otp=OTP, next="//evil.example/steal"
    )

    assert response.headers["location"] == C


async def test_locale_query_switches_the_language_and_is_remembered(web: httpx.AsyncClient) -> None:
    await web.get(f"{C}?locale=hi_IN")

    response = await web.get(C)

    assert '<html lang="hi-IN">' in response.text
    assert "आप क्या करना चाहेंगे?" in response.text


async def test_first_visit_follows_accept_language(web: httpx.AsyncClient) -> None:
    response = await web.get(C, headers={"Accept-Language": "hi-IN,hi;q=0.9,en;q=0.5"})

    assert '<html lang="hi-IN">' in response.text


async def test_file_complaint_with_a_photo_confirms_the_complaint_number(web: httpx.AsyncClient) -> None:
    await web_login(web)
    locality = (await localities(web, AMRITSAR))[0]
    token = csrf_of(await web.get(f"{C}/pgr/create-complaint?tenantId={AMRITSAR}"))
    form = {
        "csrf_token": token,
        "tenantId": AMRITSAR,
        "serviceCode": "StreetLightNotWorking",
        "locality": locality,
        "landmark": "Near the park gate",
        "description": "The street light has been off for a week",
        "latitude": "31.63",
        "longitude": "74.87",
    }

    response = await web.post(
        f"{C}/pgr/create-complaint", data=form, files=[("photos", ("light.png", PNG, "image/png"))]
    )
    confirmation = await web.get(response.headers["location"])
    number = re.search(r'id="complaint-id">([^<]+)<', confirmation.text)
    page = await web.get(f"{C}/pgr/complaints/{number.group(1) if number else 'none'}")
    photo = re.search(r'<img src="([^"]+)"', page.text)
    image = await web.get(photo.group(1).replace("&amp;", "&") if photo else "/none")

    assert response.status_code == 303
    assert number and number.group(1).startswith("PB-PGR-")
    assert image.status_code == 200 and image.headers["content-type"] == "image/png"


async def test_file_complaint_without_a_type_shows_the_error_and_keeps_what_was_typed(web: httpx.AsyncClient) -> None:
    await web_login(web)
    locality = (await localities(web, AMRITSAR))[0]

    response = await post_form(
        web,
        f"{C}/pgr/create-complaint",
        f"{C}/pgr/create-complaint",
        tenantId=AMRITSAR,
        serviceCode="",
        locality=locality,
        description="Overflowing drain near the school",
    )

    assert response.status_code == 400
    assert 'role="alert"' in response.text
    assert "Overflowing drain near the school</textarea>" in response.text


async def test_my_complaints_lists_the_citizens_complaint_with_its_status(web: httpx.AsyncClient) -> None:
    headers = await citizen_login(web, CITIZEN, otp=OTP)
    filed = service_of(await file_complaint(web, headers, complaint(AMRITSAR, (await localities(web, AMRITSAR))[0])))
    await web_login(web)

    response = await web.get(f"{C}/pgr/complaints")

    assert filed["serviceRequestId"] in response.text
    assert "Pending for assignment" in response.text or "PENDINGFORASSIGNMENT" not in response.text


async def test_complaint_page_of_another_citizen_is_404(web: httpx.AsyncClient) -> None:
    headers = await citizen_login(web, CITIZEN, otp=OTP)
    filed = service_of(await file_complaint(web, headers, complaint(AMRITSAR, (await localities(web, AMRITSAR))[0])))
    await register_citizen(web, "9876500003")
    await web_login(web, "9876500003")

    response = await web.get(f"{C}/pgr/complaints/{filed['serviceRequestId']}?tenantId={AMRITSAR}")

    assert response.status_code == 404
    assert filed["serviceRequestId"] not in visible_text(response.text)


async def test_acknowledgement_pdf_downloads_for_the_citizens_complaint(web: httpx.AsyncClient) -> None:
    headers = await citizen_login(web, CITIZEN, otp=OTP)
    filed = service_of(await file_complaint(web, headers, complaint(AMRITSAR, (await localities(web, AMRITSAR))[0])))
    await web_login(web)

    response = await web.get(f"{C}/pgr/complaints/{filed['serviceRequestId']}/acknowledgement.pdf")

    assert response.status_code == 200
    assert response.content.startswith(b"%PDF")


def _pages_without_session() -> list[str]:
    return ["/", C, f"{C}/login", f"{C}/register"]


def _pages_with_session(service_request_id: str) -> list[str]:
    return [
        C,
        f"{C}/pgr/create-complaint",
        f"{C}/pgr/complaints",
        f"{C}/pgr/complaints/{service_request_id}",
        f"{C}/pgr/response?id={service_request_id}&tenantId={AMRITSAR}",
        f"{C}/notifications",
        f"{C}/payment",
        f"{C}/payment?businessService=TL&consumerCode=NO-SUCH-CODE",
        f"{C}/pgr/complaints/NO-SUCH-COMPLAINT",
    ]


@pytest.mark.parametrize("locale", ["en_IN", "hi_IN"])
async def test_every_page_renders_in_the_locale_with_no_missing_message_keys(
    web: httpx.AsyncClient, locale: str
) -> None:
    headers = await citizen_login(web, CITIZEN, otp=OTP)
    filed = service_of(await file_complaint(web, headers, complaint(AMRITSAR, (await localities(web, AMRITSAR))[0])))
    anonymous = [await web.get(f"{p}{'&' if '?' in p else '?'}locale={locale}") for p in _pages_without_session()]
    await web_login(web)
    signed_in = [
        await web.get(f"{p}{'&' if '?' in p else '?'}locale={locale}")
        for p in _pages_with_session(filed["serviceRequestId"])
    ]
    pages = anonymous + signed_in

    raw_keys = {f"{r.url.path}: {k}" for r in pages for k in re.findall(r"\b(?:CU|CS|SERVICEDEFS)_[A-Z_]+\b", r.text)}
    langs = {re.search(r'<html lang="([^"]+)"', r.text).group(1) for r in pages}  # type: ignore[union-attr]
    assert sorted({r.status_code for r in pages}) in ([200, 400, 404], [200, 404])
    assert raw_keys == set()
    assert langs == {locale.replace("_", "-")}


def test_hindi_messages_cover_every_english_message_of_the_ui() -> None:
    folder: Path = demo_data_dir() / "localization"
    english = {m["code"] for m in json.loads((folder / "en_IN" / "digit-ui-citizen.json").read_text())}
    hindi = {m["code"] for m in json.loads((folder / "hi_IN" / "digit-ui-citizen.json").read_text())}

    assert english - hindi == set()
