"""Web UI, the employee journeys in a real headless Chromium (Debian's /usr/bin/chromium driven by
Playwright) against a real uvicorn (package: digit.web).

A citizen files a complaint in the browser; GRO_AMR logs in, filters the inbox and assigns it to the
department's LME; LME_AMR_1 resolves it with a photo; the citizen sees it resolved; COLL_AMR takes a
cash payment at the counter and opens the receipt PDF; HR_AMR creates an employee who then logs in; the
state administrator adds a complaint type with its English and Hindi names, which the citizen then reads in
Hindi in the file-a-complaint form, and opens the PGR workflow's diagram.
The inbox is also opened in Hindi (labels from localization, `lang` set). Every page is checked with
axe-core (no serious or critical violations); screenshots of each step go to `<tmp_path>/screens/`.
"""

from __future__ import annotations

import re
from pathlib import Path

import httpx
import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, FilePayload, Page, sync_playwright

from tests.builders import DEMO_PASSWORD
from tests.test_web_browser import CHROMIUM, CHROMIUM_FLAGS, Journey, Staff, served
from tests.web_helpers import OTP, PNG

__all__ = ["served"]  # the real-uvicorn fixture, shared with the citizen journey

E = "/digit-ui/employee"
C = "/digit-ui/citizen"
CITIZEN_MOBILE = "9876533333"

pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists(), reason="Debian's chromium is not installed (.ci/run installs it)"
)


def _staff_page(
    browser: Browser, journey: Journey, base: str, user: str, password: str = DEMO_PASSWORD, tenant: str = "pb.amritsar"
) -> Page:
    """A fresh browser context logged in as this employee (at Amritsar unless told)."""
    page = browser.new_context(viewport={"width": 1280, "height": 800}, accept_downloads=True).new_page()
    journey.page = page
    page.goto(f"{base}{E}")
    page.fill("#username", user)
    page.fill("#password", password)
    page.select_option("#tenantId", tenant)
    page.click("#login-submit")
    page.wait_for_selector("#menu, #no-menu")
    return page


