"""Analytics: long ranges read month rollups, their edges read days, and the numbers do not change (block: analytics).

The history (tests/analytics_helpers.grievances): three complaints filed in Amritsar on 26 November 2026.
"""

from __future__ import annotations

import httpx
import pytest

from digit.kernel.clock import FrozenClock
from digit.kernel.platform import Platform
from tests.analytics_helpers import chart, commissioner, grievances, ms, value

DAY_MS = 86_400_000


@pytest.fixture
async def history(api: httpx.AsyncClient, platform: Platform, clock: FrozenClock) -> list[str]:
    return await grievances(api, platform, clock)


@pytest.mark.parametrize(
    ("start", "end", "expected"),
    [
        (ms(2026, 11, 1), ms(2026, 12, 1) - 1, 3),  # one whole month
        (ms(2026, 10, 15), ms(2026, 12, 20), 3),  # days, a whole month, days
        (ms(2026, 11, 26), ms(2027, 1, 1) - 1, 3),  # the filing day at the edge, then a whole month
        (ms(2026, 11, 27), ms(2027, 1, 1) - 1, 0),  # the days after the filing day, then a whole month
        (ms(2026, 4, 1), ms(2026, 11, 25) + DAY_MS - 1, 0),  # whole months, then days that end before it
        (ms(2026, 4, 1), ms(2027, 4, 1) - 1, 3),  # a financial year of whole months
    ],
)
async def test_a_range_counts_the_same_whatever_months_and_days_it_spans(
    api: httpx.AsyncClient, history: list[str], start: int, end: int, expected: int
) -> None:
    headers = await commissioner(api)

    assert await value(api, headers, "totalComplaints", dates=(start, end)) == expected
    assert await value(api, headers, "closedComplaints", dates=(start, end)) == min(expected, 2)


async def test_a_daily_line_over_a_whole_month_puts_complaints_on_their_day(
    api: httpx.AsyncClient, history: list[str]
) -> None:
    response = await chart(api, await commissioner(api), "cumulativeClosedComplaints", interval="day")

    assert response.status_code == 200, response.text
    plots = {p["name"]: p["value"] for p in response.json()["responseData"]["data"][0]["plots"]}  # all filed
    assert plots["25-Nov"] == 0
    assert plots["26-Nov"] == 3
    assert plots["1-Nov"] == 0


async def test_a_monthly_line_over_a_year_puts_complaints_in_their_month(
    api: httpx.AsyncClient, history: list[str]
) -> None:
    dates = (ms(2026, 4, 1), ms(2027, 4, 1) - 1)

    response = await chart(api, await commissioner(api), "cumulativeClosedComplaints", dates=dates, interval="month")

    assert response.status_code == 200, response.text
    plots = {p["name"]: p["value"] for p in response.json()["responseData"]["data"][0]["plots"]}  # all filed
    assert plots["Oct-2026"] == 0
    assert plots["Nov-2026"] == 3
    assert plots["Mar-2027"] == 3
