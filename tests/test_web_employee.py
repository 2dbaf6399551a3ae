"""Web UI, employee app over HTTP: login, the menu from role-actions, the 403 page, the inbox, acting on
a complaint, a CSR filing for a citizen, counter collection, HRMS, locales (package: digit.web)."""

from __future__ import annotations

import json
import re
from typing import Any

import httpx
import pytest

from digit.kernel.resources import demo_data_dir
from tests.builders import citizen_login, login
from tests.pgr_helpers import complaint, file_complaint, localities, service_of
from tests.test_billing_support import create_demand
from tests.web_helpers import AMRITSAR, OTP, PNG, StartApp, post_form, visible_text
from tests.web_helpers import csrf_of as csrf_of  # other web tests import it from here

E = "/digit-ui/employee"


@pytest.fixture
async def web(make_api: StartApp) -> httpx.AsyncClient:
    """The app as a browser talks to it (cookies kept), with the demo's fixed OTP."""
    _, client = await make_api(fixed_otp=OTP)
    return client


async def staff_login(web: httpx.AsyncClient, user: str, tenant_id: str = AMRITSAR) -> httpx.Response:
    web.cookies.clear()
    return await post_form(
        web, f"{E}/login", f"{E}/login", username=user, password="eGov@123", tenantId=tenant_id, next=E
    )


async def filed_complaint(web: httpx.AsyncClient, mobile: str = "9999999999") -> dict[str, Any]:
    """A complaint the demo citizen filed through the API (Street Lights, so DEPT_1)."""
    headers = await citizen_login(web, mobile, otp=OTP)
    return service_of(await file_complaint(web, headers, complaint(AMRITSAR, (await localities(web, AMRITSAR))[0])))


def menu_links(html: str) -> list[str]:
    found = re.search(r'<nav aria-label="[^"]*" class="menu" id="menu">(.*?)</nav>', html, re.S)
    return re.findall(r'href="([^"]+)"', found.group(1)) if found else []


async def test_root_links_to_the_employee_app(web: httpx.AsyncClient) -> None:
    response = await web.get("/")

    assert f'href="{E}"' in response.text


async def test_employee_app_greets_a_visitor_with_a_password_login_form(web: httpx.AsyncClient) -> None:
    response = await web.get(E)

    assert response.status_code == 200
    assert 'type="password"' in response.text and 'name="username"' in response.text


async def test_login_page_in_hindi_is_in_hindi(web: httpx.AsyncClient) -> None:
    response = await web.get(f"{E}?locale=hi_IN")

    assert '<html lang="hi-IN">' in response.text
    assert "कर्मचारी लॉगिन" in response.text


async def test_login_with_a_wrong_password_shows_the_error_at_the_field(web: httpx.AsyncClient) -> None:
    response = await post_form(web, f"{E}/login", f"{E}/login", username="GRO_AMR", password="nope", tenantId=AMRITSAR)

    assert response.status_code == 400
    assert 'id="password-error"' in response.text
    assert 'value="GRO_AMR"' in response.text


async def test_gro_menu_has_the_inbox_but_not_hrms_or_collection(web: httpx.AsyncClient) -> None:
    await staff_login(web, "GRO_AMR")

    home = await web.get(E)

    assert menu_links(home.text) == [f"{E}/inbox"]


async def test_collector_menu_has_collection_only(web: httpx.AsyncClient) -> None:
    await staff_login(web, "COLL_AMR")

    home = await web.get(E)

    assert menu_links(home.text) == [f"{E}/collect"]


async def test_role_without_the_action_gets_a_403_page_on_the_url(web: httpx.AsyncClient) -> None:
    await staff_login(web, "COLL_AMR")

    response = await web.get(f"{E}/inbox")

    assert response.status_code == 403
    assert response.headers["content-type"].startswith("text/html")
    assert 'id="error-detail"' in response.text and "Traceback" not in response.text


async def test_admin_reaches_every_screen_through_state_roles(web: httpx.AsyncClient) -> None:
    await staff_login(web, "ADMIN", "pb")

    home = await web.get(E)

    assert {f"{E}/inbox", f"{E}/collect", f"{E}/hrms"} <= set(menu_links(home.text))


