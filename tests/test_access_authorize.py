"""Access: `_authorize`, role/tenant rules of the gate, role and action reads, MDMS changes (block: access)."""

from __future__ import annotations

from typing import Any

import httpx

from digit.blocks.access.service import RoleActionIndex, build_index, normalise
from digit.blocks.mdms.client import MDMS_CLIENT
from digit.kernel.platform import Platform
from tests.builders import citizen_login, login

RI: dict[str, Any] = {"RequestInfo": {}}


def _authorize_body(uri: str, roles: list[dict[str, str]], tenants: list[str]) -> dict[str, Any]:
    return {**RI, "AuthorizationRequest": {"roles": roles, "uri": uri, "tenantIds": tenants}}


async def test_authorize_allows_a_mapped_role_in_its_tenant(api: httpx.AsyncClient) -> None:
    admin = await login(api, "ADMIN", "pb")
    body = _authorize_body("/user/_search", [{"code": "GRO", "tenantId": "pb.amritsar"}], ["pb.amritsar"])

    response = await api.post("/access/v1/actions/_authorize", json=body, headers=admin)

    assert response.status_code == 200


async def test_authorize_refuses_a_role_granted_in_another_city_with_401(api: httpx.AsyncClient) -> None:
    admin = await login(api, "ADMIN", "pb")
    body = _authorize_body("/user/_search", [{"code": "GRO", "tenantId": "pb.jalandhar"}], ["pb.amritsar"])

    response = await api.post("/access/v1/actions/_authorize", json=body, headers=admin)

    assert response.status_code == 401


async def test_authorize_counts_a_state_role_in_its_cities(api: httpx.AsyncClient) -> None:
    admin = await login(api, "ADMIN", "pb")
    body = _authorize_body("/user/_details", [{"code": "CITIZEN", "tenantId": "pb"}], ["pb.amritsar"])

    response = await api.post("/access/v1/actions/_authorize", json=body, headers=admin)

    assert response.status_code == 200


async def test_authorize_needs_every_tenant_to_allow(api: httpx.AsyncClient) -> None:
    admin = await login(api, "ADMIN", "pb")
    roles = [{"code": "GRO", "tenantId": "pb.amritsar"}]
    body = _authorize_body("/user/_search", roles, ["pb.amritsar", "pb.jalandhar"])

    response = await api.post("/access/v1/actions/_authorize", json=body, headers=admin)

    assert response.status_code == 401


def test_concrete_uri_matches_a_templated_action() -> None:
    actions = [{"id": 1, "url": "/collection-services/payments/{moduleName}/_search"}]
    index = build_index(actions, [{"rolecode": "CFC", "actionid": 1}], sources=((0, None, None), (0, None, None)))

    assert index.roles_for_uri("/collection-services/payments/PT/_search") == {"CFC"}
    assert index.roles_for_uri("/collection-services/payments/PT/extra/_search") == frozenset()
    assert index.roles_for("/collection-services/payments/{module}/_search") == {"CFC"}


def test_normalise_drops_query_trailing_slash_and_param_names() -> None:
    assert normalise("/a/{id}/b/?x=1") == "/a/{}/b"


async def test_gate_refuses_a_call_naming_a_tenant_the_caller_has_no_role_in(api: httpx.AsyncClient) -> None:
    headers = await login(api, "GRO_AMR", "pb.amritsar")
    body = {**RI, "tenantId": "pb.amritsar", "criteria": [{"tenantId": "pb.jalandhar"}]}

    response = await api.post("/user/_search", json=body, headers=headers)

    assert response.status_code == 403
    assert response.json()["Errors"][0]["code"] == "NOT_AUTHORIZED"


async def test_gate_lets_a_state_role_act_in_a_city(api: httpx.AsyncClient) -> None:
    headers = await login(api, "ADMIN", "pb")

    response = await api.post("/user/pii-audit/v1/_search", json={**RI, "tenantId": "pb.jalandhar"}, headers=headers)

    assert response.status_code == 200


async def test_gate_refuses_a_citizen_on_an_employee_route(api: httpx.AsyncClient) -> None:
    headers = await citizen_login(api)

    response = await api.post("/user/_search", json={**RI, "tenantId": "pb"}, headers=headers)

    assert response.status_code == 403


async def test_gate_refuses_a_token_sent_only_in_request_info_when_revoked(api: httpx.AsyncClient) -> None:
    headers = await login(api, "GRO_AMR", "pb.amritsar")
    token = headers["Authorization"].removeprefix("Bearer ")
    await api.post("/user/_logout", json={**RI, "access_token": token}, headers=headers)

    response = await api.post("/user/_search", json={"RequestInfo": {"authToken": token}, "tenantId": "pb.amritsar"})

    assert response.status_code == 401


async def test_roles_search_lists_the_roles_of_the_tenant(api: httpx.AsyncClient) -> None:
    headers = await login(api, "GRO_AMR", "pb.amritsar")

    response = await api.post("/access/v1/roles/_search", json={**RI, "tenantId": "pb.amritsar"}, headers=headers)

    codes = {r["code"] for r in response.json()["roles"]}
    assert {"CITIZEN", "EMPLOYEE", "SUPERUSER", "GRO", "PGR_LME", "HRMS_ADMIN", "COLL_RECEIPT_CREATOR"} <= codes


async def test_actions_for_the_callers_roles_include_user_details(api: httpx.AsyncClient) -> None:
    headers = await login(api, "GRO_AMR", "pb.amritsar")

    response = await api.post("/access/v1/actions/mdms/_get", json={**RI, "tenantId": "pb.amritsar"}, headers=headers)

    urls = {a["url"] for a in response.json()["actions"]}
    assert "/user/_details" in urls
    assert "/user/users/_createnovalidate" not in urls


async def test_index_is_rebuilt_only_when_mdms_data_changes(platform: Platform) -> None:
    index = platform.get(RoleActionIndex)
    first = await index.for_tenant("pb.amritsar")

    again = await index.for_tenant("pb.amritsar")
    platform.get(MDMS_CLIENT).invalidate()
    same_data = await index.for_tenant("pb.amritsar")

    assert again is first
    assert same_data is first


async def test_a_role_action_added_to_mdms_takes_effect_without_restart(
    api: httpx.AsyncClient, platform: Platform
) -> None:
    from digit.blocks.mdms import service as mdms_service

    headers = await login(api, "COLL_AMR", "pb.amritsar")
    body = {**RI, "tenantId": "pb.amritsar"}
    before = await api.post("/user/pii-audit/v1/_search", json=body, headers=headers)
    grant = {"rolecode": "COLLECTOR", "actionid": 108, "actioncode": "", "tenantId": "pb"}
    async with platform.sessions() as session, session.begin():
        await mdms_service.upsert_master(
            session,
            tenant_id="pb",
            code="ACCESSCONTROL-ROLEACTIONS.roleactions",
            records=[grant],
            actor_uuid="test",
            now_ms=platform.clock.now_ms(),
        )
    platform.get(MDMS_CLIENT).invalidate()

    after = await api.post("/user/pii-audit/v1/_search", json=body, headers=headers)

    assert (before.status_code, after.status_code) == (403, 200)
