"""Access: tenant smuggling, walked over every route the app serves (block: access, kernel gate).

GRO_JAL works in pb.jalandhar. Every route is called with pb.amritsar smuggled in beside (or instead
of) pb.jalandhar, in each place a request can name a tenant (query, JSON body, form, a JSON body on a
GET) and each spelling a model accepts. Every answer must be a 400 (the places disagree) or a 403
(the smuggled tenant is not theirs), in DIGIT's error shape, before any handler runs.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from digit.kernel.platform import Platform
from tests.builders import citizen_login, login
from tests.pgr_helpers import complaint, file_complaint, localities, service_of
from tests.test_access_matrix import Endpoint, endpoints, is_open

OWN, VICTIM = "pb.jalandhar", "pb.amritsar"
_PARAM = re.compile(r"\{[^}]+\}")


@dataclass(frozen=True)
class Smuggle:
    """One way of naming a second tenant: query parameters, a JSON body, and the statuses allowed."""

    name: str
    query: dict[str, str]
    body: dict[str, Any] | None
    form: dict[str, str] | None = None
    content_type: str = "application/json"
    open_routes_too: bool = True  # a disagreement is refused even where no token is needed


MISMATCHES = [
    Smuggle("query victim, body own", {"tenantId": VICTIM}, {"RequestInfo": {}, "tenantId": OWN}),
    Smuggle("query own, body snake_case victim", {"tenantId": OWN}, {"RequestInfo": {}, "tenant_id": VICTIM}),
    Smuggle("query snake_case victim, body own", {"tenant_id": VICTIM}, {"RequestInfo": {}, "tenantId": OWN}),
    Smuggle("query lower-case victim, body own", {"tenantid": VICTIM}, {"RequestInfo": {}, "TenantId": OWN}),
    Smuggle("query own, nested body victim", {"tenantId": OWN}, {"RequestInfo": {}, "x": [{"tenantId": VICTIM}]}),
    Smuggle(
        "upper-case JSON content type",
        {"tenantId": VICTIM},
        {"RequestInfo": {}, "tenantId": OWN},
        content_type="Application/JSON",
    ),
    Smuggle("form victim, query own", {"tenantId": OWN}, None, form={"tenantId": VICTIM}),
]
NOT_MINE = [
    Smuggle("body snake_case victim only", {}, {"RequestInfo": {}, "events": [{"tenant_id": VICTIM}]}, None, "", False),
    Smuggle(
        "state scope over own city", {}, {"RequestInfo": {}, "tenantId": "pb", "x": {"tenantId": OWN}}, None, "", False
    ),
    Smuggle("query own, jurisdiction_id victim", {"tenantId": OWN, "jurisdiction_id": VICTIM}, None, None, "", False),
    Smuggle("query list with victim", {"tenantId": f"{OWN},{VICTIM}"}, None, None, "", False),
]


async def _call(
    api: httpx.AsyncClient, endpoint: Endpoint, smuggle: Smuggle, headers: dict[str, str]
) -> httpx.Response:
    path = _PARAM.sub("x", endpoint.path)
    if smuggle.form is not None:
        return await api.request(endpoint.method, path, params=smuggle.query, data=smuggle.form, headers=headers)
    content = None if smuggle.body is None else httpx.Request("POST", "/", json=smuggle.body).content
    content_type = {"content-type": smuggle.content_type or "application/json"} if content is not None else {}
    return await api.request(
        endpoint.method, path, params=smuggle.query, content=content, headers={**headers, **content_type}
    )


def _refused(response: httpx.Response, allowed: set[int]) -> bool:
    if response.status_code not in allowed:
        return False
    body = response.json()
    return isinstance(body, dict) and bool(body.get("Errors"))


async def _walk(
    app: FastAPI, api: httpx.AsyncClient, smuggles: list[Smuggle], allowed: set[int], only: Callable[[Endpoint], bool]
) -> list[str]:
    headers = await login(api, "GRO_JAL", OWN)
    leaks = []
    for endpoint in endpoints(app):
        if not only(endpoint):
            continue
        for smuggle in smuggles:
            response = await _call(api, endpoint, smuggle, headers)
            if not _refused(response, allowed):
                leaks.append(f"{endpoint} [{smuggle.name}] -> {response.status_code} {response.text[:120]}")
    return leaks


async def test_every_route_refuses_a_request_naming_different_tenants_in_different_places(
    app: FastAPI, api: httpx.AsyncClient
) -> None:
    leaks = await _walk(app, api, MISMATCHES, {400}, lambda _e: True)

    assert leaks == []


async def test_every_gated_route_refuses_a_tenant_of_another_city_in_any_spelling(
    app: FastAPI, api: httpx.AsyncClient, platform: Platform
) -> None:
    leaks = await _walk(app, api, NOT_MINE, {400, 403}, lambda e: not is_open(platform, e))

    assert leaks == []


async def test_pgr_search_with_own_city_in_body_and_other_city_in_query_is_400_and_no_data(
    api: httpx.AsyncClient,
) -> None:
    citizen = await citizen_login(api)
    locality = (await localities(api, VICTIM))[0]
    filed = service_of(await file_complaint(api, citizen, complaint(VICTIM, locality)))
    service_request_id = filed["serviceRequestId"]
    gro_jal = await login(api, "GRO_JAL", OWN)

    response = await api.post(
        "/pgr-services/v2/request/_search",
        params={"tenantId": VICTIM},
        json={"RequestInfo": {}, "tenantId": OWN},
        headers=gro_jal,
    )

    assert response.status_code == 400
    assert [e["code"] for e in response.json()["Errors"]] == ["TENANT_MISMATCH"]
    assert service_request_id not in response.text


async def test_user_event_with_snake_case_tenant_of_another_city_is_403_and_not_stored(
    api: httpx.AsyncClient,
) -> None:
    gro_jal = await login(api, "GRO_JAL", OWN)
    event = {
        "tenant_id": VICTIM,
        "source": "WEBAPP",
        "eventType": "SYSTEMGENERATED",
        "name": "smuggled",
        "description": "pay at http://evil.example",
        "recepient": {"toRoles": ["CITIZEN"]},
    }

    response = await api.post(
        "/egov-user-event/v1/events/_create", json={"RequestInfo": {}, "events": [event]}, headers=gro_jal
    )

    assert response.status_code == 403
    admin = await login(api, "ADMIN", "pb")
    listed = await api.post(
        "/egov-user-event/v1/events/_search", params={"tenantId": VICTIM}, json={"RequestInfo": {}}, headers=admin
    )
    assert "evil.example" not in listed.text


async def test_pgr_create_by_csr_with_citizen_of_the_state_is_allowed(api: httpx.AsyncClient) -> None:
    csr = await login(api, "CSR_AMR", VICTIM)

    locality = (await localities(api, VICTIM))[0]
    walk_in = {"name": "Walk In", "mobileNumber": "9812300001", "tenantId": "pb"}

    response = await file_complaint(api, csr, complaint(VICTIM, locality, citizen=walk_in))

    assert response.status_code == 200, response.text


@pytest.mark.parametrize("value", ["pb amritsar", "pb.", "../pb", "x" * 300])
async def test_malformed_tenant_id_is_400(api: httpx.AsyncClient, value: str) -> None:
    gro_jal = await login(api, "GRO_JAL", OWN)

    response = await api.post(
        "/pgr-services/v2/request/_search", params={"tenantId": value}, json={"RequestInfo": {}}, headers=gro_jal
    )

    assert response.status_code == 400
    assert response.json()["Errors"][0]["code"] == "INVALID_TENANT_ID"
