"""Web UI, the commissioners' dashboards in a real headless Chromium (Debian's /usr/bin/chromium driven by
Playwright) against a real uvicorn with the event dispatcher running (blocks: analytics, web).

Through the API: a citizen files three street-light complaints (two at the first locality, one at the
second) and the GRO rejects one; a trade licence applied for at AMR_LOC_001 is paid at the counter (440).
Then the Amritsar commissioner (COMM_AMR) opens the grievance dashboard, filters it by locality and downloads
a chart's CSV, and opens the revenue dashboard filtered by the licence's locality; the state commissioner
(COMM_PB, logged in at the state, on a phone-sized screen) opens the revenue dashboard for every city, filters
it by locality and downloads the by-city table. Every page is checked with axe-core (no serious or critical
violations); screenshots go to `<tmp_path>/screens/`.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, Page, sync_playwright

from tests.builders import CLIENT_BASIC, DEMO_PASSWORD
from tests.test_studio_tradelicence import tl_application
from tests.test_web_browser import CHROMIUM, CHROMIUM_FLAGS, OTP, PNG, Journey, Staff, served

__all__ = ["served"]  # the real-uvicorn fixture, shared with the other browser journeys

E = "/digit-ui/employee"
AMRITSAR = "pb.amritsar"
RI: dict[str, Any] = {"apiId": "browser-test"}
CHART = "/dashboard-analytics/dashboard/getChartV2"
FIRST, SECOND = "AMR_LOC_001", "AMR_LOC_002"

pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists(), reason="Debian's chromium is not installed (.ci/run installs it)"
)


class History(Staff):
    """What the commissioners will look at, made through the API."""

    def citizen(self, mobile: str = "9876544444") -> dict[str, str]:
        """A new citizen, registered and logged in by OTP (the server's fixed test OTP)."""
        for purpose in ("register", "login"):
            otp = {"mobileNumber": mobile, "tenantId": "pb", "type": purpose, "userType": "CITIZEN"}
            assert self.http.post("/user-otp/v1/_send", json={"RequestInfo": RI, "otp": otp}).status_code == 200
            if purpose == "register":
                user = {"name": "Dashboard Citizen", "mobileNumber": mobile, "otpReference": OTP, "tenantId": "pb"}
                created = self.http.post("/user/citizen/_create", json={"RequestInfo": RI, "user": user})
                assert created.status_code == 200, created.text
        form = {
            "username": mobile,
            "password": OTP,
            "grant_type": "password",
            "scope": "read",
            "tenantId": "pb",
            "userType": "CITIZEN",
        }
        response = self.http.post("/user/oauth/token", data=form, headers={"Authorization": CLIENT_BASIC})
        assert response.status_code == 200, response.text
        return {"Authorization": f"Bearer {response.json()['access_token']}"}

    def complaints(self, citizen: dict[str, str]) -> None:
        filed = []
        for locality in (FIRST, FIRST, SECOND):
            service = {
                "tenantId": AMRITSAR,
                "serviceCode": "StreetLightNotWorking",
                "description": "Street light off",
                "source": "web",
                "address": {"city": AMRITSAR, "locality": {"code": locality}},
            }
            body = {"RequestInfo": RI, "service": service, "workflow": {"action": "APPLY"}}
            response = self.http.post("/pgr-services/v2/request/_create", json=body, headers=citizen)
            assert response.status_code == 200, response.text
            filed.append(response.json()["ServiceWrappers"][0]["service"])
        self._act(self.token("GRO_AMR"), filed[0], "REJECT", comments="duplicate")

    def paid_licence(self, citizen: dict[str, str]) -> None:
        studio = {**citizen, "X-Tenant-Id": AMRITSAR}
        services = self.http.get("/public-service/v1/service", params={"module": "Tradelicence"}, headers=studio)
        code = services.json()["Services"][0]["serviceCode"]
        documents = []
        for kind in ("ID_PROOF.AADHAAR", "OWNERSHIP_PROOF.RENT_AGREEMENT"):
            uploaded = self.http.post(
                "/filestore/v1/files",
                data={"tenantId": AMRITSAR, "module": "studio"},
                files=[("file", ("proof.png", PNG, "image/png"))],
                headers=citizen,
            )
            assert uploaded.status_code == 201, uploaded.text
            documents.append({"documentType": kind, "fileStoreId": uploaded.json()["files"][0]["fileStoreId"]})
        body = {"RequestInfo": RI, "Application": {"tenantId": AMRITSAR, **tl_application(documents)}}
        applied = self.http.post(f"/public-service/v1/application/{code}", json=body, headers=studio)
        assert applied.status_code == 200, applied.text
        number = applied.json()["Application"]["applicationNumber"]
        clerk = self.token("COLL_AMR")
        bill = self.http.post(
            "/billing-service/bill/v2/_fetchbill",
            params={"tenantId": AMRITSAR, "consumerCode": number, "businessService": "TL"},
            json={"RequestInfo": RI},
            headers=clerk,
        ).json()["Bill"][0]
        detail = {"billId": bill["id"], "totalDue": 440, "totalAmountPaid": 440, "businessService": "TL"}
        payment = {
            "tenantId": AMRITSAR,
            "totalDue": 440,
            "totalAmountPaid": 440,
            "paymentMode": "CASH",
            "payerName": "Dashboard Citizen",
            "paidBy": "OWNER",
            "mobileNumber": "9876544444",
            "paymentDetails": [detail],
        }
        paid = self.http.post(
            "/collection-services/payments/_create", json={"RequestInfo": RI, "Payment": payment}, headers=clerk
        )
        assert paid.status_code == 200, paid.text

    def wait_for(self, code: str, want: float) -> None:
        """The dispatcher feeds the analytics store after each commit: poll getChartV2 until it shows."""
        headers, now = self.token("COMM_AMR"), int(time.time() * 1000)
        body = {
            "RequestInfo": RI,
            "headers": {"tenantId": "pb"},
            "aggregationRequestDto": {
                "visualizationCode": code,
                "filters": {"tenantId": [AMRITSAR]},
                "requestDate": {"startDate": now - 86_400_000, "endDate": now + 86_400_000},
            },
        }
        found = None
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            found = self.http.post(CHART, json=body, headers=headers).json()["responseData"]["data"][0]["headerValue"]
            if found == want:
                return
            time.sleep(0.2)
        raise AssertionError(f"{code} is {found}, not {want}, after 30 s")


def _commissioner(browser: Browser, journey: Journey, base: str, user: str, tenant: str, size: tuple[int, int]) -> Page:
    page = browser.new_context(viewport={"width": size[0], "height": size[1]}, accept_downloads=True).new_page()
    journey.page = page
    page.goto(f"{base}{E}")
    page.fill("#username", user)
    page.fill("#password", DEMO_PASSWORD)
    page.select_option("#tenantId", tenant)
    page.click("#login-submit")
    page.wait_for_selector("#menu, #no-menu")
    return page


def _kpi(page: Page, code: str) -> str:
    return page.inner_text(f"#kpi-{code} .kpi-value").strip()


def _filter_by_locality(page: Page, locality: str) -> None:
    page.fill("#dss-locality", locality)
    with page.expect_navigation():
        page.click("#dss-filters button[type=submit]")


def _download(page: Page, selector: str, into: Path) -> str:
    with page.expect_download() as started:
        page.click(selector)
    download = started.value
    target = into / download.suggested_filename
    download.save_as(str(target))
    return target.read_text(encoding="utf-8")


def test_commissioners_open_filter_and_download_dashboards_in_a_real_browser(served: str, tmp_path: Path) -> None:
    history = History(served)
    citizen = history.citizen()
    history.complaints(citizen)
    history.paid_licence(citizen)
    history.wait_for("totalComplaints", 3)
    history.wait_for("closedComplaints", 1)
    history.wait_for("totalCollectionv2", 440)
    screens = tmp_path / "screens"
    screens.mkdir()
    today = time.strftime("%Y-%m-%d", time.gmtime())
    dates = f"from={today}&to={today}"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_FLAGS)
        journey = Journey(page=None, base=served, screens=screens, axe=Axe(), violations=[])  # type: ignore[arg-type]

        city = _commissioner(browser, journey, served, "COMM_AMR", AMRITSAR, (1280, 800))
        city.goto(f"{served}{E}/dss/dashboard/pgr?{dates}")
        grievances = (_kpi(city, "totalComplaints"), _kpi(city, "closedComplaints"))
        journey.snap("city-grievances")
        _filter_by_locality(city, SECOND)
        at_second = _kpi(city, "totalComplaints")
        journey.snap("city-grievances-by-locality")
        city_csv = _download(city, "#chart-pgrStatusByLocality a.csv", tmp_path)
        city.goto(f"{served}{E}/dss/dashboard/revenue?{dates}")
        collected = _kpi(city, "totalCollectionv2")
        _filter_by_locality(city, FIRST)
        collected_at_first = _kpi(city, "totalCollectionv2")
        journey.snap("city-revenue-by-locality")

        state = _commissioner(browser, journey, served, "COMM_PB", "pb", (360, 740))
        state.goto(f"{served}{E}/dss/dashboard/revenue?scope=pb&{dates}")
        state_collected = _kpi(state, "totalCollectionv2")
        journey.snap("state-revenue")
        _filter_by_locality(state, SECOND)
        state_at_second = _kpi(state, "totalCollectionv2")
        journey.snap("state-revenue-by-locality")
        _filter_by_locality(state, FIRST)
        state_csv = _download(state, "#chart-revenueByTenant a.csv", tmp_path)
        journey.snap("state-revenue-csv")
        browser.close()

    assert grievances == ("3", "1")
    assert at_second == "1"
    assert city_csv.splitlines()[0].startswith("S.N.,Locality,Total")
    assert [line.split(",")[1:3] for line in city_csv.strip().splitlines()[1:]] == [[SECOND, "1"]]
    assert (collected, collected_at_first) == ("₹ 440", "₹ 440")
    assert (state_collected, state_at_second) == ("₹ 440", "₹ 0")
    assert state_csv.splitlines()[1].split(",")[1:3] == [AMRITSAR, "440"]
    assert len(list(screens.glob("*.png"))) == 6
    assert journey.violations == []
