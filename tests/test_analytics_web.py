"""Dashboard pages of the employee app: KPI cards, SVG charts, locality filter, CSV (block: analytics, web)."""

from __future__ import annotations

import httpx
import pytest

from digit.kernel.clock import FrozenClock
from digit.kernel.platform import Platform
from tests.analytics_helpers import grievances, licences
from tests.test_web_employee import E, staff_login
from tests.test_web_employee import web as web  # the fixture

NOVEMBER = "from=2026-11-01&to=2026-11-30"


@pytest.fixture
async def history(web: httpx.AsyncClient, platform: Platform, clock: FrozenClock) -> list[str]:
    return await grievances(web, platform, clock)


async def test_grievance_dashboard_shows_the_kpi_cards(web: httpx.AsyncClient, history: list[str]) -> None:
    await staff_login(web, "COMM_AMR")

    page = await web.get(f"{E}/dss/dashboard/pgr?{NOVEMBER}")

    assert page.status_code == 200
    assert 'id="kpi-totalComplaints"' in page.text
    assert '<strong class="kpi-value">3</strong>' in page.text
    assert "<svg" in page.text and "<script" not in page.text.split("<main", 1)[1]


async def test_every_chart_is_titled_in_the_users_language_not_by_its_key(
    web: httpx.AsyncClient, history: list[str]
) -> None:
    await staff_login(web, "COMM_AMR")

    english = (await web.get(f"{E}/dss/dashboard/pgr?{NOVEMBER}&locale=en_IN")).text
    hindi = (await web.get(f"{E}/dss/dashboard/pgr?{NOVEMBER}&locale=hi_IN")).text

    assert "Complaints filed and closed, over time" in english  # a line chart
    assert "Status by locality" in english  # a table
    assert "स्थिति के अनुसार शिकायतें" in hindi
    captions = english.split("<figcaption>")[1:]
    assert captions and not [c for c in captions if c.lstrip().startswith(("DSS_", "pgr", "cumulative"))]


async def test_grievance_dashboard_filtered_by_locality_counts_its_complaints(
    web: httpx.AsyncClient, history: list[str]
) -> None:
    await staff_login(web, "COMM_AMR")

    page = await web.get(f"{E}/dss/dashboard/pgr?{NOVEMBER}&locality={history[1]}")

    assert '<strong class="kpi-value">1</strong>' in page.text.split('id="kpi-totalComplaints"', 1)[1][:400]


async def test_dashboard_menu_entry_comes_from_role_actions(web: httpx.AsyncClient) -> None:
    await staff_login(web, "COMM_AMR")
    commissioner = (await web.get(f"{E}/inbox")).text
    await staff_login(web, "GRO_AMR")
    officer = (await web.get(f"{E}/inbox")).text

    assert "/dss/dashboard/pgr" in commissioner
    assert "/dss/dashboard/pgr" not in officer


async def test_dashboard_without_the_role_is_the_403_page(web: httpx.AsyncClient) -> None:
    await staff_login(web, "GRO_AMR")

    page = await web.get(f"{E}/dss/dashboard/pgr")

    assert page.status_code == 403


async def test_chart_csv_downloads_the_table(web: httpx.AsyncClient, history: list[str]) -> None:
    await staff_login(web, "COMM_AMR")

    response = await web.get(f"{E}/dss/chart/pgrStatusByLocality.csv?{NOVEMBER}")

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    assert history[0] in response.text


async def test_services_dashboard_shows_applications_and_time_to_approve(
    web: httpx.AsyncClient, platform: Platform, clock: FrozenClock
) -> None:
    await licences(web, platform, clock)
    await staff_login(web, "COMM_AMR")

    page = await web.get(f"{E}/dss/dashboard/services?{NOVEMBER}")

    assert page.status_code == 200
    assert '<strong class="kpi-value">2</strong>' in page.text.split('id="kpi-totalApplications"', 1)[1][:300]
    assert '<strong class="kpi-value">1.5</strong>' in page.text.split('id="kpi-averageApproveTime"', 1)[1][:300]
    assert 'id="chart-applicationsByState"' in page.text and "PENDINGPAYMENT" in page.text


async def test_kpi_card_shows_the_previous_period(web: httpx.AsyncClient, history: list[str]) -> None:
    await staff_login(web, "COMM_AMR")

    page = await web.get(f"{E}/dss/dashboard/pgr?from=2026-11-27&to=2026-11-28")

    card = page.text.split('id="kpi-totalComplaints"', 1)[1].split("</li>", 1)[0]
    assert '<strong class="kpi-value">0</strong>' in card
    assert "-100.0%" in card and "previous period: 3" in card.replace("</span>", "")