async def test_a_page_without_a_session_leads_to_the_employee_login(web: httpx.AsyncClient) -> None:
    response = await web.get(f"{E}/inbox?status=PENDINGFORASSIGNMENT")

    assert response.status_code == 303
    assert response.headers["location"].startswith(f"{E}/login?next=")


async def test_gro_of_another_city_cannot_open_an_amritsar_complaint(web: httpx.AsyncClient) -> None:
    filed = await filed_complaint(web)
    await staff_login(web, "GRO_JAL", "pb.jalandhar")

    own_city = await web.get(f"{E}/pgr/complaint/{filed['serviceRequestId']}")
    asked_for = await web.get(f"{E}/pgr/complaint/{filed['serviceRequestId']}?tenantId={AMRITSAR}")

    assert own_city.status_code == 404 and asked_for.status_code == 403
    assert filed["description"] not in own_city.text + asked_for.text


async def test_inbox_lists_the_complaint_with_status_counts_and_sla_left(web: httpx.AsyncClient) -> None:
    filed = await filed_complaint(web)
    await staff_login(web, "GRO_AMR")

    response = await web.get(f"{E}/inbox")

    assert response.status_code == 200
    assert filed["serviceRequestId"] in response.text
    assert re.search(r"Pending for assignment\s*<strong>1</strong>", response.text)
    assert re.search(r"\d+ d \d+ h left", response.text)


async def test_inbox_status_filter_leaves_out_other_statuses(web: httpx.AsyncClient) -> None:
    filed = await filed_complaint(web)
    await staff_login(web, "GRO_AMR")

    response = await web.get(f"{E}/inbox?status=RESOLVED")

    assert filed["serviceRequestId"] not in response.text


async def test_inbox_search_by_citizen_mobile_finds_the_complaint(web: httpx.AsyncClient) -> None:
    filed = await filed_complaint(web)
    await staff_login(web, "GRO_AMR")

    response = await web.get(f"{E}/inbox?q=9999999999")

    assert filed["serviceRequestId"] in response.text


async def test_inbox_pages_twenty_complaints_at_a_time(web: httpx.AsyncClient) -> None:
    headers = await citizen_login(web, "9999999999", otp=OTP)
    locality = (await localities(web, AMRITSAR))[0]
    for _ in range(21):
        service_of(await file_complaint(web, headers, complaint(AMRITSAR, locality)))
    await staff_login(web, "GRO_AMR")

    first = await web.get(f"{E}/inbox")
    second = await web.get(f"{E}/inbox?page=1")

    assert first.text.count('href="/digit-ui/employee/pgr/complaint/') == 20
    assert second.text.count('href="/digit-ui/employee/pgr/complaint/') == 1


async def test_complaint_page_masks_the_citizen_until_shown_and_the_read_is_audited(web: httpx.AsyncClient) -> None:
    filed = await filed_complaint(web)
    await staff_login(web, "GRO_AMR")
    page = f"{E}/pgr/complaint/{filed['serviceRequestId']}"

    masked = await web.get(page)
    shown = await post_form(web, f"{page}/citizen", page)
    admin = await login(web, "ADMIN", "pb")
    criteria = {"RequestInfo": {}, "tenantId": "pb", "subjectUuid": filed["accountId"]}
    audit = await web.post("/user/pii-audit/v1/_search", json=criteria, headers=admin)

    assert "9999999999" not in masked.text and "9999999999" in shown.text
    assert audit.status_code == 200 and "PGR complaint" in audit.text


async def test_complaint_page_names_the_locality_not_its_code(web: httpx.AsyncClient) -> None:
    filed = await filed_complaint(web)
    code = filed["address"]["locality"]["code"]
    await staff_login(web, "GRO_AMR")

    page = await web.get(f"{E}/pgr/complaint/{filed['serviceRequestId']}")

    assert page.status_code == 200
    assert code not in visible_text(page.text)
    assert re.search(r"<dd>[^<]*[a-z][^<]*</dd>", page.text)  # a name, where the code was


