"""Web UI, citizen app over HTTP: landing, login and registration by OTP, CSRF, cookies, locales,
complaints and what another citizen may not see (package: digit.web)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import httpx
import pytest

from digit.kernel.clock import FrozenClock
from digit.kernel.dispatch import drain
from digit.kernel.resources import demo_data_dir
from tests.builders import citizen_login, login, send_otp
from tests.pgr_helpers import RI, act, complaint, file_complaint, localities, service_of
from tests.test_billing_support import demand_body
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


@pytest.mark.parametrize(("peer", "secure"), [("127.0.0.1", True), ("203.0.113.9", False)])
async def test_https_ended_at_a_trusted_proxy_marks_the_cookies_secure(
    make_api: StartApp, peer: str, secure: bool
) -> None:
    app, _ = await make_api(fixed_otp=OTP, trusted_proxies=["127.0.0.1"])
    transport = httpx.ASGITransport(app=app, client=(peer, 40000))
    proxied = httpx.AsyncClient(
        transport=transport, base_url="http://digit.test", headers={"X-Forwarded-Proto": "https"}
    )

    async with proxied:
        response = await proxied.get(f"{C}/login")

    cookie = next(c for c in response.headers.get_list("set-cookie") if c.startswith("digit_csrf="))
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie
    assert ("Secure" in cookie) is secure


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

    page = f"{C}/pgr/complaints/{filed['serviceRequestId']}?tenantId={AMRITSAR}"

    response = await web.get(page)
    pdf = await web.get(f"{C}/pgr/complaints/{filed['serviceRequestId']}/acknowledgement.pdf?tenantId={AMRITSAR}")
    acted = await post_form(web, page, C, action="RATE", rating="1")

    assert response.status_code == 404
    assert filed["serviceRequestId"] not in visible_text(response.text)
    assert (pdf.status_code, acted.status_code) == (404, 404)


async def test_acknowledgement_pdf_downloads_for_the_citizens_complaint(web: httpx.AsyncClient) -> None:
    headers = await citizen_login(web, CITIZEN, otp=OTP)
    filed = service_of(await file_complaint(web, headers, complaint(AMRITSAR, (await localities(web, AMRITSAR))[0])))
    await web_login(web)

    response = await web.get(f"{C}/pgr/complaints/{filed['serviceRequestId']}/acknowledgement.pdf")

    assert response.status_code == 200
    assert response.content.startswith(b"%PDF")


def _demo_locales() -> list[str]:
    """Every language the demo state offers (common-masters.StateInfo), not a list kept here."""
    info = json.loads((demo_data_dir() / "mdms" / "pb" / "common-masters" / "StateInfo.json").read_text())
    return [language["value"] for state in info["StateInfo"] for language in state["languages"]]


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
        f"{C}/payment?businessService=TL&consumerCode=TL-WEB-LOCALES",
        f"{C}/payment?businessService=TL&consumerCode=NO-SUCH-CODE",
        f"{C}/pgr/complaints/NO-SUCH-COMPLAINT",
    ]


def _with_locale(path: str, locale: str) -> str:
    return f"{path}{'&' if '?' in path else '?'}locale={locale}"


@pytest.mark.parametrize("locale", _demo_locales())
async def test_every_page_renders_in_the_locale_with_no_missing_message_keys(
    web: httpx.AsyncClient, locale: str
) -> None:
    headers = await citizen_login(web, CITIZEN, otp=OTP)
    filed = service_of(await file_complaint(web, headers, complaint(AMRITSAR, (await localities(web, AMRITSAR))[0])))
    billed = await web.post(
        "/billing-service/demand/_create",
        json=demand_body("TL-WEB-LOCALES", [("TL_TAX", 500)]),
        headers=await login(web, "ADMIN", "pb"),
    )
    anonymous = [await web.get(_with_locale(p, locale)) for p in _pages_without_session()]
    otp_page = await post_form(web, f"{C}/login", _with_locale(f"{C}/login", locale), mobile=CITIZEN)
    await web_login(web)
    signed_in = [await web.get(_with_locale(p, locale)) for p in _pages_with_session(filed["serviceRequestId"])]
    pages = [*anonymous, otp_page, *signed_in]

    raw_keys = {f"{r.url.path}: {k}" for r in pages for k in re.findall(r"\b(?:CU|CS|SERVICEDEFS)_[A-Z_]+\b", r.text)}
    langs = {re.search(r'<html lang="([^"]+)"', r.text).group(1) for r in pages}  # type: ignore[union-attr]
    assert billed.status_code == 200, billed.text
    assert 'id="bill-total"' in signed_in[7].text
    assert sorted({r.status_code for r in pages}) == [200, 400, 404]
    codes = {
        f"{r.url.path}: {k}"
        for r in pages
        for k in re.findall(r"\b[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+\b", visible_text(r.text))
    }
    assert codes == set()
    assert raw_keys == set()
    assert langs == {locale.replace("_", "-")}


def test_hindi_messages_cover_every_english_message_of_the_ui() -> None:
    folder: Path = demo_data_dir() / "localization"
    english = {m["code"] for m in json.loads((folder / "en_IN" / "digit-ui-citizen.json").read_text())}
    hindi = {m["code"] for m in json.loads((folder / "hi_IN" / "digit-ui-citizen.json").read_text())}

    assert english - hindi == set()


async def _resolved_complaint(web: httpx.AsyncClient) -> dict[str, object]:
    """A complaint of the demo citizen, assigned by the GRO and resolved by a lineman, through the API."""
    headers = await citizen_login(web, CITIZEN, otp=OTP)
    filed = service_of(await file_complaint(web, headers, complaint(AMRITSAR, (await localities(web, AMRITSAR))[0])))
    hr = await login(web, "HR_AMR", AMRITSAR)
    found = await web.post(
        f"/egov-hrms/employees/_search?tenantId={AMRITSAR}&roles=PGR_LME", json={"RequestInfo": RI}, headers=hr
    )
    lme = next(e for e in found.json()["Employees"] if any(a["department"] == "DEPT_1" for a in e["assignments"]))
    gro = await login(web, "GRO_AMR", AMRITSAR)
    assigned = service_of(await act(web, gro, filed, "ASSIGN", assignes=[lme["uuid"]], comments="to the lineman"))
    lineman = await login(web, lme["user"]["userName"], AMRITSAR)
    return service_of(await act(web, lineman, assigned, "RESOLVE", comments="Bulb replaced"))


async def test_reopen_within_the_window_is_offered_and_reopens_the_complaint(
    web: httpx.AsyncClient, clock: FrozenClock
) -> None:
    resolved = await _resolved_complaint(web)
    clock.advance(days=4)
    await web_login(web)
    page = f"{C}/pgr/complaints/{resolved['serviceRequestId']}?tenantId={AMRITSAR}"

    offered = await web.get(page)
    response = await post_form(web, page, page, action="REOPEN", comment="Still dark at night")
    after = await web.get(response.headers["location"])

    assert 'id="reopen-submit"' in offered.text
    assert response.status_code == 303
    assert 'id="complaint-status">Pending for assignment<' in after.text


async def test_reopen_is_not_offered_once_the_window_has_passed(web: httpx.AsyncClient, clock: FrozenClock) -> None:
    resolved = await _resolved_complaint(web)
    clock.advance(days=6)  # the demo's REOPENSLA is 5 days
    await web_login(web)
    page = f"{C}/pgr/complaints/{resolved['serviceRequestId']}?tenantId={AMRITSAR}"

    shown = await web.get(page)
    late = await post_form(web, page, page, action="REOPEN", comment="Still dark at night")

    assert 'id="rate-submit"' in shown.text
    assert 'id="reopen-submit"' not in shown.text
    assert late.status_code == 400
    assert 'id="reopen-error"' in late.text and "has passed" in visible_text(late.text)


async def test_complaint_page_names_the_locality_not_its_code(web: httpx.AsyncClient) -> None:
    headers = await citizen_login(web, CITIZEN, otp=OTP)
    code = (await localities(web, AMRITSAR))[0]
    filed = service_of(await file_complaint(web, headers, complaint(AMRITSAR, code)))
    await web_login(web)
    form = await web.get(f"{C}/pgr/create-complaint?tenantId={AMRITSAR}")
    name = re.search(rf'<option value="{code}"[^>]*>([^<]+)<', form.text)

    page = await web.get(f"{C}/pgr/complaints/{filed['serviceRequestId']}?tenantId={AMRITSAR}")

    assert name and name.group(1) != code
    assert f"<dd>{name.group(1)}</dd>" in page.text
    assert code not in visible_text(page.text)


async def test_complaint_types_are_grouped_by_menu_path(web: httpx.AsyncClient) -> None:
    await web_login(web)

    page = await web.get(f"{C}/pgr/create-complaint?tenantId={AMRITSAR}")

    groups = dict(re.findall(r'<optgroup label="([^"]+)">(.*?)</optgroup>', page.text, re.S))
    assert len(groups) == 6
    assert re.findall(r'value="([^"]+)"', groups["Street lights"]) == ["StreetLightNotWorking", "NoStreetlight"]


async def test_more_than_three_photos_are_refused_at_the_photo_field_with_the_text_kept(
    web: httpx.AsyncClient,
) -> None:
    await web_login(web)
    locality = (await localities(web, AMRITSAR))[0]
    token = csrf_of(await web.get(f"{C}/pgr/create-complaint?tenantId={AMRITSAR}"))
    form = {
        "csrf_token": token,
        "tenantId": AMRITSAR,
        "serviceCode": "StreetLightNotWorking",
        "locality": locality,
        "landmark": "Near the park gate",
        "description": "Four photos of the same dark street",
    }
    photos = [("photos", (f"light-{n}.png", PNG, "image/png")) for n in range(4)]

    response = await web.post(f"{C}/pgr/create-complaint", data=form, files=photos)
    listed = await web.get(f"{C}/pgr/complaints")

    assert response.status_code == 400
    assert 'id="photos-error"' in response.text and 'aria-describedby="photos-error"' in response.text
    assert "Four photos of the same dark street</textarea>" in response.text
    assert 'value="Near the park gate"' in response.text
    assert 'id="complaint-list"' not in listed.text


async def test_file_complaint_error_is_next_to_the_field_it_concerns(web: httpx.AsyncClient) -> None:
    await web_login(web)

    response = await post_form(
        web,
        f"{C}/pgr/create-complaint",
        f"{C}/pgr/create-complaint",
        tenantId=AMRITSAR,
        serviceCode="StreetLightNotWorking",
        locality="NO-SUCH-LOCALITY",
        description="A pothole in front of the school",
    )

    assert response.status_code == 400
    assert 'id="locality-error"' in response.text and 'aria-describedby="locality-error"' in response.text
    assert 'value="StreetLightNotWorking" selected' in response.text


@pytest.mark.parametrize(
    "path",
    [
        "/login",
        "/login/otp",
        "/register",
        "/register/otp",
        "/logout",
        "/pgr/create-complaint",
        "/pgr/complaints/X",
        "/payment",
    ],
)
async def test_every_form_refuses_a_post_without_its_csrf_token(web: httpx.AsyncClient, path: str) -> None:
    await web_login(web)
    token = web.cookies["digit_session"]

    response = await web.post(f"{C}{path}", data={"mobile": CITIZEN, "otp": OTP, "name": "X", "action": "RATE"})
    details = await web.post("/user/_details", params={"access_token": token}, json={})

    assert response.status_code == 403
    assert details.status_code == 200  # logout without the token did not end the session


async def test_a_bill_is_shown_only_for_the_consumer_code_asked_for(web: httpx.AsyncClient) -> None:
    admin = await login(web, "ADMIN", "pb")
    for code in ("TL-WEB-MINE", "TL-WEB-OTHER"):
        created = await web.post(
            "/billing-service/demand/_create", json=demand_body(code, [("TL_TAX", 500)]), headers=admin
        )
        assert created.status_code == 200, created.text
    await web_login(web)

    blank = await web.get(f"{C}/payment")
    asked = await web.get(f"{C}/payment?businessService=TL&consumerCode=TL-WEB-MINE")

    assert 'id="bill-total"' not in blank.text
    assert 'id="bill-total">500' in asked.text
    assert "TL-WEB-OTHER" not in asked.text


async def test_choosing_a_city_is_remembered(web: httpx.AsyncClient) -> None:
    await web.get(f"{C}?tenantId=pb.jalandhar")

    response = await web.get(f"{C}/login")
    home = await web.get(C)

    assert web.cookies.get("digit_city") == "pb.jalandhar"
    assert re.search(r'<option value="pb.jalandhar" selected>', home.text)
    assert response.status_code == 200


async def test_header_counts_unread_messages_until_the_notifications_page_is_read(make_api: StartApp) -> None:
    app, web = await make_api(fixed_otp=OTP)
    headers = await citizen_login(web, CITIZEN, otp=OTP)
    filed = service_of(await file_complaint(web, headers, complaint(AMRITSAR, (await localities(web, AMRITSAR))[0])))
    await drain(app.state.platform)  # the in-app message is written by the event's consumer
    await web_login(web)

    before = await web.get(C)
    listed = await web.get(f"{C}/notifications")
    after = await web.get(C)

    assert re.search(r'id="unread-count">[1-9]\d*<', before.text)
    assert filed["serviceRequestId"] in listed.text
    assert 'id="unread-count"' not in after.text
