"""Analytics: events applied in batches give the numbers they give one by one (block: analytics).

The dispatcher hands the fact consumers every due event at once (`handle_many`), the rebuild replays the
outbox in chunks, and a failed batch is redelivered event by event: the store must not tell them apart.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from sqlalchemy import delete, select, text

from digit.blocks.analytics import service
from digit.blocks.analytics.batch import Batch
from digit.blocks.analytics.deps import ANALYTICS_DEPS
from digit.blocks.analytics.facts import ALL_TABLES, FEEDS, complaint_parts
from digit.blocks.analytics.models import AppliedEventRow, ComplaintDailyRow, ComplaintFactRow
from digit.kernel.clock import FrozenClock
from digit.kernel.events import Event, OutboxRow
from digit.kernel.platform import Platform
from tests.analytics_helpers import collections, commissioner, grievances, licences, table, value

AUDIT = {"id", "created_by", "created_time", "last_modified_by", "last_modified_time", "row_version"}
CHARTS = ("totalComplaints", "closedComplaints", "completionRate", "slaAchieved", "averageResolutionTime")


async def store(platform: Platform) -> dict[str, list[tuple[Any, ...]]]:
    """Every fact and rollup row, without ids and audit fields, sorted: what the store holds."""
    found = {}
    async with platform.read_sessions() as session:
        for model in ALL_TABLES:
            if model is AppliedEventRow:
                continue
            result = await session.execute(text(f"SELECT * FROM {model.__tablename__}"))  # noqa: S608
            keep = [i for i, name in enumerate(result.keys()) if name not in AUDIT]
            found[model.__tablename__] = sorted((tuple(str(row[i]) for i in keep) for row in result), key=str)
    return found


async def outbox_events(platform: Platform, topics: tuple[str, ...]) -> list[Event]:
    async with platform.read_sessions() as session:
        rows = await session.scalars(select(OutboxRow).where(OutboxRow.topic.in_(topics)).order_by(OutboxRow.seq))
        return [Event(r.id, r.topic, r.tenant_id, r.aggregate_id, r.data, r.created_time, r.created_by) for r in rows]


async def apply(platform: Platform, events: list[Event], *, one_by_one: bool) -> None:
    """The complaint events through the complaint feed: each in its own transaction, or all in one batch."""
    deps, feed = platform.get(ANALYTICS_DEPS), FEEDS[0]
    for part in [[event] for event in events] if one_by_one else [events]:
        async with platform.sessions() as session:
            await feed.apply_many(deps, session, part)
            await session.commit()


async def charts(api: httpx.AsyncClient) -> dict[str, Any]:
    headers = await commissioner(api)
    found: dict[str, Any] = {code: await value(api, headers, code) for code in CHARTS}
    found["pgrStatusByLocality"] = await table(api, headers, "pgrStatusByLocality")
    return found


@pytest.fixture
async def journey(api: httpx.AsyncClient, platform: Platform, clock: FrozenClock) -> list[Event]:
    """Three complaints filed, rejected, assigned and resolved; the dispatcher applied them in one batch."""
    await grievances(api, platform, clock)
    return await outbox_events(platform, FEEDS[0].topics)


@pytest.mark.parametrize("first_alone", [0, 3])
async def test_a_batch_with_several_events_of_a_complaint_gives_the_numbers_of_one_by_one(
    api: httpx.AsyncClient, platform: Platform, journey: list[Event], first_alone: int
) -> None:
    """`first_alone` filings go one by one first, so the batch also moves facts that already exist."""
    await service.clear_store(platform.sessions)
    await apply(platform, journey, one_by_one=True)
    one_by_one, one_by_one_charts = await store(platform), await charts(api)
    await service.clear_store(platform.sessions)

    await apply(platform, journey[:first_alone], one_by_one=True)
    await apply(platform, journey[first_alone:], one_by_one=False)

    assert len(journey) >= 6
    assert await store(platform) == one_by_one
    assert await charts(api) == one_by_one_charts
    assert one_by_one_charts["closedComplaints"] == 2


async def test_the_dispatchers_batch_gives_the_numbers_of_one_by_one(
    api: httpx.AsyncClient, platform: Platform, journey: list[Event]
) -> None:
    batched = await store(platform)
    await service.clear_store(platform.sessions)

    await apply(platform, journey, one_by_one=True)

    assert await store(platform) == batched


async def test_a_batch_redelivered_changes_nothing(
    api: httpx.AsyncClient, platform: Platform, journey: list[Event]
) -> None:
    before, before_charts = await store(platform), await charts(api)

    await apply(platform, journey, one_by_one=False)
    await apply(platform, journey[2:], one_by_one=True)

    assert await store(platform) == before
    assert await charts(api) == before_charts
    assert before_charts["totalComplaints"] == 3


async def test_rebuild_gives_the_store_the_consumers_kept(
    api: httpx.AsyncClient, platform: Platform, journey: list[Event]
) -> None:
    incremental, incremental_charts = await store(platform), await charts(api)

    replayed = await service.rebuild(platform.get(ANALYTICS_DEPS), batch_size=2)

    assert replayed >= len(journey)
    assert await store(platform) == incremental
    assert await charts(api) == incremental_charts


async def test_taking_a_contribution_off_a_missing_cell_leaves_no_negative_cell(
    api: httpx.AsyncClient, platform: Platform, journey: list[Event], caplog: pytest.LogCaptureFixture
) -> None:
    async with platform.sessions() as session:
        fact = await session.scalar(select(ComplaintFactRow).limit(1))
        assert fact is not None
        await session.execute(delete(ComplaintDailyRow))
        batch = Batch(session)
        batch.move(ComplaintDailyRow, fact.tenant_id, complaint_parts(fact)[0], None)
        await batch.finish()
        await session.commit()

    async with platform.read_sessions() as session:
        negative = await session.scalars(select(ComplaintDailyRow).where(ComplaintDailyRow.complaints < 0))
        assert list(negative) == []
    assert "analytics_rollup_negative" in caplog.messages
    assert await value(api, await commissioner(api), "totalComplaints") == 0


async def test_every_feed_batched_gives_the_numbers_of_one_by_one(
    api: httpx.AsyncClient, platform: Platform, clock: FrozenClock
) -> None:
    """Applications, demands, payments (with their consumers' localities) and complaints, all four feeds."""
    await licences(api, platform, clock)
    await collections(api, platform, [300, 200])
    batched = await store(platform)
    deps = platform.get(ANALYTICS_DEPS)
    await service.clear_store(platform.sessions)

    for feed in FEEDS:
        for event in await outbox_events(platform, feed.topics):
            async with platform.sessions() as session:
                await feed.apply(deps, session, event)
                await session.commit()

    assert await store(platform) == batched
    assert len(batched["eg_analytics_collection"]) >= 3
    assert len(batched["eg_analytics_application"]) == 2
    assert len(batched["eg_analytics_demand"]) >= 2
