"""In-app user events (egov-user-event): create, search visibility, update, counts and last access time."""

from __future__ import annotations

from typing import Any

import httpx

from digit.kernel.clock import FrozenClock
from tests.builders import citizen_login, login

EVENTS = "/egov-user-event/v1/events"


def _event(name: str, *, to_users: tuple[str, ...] = (), to_roles: tuple[str, ...] = ()) -> dict[str, Any]:
    return {
        "tenantId": "pb.amritsar",
        "eventType": "SYSTEMGENERATED",
        "name": name,
        "description": f"{name} description",
        "source": "webapp",
        "recepient": {"toUsers": list(to_users), "toRoles": list(to_roles)},
        "actions": {"actionUrls": [{"actionUrl": "/digit-ui/citizen/pgr/complaints/PB-1", "code": "VIEW"}]},
    }


async def _create(api: httpx.AsyncClient, headers: dict[str, str], *events: dict[str, Any]) -> httpx.Response:
    return await api.post(f"{EVENTS}/_create", json={"RequestInfo": {}, "events": list(events)}, headers=headers)


async def _search(api: httpx.AsyncClient, headers: dict[str, str], **params: str) -> list[dict[str, Any]]:
    response = await api.post(
        f"{EVENTS}/_search", params={"tenantId": "pb.amritsar", **params}, json={"RequestInfo": {}}, headers=headers
    )
    assert response.status_code == 200, response.text
    events: list[dict[str, Any]] = response.json()["events"]
    return events


async def test_create_event_without_recipients_is_400(api: httpx.AsyncClient) -> None:
    gro = await login(api, "GRO_AMR", "pb.amritsar")

    response = await _create(api, gro, _event("Nobody"))

    assert response.status_code == 400
    assert [e["code"] for e in response.json()["Errors"]] == ["INVALID_RECEPIENT"]


async def test_citizen_sees_only_events_for_them_or_their_roles(api: httpx.AsyncClient) -> None:
    gro = await login(api, "GRO_AMR", "pb.amritsar")
    citizen = await citizen_login(api)
    await _create(
        api,
        gro,
        _event("For citizens", to_roles=("CITIZEN",)),
        _event("For someone else", to_users=("00000000-0000-0000-0000-00000000abcd",)),
        _event("For GROs", to_roles=("GRO",)),
    )

    seen = await _search(api, citizen)

    assert [e["name"] for e in seen] == ["For citizens"]


async def test_employee_search_filters_by_recipient_role(api: httpx.AsyncClient) -> None:
    gro = await login(api, "GRO_AMR", "pb.amritsar")
    await _create(api, gro, _event("For citizens", to_roles=("CITIZEN",)), _event("For GROs", to_roles=("GRO",)))

    found = await _search(api, gro, roles="GRO")

    assert [(e["name"], e["recepient"]["toRoles"]) for e in found] == [("For GROs", ["GRO"])]


async def test_update_event_to_inactive_changes_its_status(api: httpx.AsyncClient) -> None:
    gro = await login(api, "GRO_AMR", "pb.amritsar")
    [event] = (await _create(api, gro, _event("Water cut", to_roles=("CITIZEN",)))).json()["events"]

    response = await api.post(
        f"{EVENTS}/_update", json={"RequestInfo": {}, "events": [{**event, "status": "INACTIVE"}]}, headers=gro
    )

    assert response.status_code == 200
    assert [e["status"] for e in await _search(api, gro, ids=event["id"])] == ["INACTIVE"]


async def test_update_unknown_event_is_404(api: httpx.AsyncClient) -> None:
    gro = await login(api, "GRO_AMR", "pb.amritsar")
    event = {**_event("Ghost", to_roles=("CITIZEN",)), "id": "00000000-0000-0000-0000-000000000404"}

    response = await api.post(f"{EVENTS}/_update", json={"RequestInfo": {}, "events": [event]}, headers=gro)

    assert response.status_code == 404
    assert [e["code"] for e in response.json()["Errors"]] == ["EVENT_NOT_FOUND"]


async def test_count_after_last_access_update_has_no_unread(api: httpx.AsyncClient, clock: FrozenClock) -> None:
    gro = await login(api, "GRO_AMR", "pb.amritsar")
    citizen = await citizen_login(api)
    await _create(api, gro, _event("First", to_roles=("CITIZEN",)), _event("Second", to_roles=("CITIZEN",)))
    count_path = f"{EVENTS}/notifications/_count"

    before = (await api.post(count_path, params={"tenantId": "pb.amritsar"}, json={}, headers=citizen)).json()
    clock.advance(seconds=1)
    await api.post(f"{EVENTS}/lat/_update", json={"RequestInfo": {}}, headers=citizen)
    clock.advance(seconds=1)
    await _create(api, gro, _event("Third", to_roles=("CITIZEN",)))
    after = (await api.post(count_path, params={"tenantId": "pb.amritsar"}, json={}, headers=citizen)).json()

    assert (before["totalCount"], before["unreadCount"], before["readCount"]) == (2, 2, 0)
    assert (after["totalCount"], after["unreadCount"], after["readCount"]) == (3, 1, 2)


async def test_citizen_cannot_create_events(api: httpx.AsyncClient) -> None:
    citizen = await citizen_login(api)

    response = await _create(api, citizen, _event("Spam", to_roles=("CITIZEN",)))

    assert response.status_code == 403