def test_employee_journeys_in_a_real_browser(served: str, tmp_path: Path) -> None:
    staff = Staff(served)
    screens = tmp_path / "screens"
    screens.mkdir()
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_FLAGS)
        citizen = browser.new_context(viewport={"width": 360, "height": 740}).new_page()
        journey = Journey(page=citizen, base=served, screens=screens, axe=Axe(), violations=[])

        # a citizen registers and files a complaint in the browser
        citizen.goto(f"{served}{C}/login")
        citizen.fill("#mobile", CITIZEN_MOBILE)
        citizen.click("#send-otp")
        citizen.fill("#name", "Journey Citizen")
        citizen.click("#send-otp")
        citizen.fill("#otp", OTP)
        citizen.click("#verify-otp")
        citizen.fill("#otp", OTP)
        citizen.click("#verify-otp")
        citizen.goto(f"{served}{C}/pgr/create-complaint?tenantId=pb.amritsar")
        citizen.select_option("#serviceCode", "StreetLightNotWorking")
        citizen.select_option("#locality", index=1)
        citizen.fill("#description", "Street light dark since Monday")
        citizen.click("#submit-complaint")
        complaint_id = citizen.inner_text("#complaint-id").strip()
        journey.snap("citizen-filed")

        # the GRO filters the inbox and assigns the complaint
        gro = _staff_page(browser, journey, served, "GRO_AMR")
        journey.snap("gro-home")
        gro.click("#menu-inbox")
        gro.click("#filters-toggle")
        gro.select_option("#status", "PENDINGFORASSIGNMENT")
        gro.click("#apply-filters")
        listed = gro.inner_text("#inbox-table")
        journey.snap("inbox-filtered")
        gro.goto(f"{served}{E}/inbox?locale=hi_IN")
        hindi_lang = gro.get_attribute("html", "lang")
        hindi_title = gro.inner_text("h1")
        journey.snap("inbox-hindi")
        gro.goto(f"{served}{E}/inbox?locale=en_IN")
        gro.fill("#q", complaint_id)
        gro.click("#search-submit")
        gro.click(f"text={complaint_id}")
        journey.snap("complaint-page")
        gro.select_option("#assignee-assign", index=1)
        gro.fill("#comment-assign", "Please replace the bulb")
        gro.click("#submit-assign")
        assigned_status = gro.inner_text("#complaint-status")
        journey.snap("assigned")

        # the LME resolves it with a photo
        lme = _staff_page(browser, journey, served, "LME_AMR_1")
        lme.goto(f"{served}{E}/inbox?mine=1")
        lme.click(f"text={complaint_id}")
        lme.fill("#comment-resolve", "Bulb replaced")
        lme.set_input_files("#photos-resolve", files=[FilePayload(name="fixed.png", mimeType="image/png", buffer=PNG)])
        journey.snap("resolve-form")
        lme.click("#submit-resolve")
        resolved_status = lme.inner_text("#complaint-status")
        resolved_photos = lme.locator("#timeline img").count()
        journey.snap("resolved")

        # the citizen sees it resolved
        journey.page = citizen
        citizen.goto(f"{served}{C}/pgr/complaints/{complaint_id}?tenantId=pb.amritsar")
        citizen_status = citizen.inner_text("#complaint-status")
        journey.snap("citizen-sees-resolved")

        # the collector takes a counter payment and opens the receipt
        staff.bill_tl("TL-EMP-BROWSER")
        collector = _staff_page(browser, journey, served, "COLL_AMR")
        collector.click("#menu-collect")
        collector.select_option("#businessService", "TL")
        collector.fill("#consumerCode", "TL-EMP-BROWSER")
        collector.click("#find-bill")
        journey.snap("counter-bill")
        collector.check("#mode-cash")
        collector.fill("#payerName", "Counter Payer")
        collector.click("#take-payment")
        receipt_number = collector.inner_text("#receipt-number").strip()
        journey.snap("counter-paid")
        receipt_href = collector.get_attribute("#receipt", "href") or ""
        cookies = {c["name"]: c["value"] for c in collector.context.cookies()}
        receipt_pdf = httpx.get(f"{served}{receipt_href}", cookies=cookies, timeout=60).content

        # HR creates an employee who then logs in
        hr = _staff_page(browser, journey, served, "HR_AMR")
        hr.click("#menu-hrms")
        hr.click("#create-employee")
        hr.fill("#name", "Browser Lineman")
        hr.fill("#mobile", "9812399999")
        hr.fill("#password", "Lineman@2026")
        hr.select_option("#department", "DEPT_1")
        hr.select_option("#designation", index=1)
        hr.check("#role-pgr_lme")
        journey.snap("hrms-form")
        hr.click("#save-employee")
        code = hr.inner_text("#employee-code").strip()
        journey.snap("hrms-created")
        newcomer = _staff_page(browser, journey, served, code, "Lineman@2026")
        newcomer_menu = newcomer.inner_text("#menu")
        journey.snap("newcomer-home")

        # the administrator adds a complaint type in both languages; the citizen reads it in Hindi
        admin = _staff_page(browser, journey, served, "ADMIN", tenant="pb")
        admin.click("#menu-workbench-complaint-type")
        admin.fill("#f-serviceCode", "BrokenBench")
        admin.fill("#name_en_IN", "Broken bench in a park")
        admin.fill("#name_hi_IN", "पार्क में टूटी बेंच")
        admin.select_option("#f-menuPath", index=1)
        admin.select_option("#f-department", "DEPT_1")
        admin.fill("#f-slaHours", "72")
        journey.snap("complaint-type-form")
        admin.click("#add-complaint-type")
        added_note = admin.inner_text("#added-note")
        journey.snap("complaint-type-added")
        journey.page = citizen
        citizen.goto(f"{served}{C}/pgr/create-complaint?tenantId=pb.amritsar&locale=hi_IN")
        hindi_type = citizen.inner_text("#serviceCode option[value=BrokenBench]")
        journey.snap("citizen-hindi-complaint-type")

        # the administrator opens the PGR workflow as a diagram
        journey.page = admin
        admin.click("#menu-workbench-workflow")
        admin.select_option("#tenant", "pb.amritsar")
        admin.select_option("#business-service", "PGR")
        admin.click("#show-workflow")
        diagram_states = admin.locator("#workflow-diagram .wf-state").count()
        diagram_actions = admin.locator("#workflow-diagram .wf-edge").count()
        journey.snap("workflow-diagram")
        browser.close()

    assert complaint_id.startswith("PB-PGR-")
    assert complaint_id in listed
    assert hindi_lang == "hi-IN" and re.search(r"[\u0900-\u097F]{3}", hindi_title)
    assert assigned_status == "Pending at last mile employee"
    assert resolved_status == "Resolved" and resolved_photos == 1
    assert citizen_status == "Resolved"
    assert receipt_number and receipt_pdf.startswith(b"%PDF")
    assert code.startswith("EMP-") and "Complaints inbox" in newcomer_menu
    assert "Broken bench in a park" in added_note
    assert hindi_type == "पार्क में टूटी बेंच"
    assert (diagram_states, diagram_actions) == (8, 11)
    assert journey.violations == []
    assert len(list(screens.glob("*.png"))) == journey.step