async def test_gro_assigns_to_an_lme_of_the_complaints_department(web: httpx.AsyncClient) -> None:
    filed = await filed_complaint(web)
    await staff_login(web, "GRO_AMR")
    page = f"{E}/pgr/complaint/{filed['serviceRequestId']}"
    offered = re.findall(r'<option value="([0-9a-f-]{36})"[^>]*>([^<]+)<', (await web.get(page)).text)

    response = await post_form(web, page, page, action="ASSIGN", assignee=offered[0][0], comment="Please fix")
    after = await web.get(page)

    assert [name for _, name in offered] == ["Amritsar Field Officer One"]
    assert response.status_code == 303
    assert re.search(r'id="complaint-status">Pending at last mile employee<', after.text)
    assert "Amritsar Field Officer One" in visible_text(after.text.split('id="timeline"')[1])


async def test_reject_without_a_reason_shows_the_error_at_the_field(web: httpx.AsyncClient) -> None:
    filed = await filed_complaint(web)
    await staff_login(web, "GRO_AMR")
    page = f"{E}/pgr/complaint/{filed['serviceRequestId']}"

    response = await post_form(web, page, page, action="REJECT", comment="")

    assert response.status_code == 400
    assert 'id="comment-error"' in response.text


async def test_lme_resolves_with_a_photo_that_shows_on_the_timeline(web: httpx.AsyncClient) -> None:
    filed = await filed_complaint(web)
    await staff_login(web, "GRO_AMR")
    page = f"{E}/pgr/complaint/{filed['serviceRequestId']}"
    lme = re.findall(r'<option value="([0-9a-f-]{36})"', (await web.get(page)).text)[0]
    await post_form(web, page, page, action="ASSIGN", assignee=lme)
    await staff_login(web, "LME_AMR_1")

    response = await post_form(
        web, page, page, files=[("photos", ("fixed.png", PNG, "image/png"))], action="RESOLVE", comment="Bulb replaced"
    )
    after = await web.get(page)

    assert response.status_code == 303
    assert "Bulb replaced" in after.text
    assert after.text.count("/digit-ui/citizen/files/") == 1


async def test_csr_files_a_complaint_for_a_new_citizen_by_mobile_number(web: httpx.AsyncClient) -> None:
    locality = (await localities(web, AMRITSAR))[0]
    await staff_login(web, "CSR_AMR")

    response = await post_form(
        web,
        f"{E}/pgr/create-complaint",
        f"{E}/pgr/create-complaint",
        mobile="9876500011",
        name="Counter Citizen",
        serviceCode="StreetLightNotWorking",
        locality=locality,
        description="Reported at the counter",
    )
    assert response.status_code == 303, re.findall(r"role=\"alert\">([^<]+)", response.text)
    page = await web.get(response.headers["location"])

    assert response.status_code == 303
    assert "Reported at the counter" in page.text
    assert re.search(r'id="complaint-id">PB-PGR-', page.text)


async def test_collector_takes_cash_and_opens_the_receipt_pdf(web: httpx.AsyncClient) -> None:
    await create_demand(web, await login(web, "ADMIN", "pb"), "TL-EMP-1", [("TL_TAX", 500)])
    await staff_login(web, "COLL_AMR")
    found = f"{E}/collect?businessService=TL&consumerCode=TL-EMP-1"
    bill_page = await web.get(found)
    key = re.search(r'name="key" value="([0-9a-f]+)"', bill_page.text)

    paid = await post_form(
        web,
        f"{E}/collect",
        found,
        businessService="TL",
        consumerCode="TL-EMP-1",
        paymentMode="CASH",
        amount="500",
        payerName="Counter Payer",
        key=key.group(1) if key else "",
    )
    receipt_page = await web.get(paid.headers["location"])
    receipt_link = re.search(r'href="([^"]+/collect/receipt[^"]+)"', receipt_page.text)
    pdf = await web.get(receipt_link.group(1).replace("&amp;", "&") if receipt_link else "/none")
    today = await web.get(f"{E}/collect/today")

    assert paid.status_code == 303
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    assert re.search(r'id="collections-total">500\.00<', today.text)


