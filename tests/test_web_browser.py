"""Web UI, the citizen's whole journey in a real headless Chromium (Debian's /usr/bin/chromium driven by
Playwright) against a real uvicorn serving the test database (package: digit.web).

Register with OTP, file a complaint with a photo, find it in My complaints, (an employee resolves it
through the API), rate it, read the notification, pay a TL bill through the sandbox gateway and
download the receipt; once in English at 360x740 and once in Hindi at 1280x800. Every page is
checked with axe-core (no serious or critical violations). Screenshots of each step are written to
the test's temporary folder (`<tmp_path>/screens/NN-step.png`).
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import FilePayload, Page, sync_playwright

from digit.app import create_app
from tests.builders import CLIENT_BASIC
from tests.conftest import base_settings
from tests.test_billing_support import demand_body
from tests.web_helpers import OTP as OTP  # re-exported: other browser tests import it from here
from tests.web_helpers import PNG as PNG

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
C = "/digit-ui/citizen"
AMRITSAR = "pb.amritsar"
RI: dict[str, Any] = {"apiId": "browser-test"}

pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists(), reason="Debian's chromium is not installed (.ci/run installs it)"
)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@pytest.fixture
def served(database_url: str, tmp_path: Path) -> Iterator[str]:
    """A real uvicorn on a free port, with the background dispatcher (notifications, receipts) running."""
    port = _free_port()
    settings = base_settings(
        database_url, tmp_path / "var", fixed_otp=OTP, run_background=True, port=port, events_poll_ms=100
    )
    server = uvicorn.Server(
        uvicorn.Config(create_app(settings), host="127.0.0.1", port=port, log_config=None, access_log=False)
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 60
    while not server.started and thread.is_alive() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert server.started, "uvicorn did not start"
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(30)


class Staff:
    """The employee side, through the API (there is no employee UI yet)."""

    def __init__(self, base: str) -> None:
        self.http = httpx.Client(base_url=base, timeout=60)

    def token(self, user: str, tenant_id: str = AMRITSAR) -> dict[str, str]:
        form = {
            "username": user,
            "password": "eGov@123",
            "grant_type": "password",
            "scope": "read",
            "tenantId": tenant_id,
            "userType": "EMPLOYEE",
        }
        response = self.http.post("/user/oauth/token", data=form, headers={"Authorization": CLIENT_BASIC})
        assert response.status_code == 200, response.text
        return {"Authorization": f"Bearer {response.json()['access_token']}"}

    def resolve(self, service_request_id: str) -> None:
        gro, hr = self.token("GRO_AMR"), self.token("HR_AMR")
        found = self.http.post(
            f"/pgr-services/v2/request/_search?tenantId={AMRITSAR}&serviceRequestId={service_request_id}",
            json={"RequestInfo": RI},
            headers=gro,
        )
        service = found.json()["ServiceWrappers"][0]["service"]
        staff = self.http.post(
            f"/egov-hrms/employees/_search?tenantId={AMRITSAR}&roles=PGR_LME", json={"RequestInfo": RI}, headers=hr
        ).json()["Employees"]
        lme = next(e for e in staff if any(a["department"] == "DEPT_1" for a in e["assignments"]))
        assigned = self._act(gro, service, "ASSIGN", assignes=[lme["uuid"]], comments="Sent to the lineman")
        self._act(self.token(lme["user"]["userName"]), assigned, "RESOLVE", comments="Bulb replaced")

    def _act(self, headers: dict[str, str], service: dict[str, Any], action: str, **workflow: Any) -> dict[str, Any]:
        body = {"RequestInfo": RI, "service": service, "workflow": {"action": action, **workflow}}
        response = self.http.post("/pgr-services/v2/request/_update", json=body, headers=headers)
        assert response.status_code == 200, response.text
        updated: dict[str, Any] = response.json()["ServiceWrappers"][0]["service"]
        return updated

    def bill_tl(self, consumer_code: str) -> None:
        admin = self.token("ADMIN", "pb")
        response = self.http.post(
            "/billing-service/demand/_create", json=demand_body(consumer_code, [("TL_TAX", 500)]), headers=admin
        )
        assert response.status_code == 200, response.text


@dataclass
class Journey:
    page: Page
    base: str
    screens: Path
    axe: Axe
    step: int = 0
    violations: list[str] | None = None

    def snap(self, name: str) -> None:
        """Screenshot the step and check the page with axe-core."""
        self.step += 1
        self.page.screenshot(path=str(self.screens / f"{self.step:02d}-{name}.png"), full_page=True)
        results = self.axe.run(self.page)
        for violation in results.response["violations"]:
            if violation.get("impact") in ("serious", "critical"):
                (self.violations or []).append(f"{name}: {violation['id']} ({violation['impact']})")

    def wait_for_unread(self) -> None:
        """Notifications are written by the dispatcher after the transition; reload until the badge shows."""
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            self.page.goto(f"{self.base}{C}")
            if self.page.locator("#unread-count").count():
                return
            time.sleep(0.3)


@pytest.mark.parametrize(
    ("locale", "width", "height", "mobile"),
    [("en_IN", 360, 740, "9876511111"), ("hi_IN", 1280, 800, "9876522222")],
)
def test_citizen_journey_in_a_real_browser(
    served: str, tmp_path: Path, locale: str, width: int, height: int, mobile: str
) -> None:
    staff = Staff(served)
    screens = tmp_path / "screens"
    screens.mkdir()
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_FLAGS)
        context = browser.new_context(viewport={"width": width, "height": height}, accept_downloads=True)
        page = context.new_page()
        journey = Journey(page=page, base=served, screens=screens, axe=Axe(), violations=[])

        page.goto(f"{served}{C}?locale={locale}")
        lang = page.get_attribute("html", "lang")
        journey.snap("home")

        page.click("#login")
        page.fill("#mobile", mobile)
        page.click("#send-otp")  # a new number: on to registration, number kept
        page.fill("#name", "Browser Citizen")
        page.click("#send-otp")
        journey.snap("register-otp")
        page.fill("#otp", OTP)
        page.click("#verify-otp")
        page.fill("#otp", OTP)  # the login OTP sent once the account exists
        page.click("#verify-otp")
        journey.snap("logged-in")

        page.click("#file-complaint")
        page.select_option("#serviceCode", "StreetLightNotWorking")
        page.select_option("#locality", index=1)
        page.fill("#landmark", "Near the park gate")
        page.fill("#description", "The street light has been off for a week")
        page.set_input_files("#photos", files=[FilePayload(name="light.png", mimeType="image/png", buffer=PNG)])
        journey.snap("complaint-form")
        page.click("#submit-complaint")
        complaint_id = page.inner_text("#complaint-id").strip()
        journey.snap("complaint-filed")

        page.goto(f"{served}{C}/pgr/complaints")
        listed = page.inner_text("#complaint-list")
        journey.snap("my-complaints")

        staff.resolve(complaint_id)
        page.click(f"text={complaint_id}")
        with page.expect_download() as acknowledgement:
            page.click("#acknowledgement")
        acknowledgement_pdf = Path(acknowledgement.value.path()).read_bytes()
        photos = page.locator("#timeline img").count()
        page.check("#rating-5")
        page.fill("#rate-comment", "Fixed quickly, thank you")
        journey.snap("rate")
        page.click("#rate-submit")
        journey.snap("rated")
        rated_actions = page.locator("#rate-submit").count()

        journey.wait_for_unread()
        page.click("#notifications-link")
        notifications = page.inner_text("#notification-list")
        journey.snap("notifications")

        staff.bill_tl(f"TL-WEB-{mobile}")
        page.goto(f"{served}{C}/payment")
        page.select_option("#businessService", "TL")
        page.fill("#consumerCode", f"TL-WEB-{mobile}")
        page.click("#find-bill")
        total = page.inner_text("#bill-total")
        journey.snap("bill")
        page.click("#pay-online")
        page.click("#pay-success")  # the sandbox gateway's page
        page.wait_for_selector("#receipt")
        journey.snap("paid")
        with page.expect_download() as receipt:
            page.click("#receipt")
        receipt_pdf = Path(receipt.value.path()).read_bytes()
        browser.close()

    assert lang == locale.replace("_", "-")
    assert complaint_id.startswith("PB-PGR-")
    assert complaint_id in listed
    assert acknowledgement_pdf.startswith(b"%PDF")
    assert photos == 1
    assert rated_actions == 0
    assert complaint_id in notifications
    assert total.startswith("500")
    assert receipt_pdf.startswith(b"%PDF")
    assert journey.violations == []
    assert len(list(screens.glob("*.png"))) == journey.step
