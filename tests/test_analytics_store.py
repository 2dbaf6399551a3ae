"""Analytics store: no PII ever enters the facts or rollups; events are applied once (block: analytics)."""

from __future__ import annotations

import httpx
from sqlalchemy import select, text

from digit.blocks.analytics.deps import ANALYTICS_DEPS
from digit.blocks.analytics.facts import ALL_TABLES, FEEDS
from digit.kernel.clock import FrozenClock
from digit.kernel.events import Event, OutboxRow
from digit.kernel.platform import Platform
from tests.analytics_helpers import CHART, chart_body, collections, commissioner, grievances, value

PII = ("9999999999", "Demo Citizen", "Counter Payer", "street light near the park", "gurudwara", "31.63", "74.87")


async def test_analytics_store_holds_no_pii_after_complaints_and_payments(
    api: httpx.AsyncClient, platform: Platform, clock: FrozenClock
) -> None:
    await grievances(api, platform, clock)
    await collections(api, platform, [500])
    found = []
    async with platform.read_sessions() as session:
        for model in ALL_TABLES:
            rows = (await session.execute(text(f"SELECT * FROM {model.__tablename__}"))).all()  # noqa: S608
            found += [(model.__tablename__, word) for row in rows for word in PII if word in str(tuple(row))]
        facts = len((await session.execute(text("SELECT id FROM eg_analytics_complaint"))).all())

    assert facts == 3
    assert found == []


async def test_an_event_applied_twice_counts_once(
    api: httpx.AsyncClient, platform: Platform, clock: FrozenClock
) -> None:
    await grievances(api, platform, clock)
    async with platform.sessions() as session:
        row = await session.scalar(select(OutboxRow).where(OutboxRow.topic == "save-pgr-request").limit(1))
        assert row is not None
        event = Event(row.id, row.topic, row.tenant_id, row.aggregate_id, row.data, row.created_time, row.created_by)
        await FEEDS[0].apply(platform.get(ANALYTICS_DEPS), session, event)
        await session.commit()

    assert await value(api, await commissioner(api), "totalComplaints") == 3


async def test_state_header_with_a_city_filter_is_scoped_to_the_city(api: httpx.AsyncClient) -> None:
    """DIGIT's DSS UI sends `headers.tenantId` = the state and the cities in `filters.tenantId`."""
    body = chart_body("totalComplaints", ["pb.amritsar"], state="pb")

    response = await api.post(CHART, json=body, headers=await commissioner(api))

    assert response.status_code == 200, response.text


async def test_state_header_alone_needs_a_state_role(api: httpx.AsyncClient) -> None:
    body = chart_body("totalComplaints", [], state="pb")

    response = await api.post(CHART, json=body, headers=await commissioner(api))

    assert response.status_code == 403
