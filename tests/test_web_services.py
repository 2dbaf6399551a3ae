"""Web UI of configured services over HTTP: the citizen's services, an apply form made from the definition,
errors next to their fields, my applications, an application; the employee's inbox per service and actions
(package: digit.web.services)."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from digit.kernel.dispatch import drain
from digit.kernel.platform import Platform
from tests.builders import citizen_login, login
from tests.studio_helpers import CITY, act, apply, employee_with, service_code, studio, upload
from tests.test_studio_birthcertificate import birth
from tests.test_studio_tradelicence import _pay_online, documents_of, tl_application
from tests.test_web_citizen import register_citizen, web_login
from tests.test_web_employee import csrf_of, menu_links, staff_login

C = "/digit-ui/citizen"
E = "/digit-ui/employee"
OTP = "123456"
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360f8cfc0f01f0005000201e2a6d6cf0000000049454e44ae426082"
)


def visible_text(html: str) -> str:
    return re.sub(r"<[^>]+>", " ", html)


StartApp = Callable[..., Awaitable[tuple[FastAPI, httpx.AsyncClient]]]


@pytest.fixture
async def started(make_api: StartApp) -> tuple[FastAPI, httpx.AsyncClient]:
    return await make_api(fixed_otp=OTP)


@pytest.fixture
def web(started: tuple[FastAPI, httpx.AsyncClient]) -> httpx.AsyncClient:
    return started[1]


@pytest.fixture
def platform_of_web(started: tuple[FastAPI, httpx.AsyncClient]) -> Platform:
    platform: Platform = started[0].state.platform
    return platform


async def tl_code(web: httpx.AsyncClient) -> str:
    return await service_code(web, await citizen_login(web, otp=OTP), "Tradelicence")


def tl_form(**changes: str) -> dict[str, str]:
    fields = {
        "sd.tradeDetails.tradeName": "Corner Books",
        "sd.tradeDetails.tradeType": "RETAIL",
        "sd.tradeDetails.areaSqm": "40",
        "address.boundarycode": "AMR_LOC_001",
        "address.addressLine1": "12 Mall Road",
        "doctype.ID_PROOF": "AADHAAR",
        "doctype.OWNERSHIP_PROOF": "RENT_AGREEMENT",
    }
    return fields | changes


def tl_files() -> list[tuple[str, tuple[str, bytes, str]]]:
    return [("doc.ID_PROOF", ("id.png", PNG, "image/png")), ("doc.OWNERSHIP_PROOF", ("rent.png", PNG, "image/png"))]


async def submit(web: httpx.AsyncClient, code: str, fields: dict[str, str], files: Any = None) -> httpx.Response:
    page = await web.get(f"{C}/services/{code}/apply")
    return await web.post(
        f"{C}/services/{code}/apply", data={"csrf_token": csrf_of(page), **fields}, files=files or tl_files()
    )


async def applied_by_api(web: httpx.AsyncClient, code: str) -> tuple[dict[str, str], dict[str, Any]]:
    citizen = await citizen_login(web, otp=OTP)
    response = await apply(web, citizen, code, tl_application(await documents_of(web, citizen)))
    assert response.status_code == 200, response.text
    application: dict[str, Any] = response.json()["Application"]
    return citizen, application


async def test_citizen_home_offers_each_registered_service(web: httpx.AsyncClient) -> None:
    await web_login(web)

    page = await web.get(C)

    assert page.status_code == 200
    assert "Trade licence" in page.text and "Birth certificate" in page.text
    assert re.search(r'href="/digit-ui/citizen/services/SVC-[A-Z_]+-TRADELICENCE-NEWTL-\d+/apply"', page.text)
    assert 'id="my-applications"' in page.text


async def test_apply_form_is_made_from_the_definition(web: httpx.AsyncClient) -> None:
    code = await tl_code(web)
    await web_login(web)

    page = await web.get(f"{C}/services/{code}/apply")

    assert page.status_code == 200
    assert 'name="sd.tradeDetails.tradeName"' in page.text and "Trade name" in page.text
    assert '<option value="RETAIL">' in page.text  # the MDMS list as a select
    assert 'name="doc.ID_PROOF"' in page.text and 'name="doc.OWNERSHIP_PROOF"' in page.text
    assert 'name="address.boundarycode"' in page.text


async def test_birth_certificate_form_has_enum_selects_and_repeating_rows(web: httpx.AsyncClient) -> None:
    code = await service_code(web, await citizen_login(web, otp=OTP), "CivilRegistration")
    await web_login(web)

    page = await web.get(f"{C}/services/{code}/apply")

    assert 'name="sd.child.gender"' in page.text and '<option value="FEMALE">' in page.text
    assert 'name="sd.parents.0.parentName"' in page.text and 'name="sd.parents.1.relation"' in page.text
    assert 'name="sd.copies"' in page.text


async def test_apply_through_the_form_lands_on_the_application_and_my_applications(web: httpx.AsyncClient) -> None:
    code = await tl_code(web)
    await web_login(web)

    response = await submit(web, code, tl_form())

    assert response.status_code == 303, visible_text(response.text)
    target = response.headers["location"]
    page = await web.get(target)
    number = re.search(r'id="application-number">([^<]+)<', page.text)
    assert number and number.group(1).startswith("PB-TL-")
    assert "Payment pending" in page.text
    assert 'id="pay-fee"' in page.text and f"consumerCode={number.group(1)}" in page.text
    mine = await web.get(f"{C}/services/applications")
    assert number.group(1) in mine.text and "Trade licence" in mine.text


async def test_a_field_error_shows_next_to_the_field_with_the_typed_values_kept(web: httpx.AsyncClient) -> None:
    code = await tl_code(web)
    await web_login(web)

    response = await submit(
        web, code, tl_form(**{"sd.tradeDetails.tradeName": "X!", "sd.tradeDetails.areaSqm": "forty"})
    )

    assert response.status_code == 400
    assert 'id="f-sd-tradeDetails-tradeName-error"' in response.text
    assert 'id="f-sd-tradeDetails-areaSqm-error"' in response.text
    assert 'value="X!"' in response.text and 'value="forty"' in response.text
    assert response.text.count('name="docid.') == 2  # the uploads are kept: no second upload needed


async def test_a_missing_document_is_named_next_to_its_upload(web: httpx.AsyncClient) -> None:
    code = await tl_code(web)
    await web_login(web)

    response = await submit(web, code, tl_form(), files=tl_files()[:1])

    assert response.status_code == 400
    assert 'id="doc-ownership_proof-error"' in response.text


async def test_apply_without_the_csrf_token_is_403(web: httpx.AsyncClient) -> None:
    code = await tl_code(web)
    await web_login(web)

    response = await web.post(f"{C}/services/{code}/apply", data=tl_form(), files=tl_files())

    assert response.status_code == 403


async def test_another_citizens_application_is_404(web: httpx.AsyncClient) -> None:
    code = await tl_code(web)
    _, application = await applied_by_api(web, code)
    await register_citizen(web, "9876500041")
    await web_login(web, "9876500041")

    page = await web.get(f"{C}/services/{code}/applications/{application['applicationNumber']}")

    assert page.status_code == 404


async def test_the_citizen_sees_the_in_app_message_of_the_state(web: httpx.AsyncClient) -> None:
    code = await tl_code(web)
    _, application = await applied_by_api(web, code)
    await web_login(web)

    page = await web.get(f"{C}/notifications")

    assert f"Your trade licence application {application['applicationNumber']} is received" in page.text
    assert f"/services/{code}/applications/{application['applicationNumber']}" in page.text


async def test_inspector_menu_offers_the_trade_licence_inbox_and_others_do_not(web: httpx.AsyncClient) -> None:
    code = await tl_code(web)
    await staff_login(web, "TL_INSPECTOR_AMR")
    inspector_menu = menu_links((await web.get(E)).text)
    await staff_login(web, "GRO_AMR")
    gro_menu = menu_links((await web.get(E)).text)
    refused = await web.get(f"{E}/services/{code}/inbox")

    assert f"{E}/services/{code}/inbox" in inspector_menu
    assert f"{E}/services/{code}/inbox" not in gro_menu
    assert refused.status_code in (400, 403)


async def test_inspector_moves_a_paid_application_on_from_the_inbox(
    web: httpx.AsyncClient, platform_of_web: Platform
) -> None:
    code = await tl_code(web)
    citizen, application = await applied_by_api(web, code)
    number = application["applicationNumber"]
    await _pay_online(web, citizen, number, platform_of_web)
    await staff_login(web, "TL_INSPECTOR_AMR")

    inbox = await web.get(f"{E}/services/{code}/inbox", params={"status": "PENDINGFIELDINSPECTION"})
    page = await web.get(f"{E}/services/{code}/applications/{number}")
    acted = await web.post(
        f"{E}/services/{code}/applications/{number}",
        data={"csrf_token": csrf_of(page), "action": "INSPECT", "comment": "premises seen"},
    )
    after = await web.get(acted.headers.get("location", ""))

    assert number in inbox.text
    assert 'id="form-inspect"' in page.text and 'id="form-reject"' in page.text
    assert acted.status_code == 303, visible_text(acted.text)
    assert "Approval pending" in after.text and "premises seen" in after.text
    assert 'id="form-inspect"' not in after.text


async def test_an_action_the_employee_may_not_take_is_refused_on_the_page(web: httpx.AsyncClient) -> None:
    code = await tl_code(web)
    _, application = await applied_by_api(web, code)
    number = application["applicationNumber"]
    await staff_login(web, "TL_INSPECTOR_AMR")
    page = await web.get(f"{E}/services/{code}/applications/{number}")

    response = await web.post(
        f"{E}/services/{code}/applications/{number}", data={"csrf_token": csrf_of(page), "action": "APPROVE"}
    )

    assert response.status_code == 400
    assert 'class="error"' in response.text


async def test_approved_application_offers_its_certificate_pdf(
    web: httpx.AsyncClient, platform_of_web: Platform
) -> None:
    code = await tl_code(web)
    citizen, application = await applied_by_api(web, code)
    number = application["applicationNumber"]
    await _pay_online(web, citizen, number, platform_of_web)
    inspector = await _staff_headers(web, "TL_INSPECTOR_AMR")
    approver = await _staff_headers(web, "TL_APPROVER_AMR")
    inspected = await act(web, inspector, code, await _found(web, inspector, code, number), "INSPECT")
    approved = await act(web, approver, code, inspected.json()["Application"], "APPROVE")
    assert approved.status_code == 200, approved.text
    await drain(platform_of_web)
    await web_login(web)

    page = await web.get(f"{C}/services/{code}/applications/{number}")
    pdf = await web.get(f"{C}/services/{code}/applications/{number}/pdf", params={"key": "studio-certificate"})

    assert 'id="pdf-certificate"' in page.text and "Approved" in page.text
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")


async def _staff_headers(web: httpx.AsyncClient, user: str) -> dict[str, str]:
    return await login(web, user, CITY)


async def _found(web: httpx.AsyncClient, headers: dict[str, str], code: str, number: str) -> dict[str, Any]:
    response = await web.get(
        f"/public-service/v1/application/{code}", params={"applicationNumber": number}, headers=studio(headers)
    )
    found: dict[str, Any] = response.json()["Application"][0]
    return found


@pytest.mark.parametrize("locale", ["en_IN", "hi_IN"])
async def test_service_pages_render_in_the_locale_with_no_missing_message_keys(
    web: httpx.AsyncClient, locale: str
) -> None:
    code = await tl_code(web)
    _, application = await applied_by_api(web, code)
    number = application["applicationNumber"]
    await web_login(web)
    citizen_pages = [
        f"{C}?locale={locale}",
        f"{C}/services",
        f"{C}/services/{code}/apply",
        f"{C}/services/applications",
        f"{C}/services/{code}/applications/{number}",
    ]
    citizen_html = [(await web.get(path)).text for path in citizen_pages]
    await staff_login(web, "TL_INSPECTOR_AMR")
    employee_html = [
        (await web.get(f"{E}/services/{code}/inbox", params={"locale": locale})).text,
        (await web.get(f"{E}/services/{code}/applications/{number}")).text,
    ]

    for html in [*citizen_html, *employee_html]:
        assert f'lang="{locale.replace("_", "-")}"' in html
        assert not re.findall(r"\b(?:CU|EU|CS|WF)_[A-Z_]{3,}\b", visible_text(html))
    assert "व्यापार लाइसेंस" in citizen_html[2] if locale == "hi_IN" else "Trade licence" in citizen_html[2]


async def test_registrar_verifies_a_birth_certificate_application_from_its_inbox(web: httpx.AsyncClient) -> None:
    code = await service_code(web, await citizen_login(web, otp=OTP), "CivilRegistration")
    citizen = await citizen_login(web, otp=OTP)
    applied = await apply(web, citizen, code, birth(await upload(web, citizen)))
    number = applied.json()["Application"]["applicationNumber"]
    await staff_login(web, "BND_REGISTRAR_AMR")

    menu = menu_links((await web.get(E)).text)
    inbox = await web.get(f"{E}/services/{code}/inbox")
    page = await web.get(f"{E}/services/{code}/applications/{number}")
    acted = await web.post(
        f"{E}/services/{code}/applications/{number}",
        data={"csrf_token": csrf_of(page), "action": "VERIFY", "comment": "hospital record seen"},
    )

    assert applied.status_code == 200, applied.text
    assert f"{E}/services/{code}/inbox" in menu
    assert number in inbox.text
    assert "Asha" in page.text and 'id="form-verify"' in page.text  # the form's values, from the definition
    assert acted.status_code == 303, visible_text(acted.text)


async def test_the_certificates_qr_page_says_genuine_to_anyone_and_shows_only_what_is_printed(
    web: httpx.AsyncClient, platform_of_web: Platform
) -> None:
    code = await tl_code(web)
    citizen, application = await applied_by_api(web, code)
    number = application["applicationNumber"]
    await _pay_online(web, citizen, number, platform_of_web)
    officer = await employee_with(web, "TL_BOTH_1", "9123400501", "TL_FIELD_INSPECTOR", "TL_APPROVER")
    inspected = await act(web, officer, code, await _found(web, officer, code, number), "INSPECT")
    approved = (await act(web, officer, code, inspected.json()["Application"], "APPROVE")).json()["Application"]
    token = approved["certificate"]["token"]
    web.cookies.clear()  # a passer-by who scanned the QR code: no session

    page = await web.get(f"{C}/services/certificate/verify", params={"tenantId": CITY, "token": token})
    forged = await web.get(f"{C}/services/certificate/verify", params={"tenantId": CITY, "token": "X" + token})

    assert page.status_code == 200, page.text
    assert 'data-verdict="genuine"' in page.text
    assert number in page.text and "Demo Citizen" in page.text and "Trade licence" in page.text
    assert "9999999999" not in page.text and "Mall Road" not in page.text and "Corner Books" not in page.text
    assert forged.status_code == 400
    assert 'data-verdict="not-genuine"' in forged.text
