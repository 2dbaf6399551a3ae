"""Events admin through HTTP: a SUPERUSER lists dead letters and replays them (block: events)."""

from __future__ import annotations

import httpx
import pytest

from digit.kernel.clock import FrozenClock
from digit.kernel.dispatch import drain
from digit.kernel.platform import Platform
from tests.builders import login
from tests.test_events_dispatch import Recorder, subscribe, write_events

SEARCH = "/events/v1/dead-letters/_search"
REPLAY = "/events/v1/dead-letters/_replay"


@pytest.fixture
async def admin(api: httpx.AsyncClient) -> dict[str, str]:
    return await login(api, "ADMIN", "pb")


async def dead_letter(platform: Platform, clock: FrozenClock, recorder: Recorder) -> str:
    """An event that failed every attempt of the recorder; its id."""
    [event_id] = await write_events(platform, "PB-PGR-9")
    for _ in range(platform.settings.events_max_attempts):
        await drain(platform)
        clock.advance(hours=1)
    return event_id


async def test_admin_lists_dead_letters_of_the_tenant(
    api: httpx.AsyncClient, admin: dict[str, str], platform: Platform, clock: FrozenClock
) -> None:
    event_id = await dead_letter(platform, clock, subscribe(platform, Recorder(failures=99)))

    response = await api.post(SEARCH, params={"tenantId": "pb"}, json={"RequestInfo": {}}, headers=admin)

    assert response.status_code == 200
    [letter] = response.json()["DeadLetters"]
    assert (letter["eventId"], letter["consumer"], letter["status"], letter["attempts"]) == (
        event_id, "test-recorder", "DEAD", platform.settings.events_max_attempts
    )  # fmt: skip
    assert letter["lastError"] == "Invalid:TEST_CONSUMER_DOWN"


async def test_replayed_dead_letter_is_delivered_once_the_consumer_works(
    api: httpx.AsyncClient, admin: dict[str, str], platform: Platform, clock: FrozenClock
) -> None:
    recorder = subscribe(platform, Recorder(failures=platform.settings.events_max_attempts))
    event_id = await dead_letter(platform, clock, recorder)
    listed = await api.post(SEARCH, params={"tenantId": "pb"}, json={"RequestInfo": {}}, headers=admin)
    [letter_id] = [d["id"] for d in listed.json()["DeadLetters"]]

    replay = await api.post(REPLAY, json={"RequestInfo": {}, "tenantId": "pb", "ids": [letter_id]}, headers=admin)
    await drain(platform)
    after = await api.post(SEARCH, params={"tenantId": "pb"}, json={"RequestInfo": {}}, headers=admin)

    assert replay.status_code == 200
    assert replay.json()["DeadLetters"][0]["status"] == "REPLAYED"
    assert [e.id for e in recorder.seen] == [event_id]
    assert after.json()["DeadLetters"] == []


async def test_replay_of_unknown_dead_letter_is_404(api: httpx.AsyncClient, admin: dict[str, str]) -> None:
    response = await api.post(REPLAY, json={"RequestInfo": {}, "tenantId": "pb", "ids": ["nope"]}, headers=admin)

    assert response.status_code == 404
    assert [e["code"] for e in response.json()["Errors"]] == ["DEAD_LETTER_NOT_FOUND"]


async def test_dead_letters_are_not_for_a_grievance_officer(api: httpx.AsyncClient) -> None:
    gro = await login(api, "GRO_AMR", "pb.amritsar")

    response = await api.post(SEARCH, params={"tenantId": "pb.amritsar"}, json={"RequestInfo": {}}, headers=gro)

    assert response.status_code == 403


async def test_outbox_stats_count_pending_events(
    api: httpx.AsyncClient, admin: dict[str, str], platform: Platform
) -> None:
    stats = "/events/v1/outbox/_stats"
    before = await api.post(stats, params={"tenantId": "pb"}, json={"RequestInfo": {}}, headers=admin)
    await write_events(platform, "A", "B")

    response = await api.post(stats, params={"tenantId": "pb"}, json={"RequestInfo": {}}, headers=admin)

    assert response.status_code == 200
    assert response.json()["pendingEvents"] == before.json()["pendingEvents"] + 2


@pytest.mark.parametrize("query", [{"limit": "501"}, {"limit": "0"}, {"offset": "-1"}, {"status": "PENDING"}])
async def test_search_with_page_or_status_out_of_bounds_is_400(
    api: httpx.AsyncClient, admin: dict[str, str], query: dict[str, str]
) -> None:
    response = await api.post(SEARCH, params={"tenantId": "pb", **query}, json={"RequestInfo": {}}, headers=admin)

    assert response.status_code == 400
    assert [e["code"] for e in response.json()["Errors"]] == ["INVALID_REQUEST"]


async def test_search_by_status_replayed_lists_the_replayed_letter(
    api: httpx.AsyncClient, admin: dict[str, str], platform: Platform, clock: FrozenClock
) -> None:
    await dead_letter(platform, clock, subscribe(platform, Recorder(failures=99)))
    listed = await api.post(SEARCH, params={"tenantId": "pb"}, json={"RequestInfo": {}}, headers=admin)
    [letter_id] = [d["id"] for d in listed.json()["DeadLetters"]]
    await api.post(REPLAY, json={"RequestInfo": {}, "tenantId": "pb", "ids": [letter_id]}, headers=admin)

    response = await api.post(
        SEARCH, params={"tenantId": "pb", "status": "REPLAYED"}, json={"RequestInfo": {}}, headers=admin
    )

    assert [(d["id"], d["status"]) for d in response.json()["DeadLetters"]] == [(letter_id, "REPLAYED")]
