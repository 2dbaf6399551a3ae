"""Dashboard pages of the employee app: KPI cards, SVG charts, locality filter, CSV (block: analytics, web)."""

from __future__ import annotations

import httpx
import pytest

from digit.kernel.clock import FrozenClock
from digit.kernel.platform import Platform
from tests.analytics_helpers import grievances
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
