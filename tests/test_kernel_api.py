"""Kernel: envelope, error mapping, health, metrics, OpenAPI, correlation ids (block: kernel)."""

from __future__ import annotations

import httpx

from digit.kernel.envelope import split_values

MDMS_SEARCH = "/egov-mdms-service/v1/_search"


async def test_health_answers_up(api: httpx.AsyncClient) -> None:
    response = await api.get("/health")

    assert response.status_code == 200
    assert response.json()["status"] == "UP"


async def test_unknown_route_is_404_in_digit_error_shape(api: httpx.AsyncClient) -> None:
    response = await api.post("/no/such/route", json={"RequestInfo": {}})

    assert response.status_code == 404
    assert [e["code"] for e in response.json()["Errors"]] == ["NOT_FOUND"]


async def test_malformed_json_is_400_not_500(api: httpx.AsyncClient) -> None:
    response = await api.post(MDMS_SEARCH, content=b"{not json", headers={"content-type": "application/json"})

    assert response.status_code == 400
    assert response.json()["Errors"][0]["code"] == "INVALID_JSON"


async def test_validation_error_names_the_bad_field(api: httpx.AsyncClient) -> None:
    body = {"RequestInfo": {}, "MdmsCriteria": {"tenantId": 5, "moduleDetails": []}}

    response = await api.post(MDMS_SEARCH, json=body)

    assert response.status_code == 400
    fields = {p for e in response.json()["Errors"] for p in e["params"]}
    assert {"MdmsCriteria.tenantId", "MdmsCriteria.moduleDetails"} <= fields


async def test_response_info_echoes_msg_id_and_correlation_header_is_returned(api: httpx.AsyncClient) -> None:
    body = {
        "RequestInfo": {"apiId": "asset-services", "msgId": "m-42"},
        "MdmsCriteria": {
            "tenantId": "pb",
            "moduleDetails": [{"moduleName": "tenant", "masterDetails": [{"name": "tenants"}]}],
        },
    }

    response = await api.post(MDMS_SEARCH, json=body)

    assert response.status_code == 200
    assert response.json()["ResponseInfo"]["msgId"] == "m-42"
    assert response.headers["x-correlation-id"] == "m-42"


async def test_metrics_are_prometheus_text_by_route(api: httpx.AsyncClient) -> None:
    await api.get("/health")

    response = await api.get("/metrics")

    assert response.status_code == 200
    assert "# TYPE digit_http_requests_total counter" in response.text
    assert 'route="/health"' in response.text


async def test_openapi_lists_digit_paths(api: httpx.AsyncClient) -> None:
    response = await api.get("/openapi.json")

    assert response.status_code == 200
    assert MDMS_SEARCH in response.json()["paths"]


async def test_request_info_with_numeric_identifiers_is_accepted(api: httpx.AsyncClient) -> None:
    body = {
        "RequestInfo": {
            "apiId": "Rainmaker",
            "ver": 0.01,
            "ts": "1700000000000",
            "did": 1,
            "key": "",
            "msgId": 20170310130900,
        },
        "MdmsCriteria": {
            "tenantId": "pb",
            "moduleDetails": [{"moduleName": "tenant", "masterDetails": [{"name": "tenants"}]}],
        },
    }

    response = await api.post(MDMS_SEARCH, json=body)

    assert response.status_code == 200
    assert response.json()["ResponseInfo"]["msgId"] == 20170310130900


def test_split_values_reads_comma_separated_and_repeated_parameters() -> None:
    assert split_values(["a,b", " c ", ""]) == ["a", "b", "c"]
    assert split_values("x, y,,") == ["x", "y"]
    assert split_values(None) == []
