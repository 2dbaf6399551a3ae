"""Web UI of configured services in a real headless Chromium against a real uvicorn (package: digit.web.services).

The demo citizen applies for a trade licence through the form made from its definition (two documents
uploaded), finds it in My applications, pays the fee through the sandbox gateway from the application's
page; the demo field inspector (TL_INSPECTOR_AMR) opens the licence inbox from the menu and moves it on.
Every page is checked with axe-core (no serious or critical violations); screenshots go to `<tmp_path>/screens/`.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import FilePayload, Page, sync_playwright

from tests.test_web_browser import CHROMIUM, CHROMIUM_FLAGS, Journey, served
from tests.test_web_employee_browser import _staff_page

__all__ = ["served"]  # the real-uvicorn fixture, shared with the citizen journey

C = "/digit-ui/citizen"
E = "/digit-ui/employee"
OTP = "123456"
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360f8cfc0f01f0005000201e2a6d6cf0000000049454e44ae426082"
)

pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists(), reason="Debian's chromium is not installed (.ci/run installs it)"
)


def _wait_for_text(page: Page, selector: str, text: str, seconds: float = 30) -> str:
    """The payment moves the application on in the background dispatcher: reload until it shows."""
    deadline = time.monotonic() + seconds
    found = page.inner_text(selector)
    while text not in found and time.monotonic() < deadline:
        time.sleep(0.3)
        page.reload()
        found = page.inner_text(selector)
    return found


def test_citizen_applies_for_a_trade_licence_and_an_inspector_moves_it_on(served: str, tmp_path: Path) -> None:
    screens = tmp_path / "screens"
    screens.mkdir()
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_FLAGS)
        page = browser.new_context(viewport={"width": 390, "height": 800}).new_page()
        journey = Journey(page=page, base=served, screens=screens, axe=Axe(), violations=[])

        page.goto(f"{served}{C}/login")
        page.fill("#mobile", "9999999999")
        page.click("#send-otp")
        page.fill("#otp", OTP)
        page.click("#verify-otp")
        page.goto(f"{served}{C}")
        journey.snap("home")
        page.click("#services a[href*='TRADELICENCE-NEWTL']")
        page.fill("[name='sd.tradeDetails.tradeName']", "Browser Books")
        page.select_option("[name='sd.tradeDetails.tradeType']", "RETAIL")
        page.fill("[name='sd.tradeDetails.areaSqm']", "40")
        page.select_option("[name='address.boundarycode']", index=1)
        page.fill("[name='address.addressLine1']", "12 Mall Road")
        page.select_option("[name='doctype.ID_PROOF']", "AADHAAR")
        page.set_input_files("#doc-id_proof", files=[FilePayload(name="id.png", mimeType="image/png", buffer=PNG)])
        page.set_input_files(
            "#doc-ownership_proof", files=[FilePayload(name="rent.png", mimeType="image/png", buffer=PNG)]
        )
        journey.snap("apply-form")
        page.click("#submit-application")
        page.wait_for_selector("#application-number")
        number = page.inner_text("#application-number").strip()
        journey.snap("applied")

        page.goto(f"{served}{C}/services/applications")
        listed = page.inner_text("#application-list")
        journey.snap("my-applications")

        page.click(f"text={number}")
        page.click("#pay-fee")
        page.wait_for_selector("#pay-online")
        journey.snap("bill")
        page.click("#pay-online")
        page.click("#pay-success")  # the sandbox gateway's page
        page.wait_for_selector("#receipt")
        page.goto(f"{served}{C}/services/applications")
        page.click(f"text={number}")
        paid_status = _wait_for_text(page, "#application-status", "inspection")
        journey.snap("paid")

        inspector = _staff_page(browser, journey, served, "TL_INSPECTOR_AMR")
        inspector.click("#menu a[href*='TRADELICENCE-NEWTL']")
        inbox = inspector.inner_text("#applications")
        journey.snap("inspector-inbox")
        inspector.click(f"text={number}")
        inspector.fill("#comment-inspect", "Premises inspected")
        journey.snap("inspector-application")
        inspector.click("#submit-inspect")
        inspector.wait_for_selector("#done")
        moved = inspector.inner_text("#application-status")
        journey.snap("inspected")
        browser.close()

    assert number.startswith("PB-TL-")
    assert number in listed
    assert "inspection" in paid_status.lower()
    assert number in inbox
    assert moved == "Approval pending"
    assert journey.violations == []