async def test_cheque_without_its_number_shows_the_error_at_the_field(web: httpx.AsyncClient) -> None:
    await create_demand(web, await login(web, "ADMIN", "pb"), "TL-EMP-2", [("TL_TAX", 500)])
    await staff_login(web, "COLL_AMR")
    found = f"{E}/collect?businessService=TL&consumerCode=TL-EMP-2"

    response = await post_form(
        web, f"{E}/collect", found, businessService="TL", consumerCode="TL-EMP-2", paymentMode="CHEQUE", amount="500"
    )

    assert response.status_code == 400
    assert 'id="instrumentNumber-error"' in response.text


async def test_hr_creates_an_employee_who_then_logs_in(web: httpx.AsyncClient) -> None:
    await staff_login(web, "HR_AMR")

    created = await post_form(
        web,
        f"{E}/hrms/create",
        f"{E}/hrms/create",
        name="New Lineman",
        mobile="9812300001",
        gender="MALE",
        password="Lineman@2026",
        appointed="2026-01-01",
        employeeType="PERMANENT",
        department="DEPT_1",
        designation="DESIG_14",
        roles=["PGR_LME"],
    )
    code = created.headers["location"].split("/hrms/")[1].split("?")[0]
    confirmation = await web.get(created.headers["location"])
    await staff_login(web, "HR_AMR")
    web.cookies.clear()
    logged_in = await post_form(
        web, f"{E}/login", f"{E}/login", username=code, password="Lineman@2026", tenantId=AMRITSAR
    )
    home = await web.get(E)

    assert created.status_code == 303 and code.startswith("EMP-")
    assert 'id="created-note"' in confirmation.text
    assert logged_in.status_code == 303
    assert menu_links(home.text) == [f"{E}/inbox"]


async def test_hr_deactivates_an_employee_with_a_reason(web: httpx.AsyncClient) -> None:
    await staff_login(web, "HR_AMR")
    page = f"{E}/hrms/LME_AMR_2"

    response = await post_form(web, page, page, action="deactivate", reason="RETIREMENT")
    after = await web.get(page)

    assert response.status_code == 303
    assert 'id="inactive-note"' in after.text


def _pages(service_request_id: str) -> list[str]:
    return [
        E,
        f"{E}/inbox",
        f"{E}/inbox?status=PENDINGFORASSIGNMENT&mine=1",
        f"{E}/inbox?q={service_request_id}",
        f"{E}/pgr/complaint/{service_request_id}",
        f"{E}/pgr/create-complaint",
        f"{E}/collect",
        f"{E}/collect?businessService=TL&consumerCode=NO-SUCH-CODE",
        f"{E}/collect/today",
        f"{E}/hrms",
        f"{E}/hrms/create",
        f"{E}/hrms/GRO_AMR",
        f"{E}/pgr/complaint/NO-SUCH-COMPLAINT",
    ]


@pytest.mark.parametrize("locale", ["en_IN", "hi_IN"])
async def test_every_employee_page_renders_in_the_locale_with_no_missing_message_keys(
    web: httpx.AsyncClient, locale: str
) -> None:
    filed = await filed_complaint(web)
    anonymous = [await web.get(f"{E}/login?locale={locale}")]
    await staff_login(web, "ADMIN", "pb")
    paths = _pages(filed["serviceRequestId"])
    signed_in = [await web.get(f"{p}{'&' if '?' in p else '?'}locale={locale}") for p in paths]
    pages = anonymous + signed_in

    key = re.compile(r"\b(?:EU|CU|CS|SERVICEDEFS)_[A-Z_]+\b")
    raw_keys = {f"{r.url.path}: {k}" for r in pages for k in key.findall(visible_text(r.text))}
    langs = {re.search(r'<html lang="([^"]+)"', r.text).group(1) for r in pages}  # type: ignore[union-attr]
    assert sorted({r.status_code for r in pages}) == [200, 400, 404]
    assert raw_keys == set()
    assert langs == {locale.replace("_", "-")}


def test_hindi_messages_cover_every_english_message_of_the_employee_app() -> None:
    folder = demo_data_dir() / "localization"
    english = {m["code"] for m in json.loads((folder / "en_IN" / "digit-ui-employee.json").read_text())}
    hindi = {m["code"] for m in json.loads((folder / "hi_IN" / "digit-ui-employee.json").read_text())}

    assert english - hindi == set()
