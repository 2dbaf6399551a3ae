"""Analytics: applications of the services configured in Studio, and revenue by locality (block: analytics).

The history (tests/analytics_helpers.licences): two trade-licence applications in Amritsar at AMR_LOC_001,
one paid (440) and approved 36 hours after it was submitted, one waiting for payment.
"""

from __future__ import annotations

import inspect

import httpx
import pytest
from sqlalchemy import func, select

from digit.blocks.analytics import service
from digit.blocks.analytics.deps import ANALYTICS_DEPS
from digit.blocks.analytics.grains import GRAINS, MONTHLY
from digit.blocks.analytics.models import CollectionDailyRow
from digit.kernel.clock import FrozenClock
from digit.kernel.platform import Platform
from tests.analytics_helpers import collections, commissioner, licences, pie, table, value


@pytest.fixture
async def history(api: httpx.AsyncClient, platform: Platform, clock: FrozenClock) -> str:
    return await licences(api, platform, clock)


async def test_total_applications_counts_the_submitted_applications(api: httpx.AsyncClient, history: str) -> None:
    assert await value(api, await commissioner(api), "totalApplications") == 2


async def test_approved_applications_counts_those_that_reached_an_active_state(
    api: httpx.AsyncClient, history: str
) -> None:
    assert await value(api, await commissioner(api), "approvedApplications") == 1


async def test_average_time_to_approve_is_in_days_from_submission(api: httpx.AsyncClient, history: str) -> None:
    assert await value(api, await commissioner(api), "averageApproveTime") == 1.5  # 36 h


async def test_applications_by_state_uses_the_current_workflow_status(api: httpx.AsyncClient, history: str) -> None:
    found = await pie(api, await commissioner(api), "applicationsByState")

    assert found == {"APPROVED": 1, "PENDINGPAYMENT": 1}


async def test_applications_by_service_table_puts_approvals_beside_applications(
    api: httpx.AsyncClient, history: str
) -> None:
    rows = await table(api, await commissioner(api), "applicationsByServiceTable")

    assert rows == {
        "NewTL": {"S.N.": "1", "Service": "NewTL", "Applications": 2, "Approved": 1, "Avg days to approve": 1.5}
    }


async def test_collection_by_locality_takes_the_locality_of_the_application_paid_for(
    api: httpx.AsyncClient, history: str
) -> None:
    found = await pie(api, await commissioner(api), "collectionByLocality")

    assert found == {"AMR_LOC_001": 440}


async def test_a_locality_filter_narrows_the_collection(api: httpx.AsyncClient, history: str) -> None:
    headers = await commissioner(api)

    inside = await value(api, headers, "totalCollectionv2", filters={"wardId": ["AMR_LOC_001"]})
    outside = await value(api, headers, "totalCollectionv2", filters={"wardId": ["AMR_LOC_002"]})

    assert (inside, outside) == (440, 0)


async def test_a_payment_for_a_consumer_of_no_known_locality_counts_under_unknown(
    api: httpx.AsyncClient, platform: Platform
) -> None:
    await collections(api, platform, [300])

    rows = await table(api, await commissioner(api), "revenueByLocality")

    assert {k: r["Collection"] for k, r in rows.items()} == {"UNKNOWN": 300}


async def test_the_state_commissioner_sees_the_applications_of_every_city(api: httpx.AsyncClient, history: str) -> None:
    assert await value(api, await commissioner(api, state=True), "totalApplications", tenants=["pb"]) == 2


async def test_rebuild_gives_the_same_applications_and_collection_by_locality(
    api: httpx.AsyncClient, platform: Platform, history: str
) -> None:
    headers = await commissioner(api)
    before = (await table(api, headers, "applicationsByServiceTable"), await pie(api, headers, "collectionByLocality"))

    await service.rebuild(platform.get(ANALYTICS_DEPS))

    after = (await table(api, headers, "applicationsByServiceTable"), await pie(api, headers, "collectionByLocality"))
    assert after == before


async def test_every_grain_of_a_rollup_holds_the_same_totals(
    api: httpx.AsyncClient, platform: Platform, history: str
) -> None:
    """The narrow grains and their month copies are projections of the full cube: summed, each gives the same
    collection (440)."""
    async with platform.read_sessions() as session:
        rows = await session.execute(
            select(CollectionDailyRow.grain, func.sum(CollectionDailyRow.amount)).group_by(CollectionDailyRow.grain)
        )
        totals = {grain: float(amount) for grain, amount in rows.all()}

    grains = list(GRAINS["eg_analytics_collection_daily"])
    assert totals == dict.fromkeys([*grains, *(grain + MONTHLY for grain in grains)], 440.0)


def test_the_analytics_service_looks_nothing_up_on_the_platform() -> None:
    """Its dependencies come in one `AnalyticsDeps`, built by the block's install (deps.py)."""
    source = inspect.getsource(service)

    assert "platform" not in source.lower()
    assert "AnalyticsDeps" in source
