"""DIGIT UI paths digit-py lacked: tenant `_create`, user preferences, config-service search (blocks: tenants,
preferences, configs). Bodies as DIGIT's UI sends them (../shared/design/digit-ui-paths.md)."""

from __future__ import annotations

import httpx

from tests.builders import citizen_login, login

RI = {"apiId": "Rainmaker"}
TENANT_CREATE = "/tenant-management/tenant/_create"
PREF = "/user-preference/v1"
CONSENT = {"consent": {"SMS": {"enabled": True}, "EMAIL": {"enabled": False}}, "preferredLanguage": "hi_IN"}


async def test_tenant_create_by_the_superuser_makes_a_city_that_is_searchable(api: httpx.AsyncClient) -> None:
    admin = await login(api, "ADMIN", "pb")
    body = {"RequestInfo": RI, "tenant": {"name": "Ludhiana", "email": "ulb@ludhiana.example", "parentId": "pb"}}

    response = await api.post(TENANT_CREATE, json=body, headers=admin)
    tenants = await api.post("/tenant/v1/tenant/_search?tenantId=pb", json={"RequestInfo": RI})

    assert response.status_code == 200, response.text
    assert response.json()["Tenants"][0]["code"] == "pb.ludhiana"
    assert "pb.ludhiana" in tenants.text


async def test_tenant_create_of_an_existing_code_is_409(api: httpx.AsyncClient) -> None:
    admin = await login(api, "ADMIN", "pb")
    body = {"RequestInfo": RI, "tenant": {"name": "Amritsar", "parentId": "pb"}}

    response = await api.post(TENANT_CREATE, json=body, headers=admin)

    assert response.status_code == 409
    assert [e["code"] for e in response.json()["Errors"]] == ["TENANT_ALREADY_EXISTS"]


async def test_tenant_create_by_a_city_employee_is_403(api: httpx.AsyncClient) -> None:
    gro = await login(api, "GRO_AMR", "pb.amritsar")

    response = await api.post(TENANT_CREATE, json={"RequestInfo": RI, "tenant": {"name": "Mohali"}}, headers=gro)

    assert response.status_code == 403


async def test_tenant_create_without_a_token_is_401(api: httpx.AsyncClient) -> None:
    response = await api.post(TENANT_CREATE, json={"RequestInfo": RI, "tenant": {"name": "Mohali"}})

    assert response.status_code == 401


async def test_preference_upsert_then_search_returns_the_citizens_consent(api: httpx.AsyncClient) -> None:
    citizen = await citizen_login(api)
    preference = {"tenantId": "pb", "preferenceCode": "USER_NOTIFICATION_PREFERENCES", "payload": CONSENT}

    saved = await api.post(f"{PREF}/_upsert", json={"RequestInfo": RI, "preference": preference}, headers=citizen)
    criteria = {"tenantId": "pb", "preferenceCode": "USER_NOTIFICATION_PREFERENCES"}
    found = await api.post(f"{PREF}/_search", json={"RequestInfo": RI, "criteria": criteria}, headers=citizen)

    assert saved.status_code == 200, saved.text
    assert [p["payload"] for p in found.json()["preferences"]] == [CONSENT]


async def test_preference_upsert_twice_keeps_one_record_with_the_new_payload(api: httpx.AsyncClient) -> None:
    citizen = await citizen_login(api)
    first = {"tenantId": "pb", "preferenceCode": "LANG", "payload": {"preferredLanguage": "en_IN"}}
    second = {**first, "payload": {"preferredLanguage": "pa_IN"}}

    await api.post(f"{PREF}/_upsert", json={"RequestInfo": RI, "preference": first}, headers=citizen)
    await api.post(f"{PREF}/_upsert", json={"RequestInfo": RI, "preference": second}, headers=citizen)
    found = await api.post(f"{PREF}/_search", json={"RequestInfo": RI, "criteria": {"tenantId": "pb"}}, headers=citizen)

    assert [p["payload"] for p in found.json()["preferences"]] == [{"preferredLanguage": "pa_IN"}]


async def test_preference_of_another_user_is_403(api: httpx.AsyncClient) -> None:
    citizen = await citizen_login(api)
    criteria = {"tenantId": "pb", "userId": "someone-else"}

    response = await api.post(f"{PREF}/_search", json={"RequestInfo": RI, "criteria": criteria}, headers=citizen)

    assert response.status_code == 403
    assert [e["code"] for e in response.json()["Errors"]] == ["INVALID_USER_ID"]


async def test_config_search_lists_the_notification_channels(api: httpx.AsyncClient) -> None:
    citizen = await citizen_login(api)
    body = {"RequestInfo": RI, "criteria": {"schemaCode": "NotificationChannel", "tenantId": "pb"}}

    response = await api.post("/config-service/config/v1/_search", json=body, headers=citizen)

    assert response.status_code == 200, response.text
    channels = {c["uniqueIdentifier"]: c["data"]["enabled"] for c in response.json()["configData"]}
    assert channels == {"SMS": True, "EMAIL": True, "WHATSAPP": False}


async def test_config_search_filters_by_criteria(api: httpx.AsyncClient) -> None:
    citizen = await citizen_login(api)
    criteria = {"schemaCode": "NotificationChannel", "tenantId": "pb", "criteria": {"code": "EMAIL"}}

    response = await api.post(
        "/config-service/config/v1/_search", json={"RequestInfo": RI, "criteria": criteria}, headers=citizen
    )

    assert [c["uniqueIdentifier"] for c in response.json()["configData"]] == ["EMAIL"]


async def test_openapi_declares_the_bearer_scheme_for_protected_routes(api: httpx.AsyncClient) -> None:
    spec = (await api.get("/openapi.json")).json()

    assert spec["components"]["securitySchemes"]["bearer"]["scheme"] == "bearer"
    assert spec["paths"]["/pgr-services/v2/request/_search"]["post"]["security"] == [{"bearer": []}]
    assert spec["paths"]["/user/oauth/token"]["post"]["security"] == []
    assert spec["paths"]["/billing-service/bill/v2/_fetchbill"]["post"]["security"] == [{}, {"bearer": []}]


async def test_openapi_shows_digits_request_example_for_pgr_create(api: httpx.AsyncClient) -> None:
    spec = (await api.get("/openapi.json")).json()

    body = spec["paths"]["/pgr-services/v2/request/_create"]["post"]["requestBody"]["content"]["application/json"]
    assert body["example"]["workflow"]["action"] == "APPLY"
