"""Kernel: hostile input gets a clear 4xx in DIGIT's shape and changes nothing (block: kernel, inputs.py).

Out-of-range integers, control characters, oversized and deeply nested bodies, correlation ids that would
break a response header, and the last-resort 500 that must not name exception classes.
"""

from __future__ import annotations

import http.client
import json
import socket
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from fastapi.routing import APIRoute

from digit.app import create_app
from tests.builders import citizen_login, login
from tests.conftest import base_settings
from tests.live_server import free_port, serving
from tests.pgr_helpers import RI, P, complaint, file_complaint, localities, search

AMRITSAR = "pb.amritsar"
UPLOAD_FORM = {"tenantId": AMRITSAR, "module": "rainmaker-pgr", "tag": "kernel-limits"}
MakeApi = Callable[..., Awaitable[tuple[FastAPI, httpx.AsyncClient]]]


def codes(response: httpx.Response) -> list[str]:
    return [e["code"] for e in response.json()["Errors"]]


def fields(response: httpx.Response) -> set[str]:
    return {p for e in response.json()["Errors"] for p in e["params"]}


async def complaints_of(api: httpx.AsyncClient) -> list[dict[str, Any]]:
    gro = await login(api, "GRO_AMR", AMRITSAR)
    response = await search(api, gro, f"tenantId={AMRITSAR}")
    assert response.status_code == 200, response.text
    found: list[dict[str, Any]] = response.json()["ServiceWrappers"]
    return found


async def a_complaint(api: httpx.AsyncClient, **extra: Any) -> dict[str, Any]:
    return complaint(AMRITSAR, (await localities(api, AMRITSAR))[0], **extra)


# ------------------------------------------------------------------------------------------------ integers


async def test_search_with_offset_past_64_bits_is_400_naming_offset(api: httpx.AsyncClient) -> None:
    gro = await login(api, "GRO_AMR", AMRITSAR)

    response = await search(api, gro, f"tenantId={AMRITSAR}&offset={2**70}")

    assert response.status_code == 400
    assert (codes(response), fields(response)) == (["NUMBER_OUT_OF_RANGE"], {"offset"})


async def test_search_with_from_date_of_2_to_the_63_is_400(api: httpx.AsyncClient) -> None:
    gro = await login(api, "GRO_AMR", AMRITSAR)

    response = await search(api, gro, f"tenantId={AMRITSAR}&fromDate={2**63}")

    assert response.status_code == 400
    assert (codes(response), fields(response)) == (["NUMBER_OUT_OF_RANGE"], {"fromDate"})


async def test_user_search_with_id_of_2_to_the_63_in_the_body_is_400(api: httpx.AsyncClient) -> None:
    admin = await login(api, "ADMIN", "pb")

    response = await api.post("/user/_search", json={"RequestInfo": RI, "tenantId": "pb", "id": [2**63]}, headers=admin)

    assert response.status_code == 400
    assert (codes(response), fields(response)) == (["NUMBER_OUT_OF_RANGE"], {"id.0"})


async def test_user_search_with_a_page_number_past_any_page_is_400(api: httpx.AsyncClient) -> None:
    admin = await login(api, "ADMIN", "pb")
    body = {"RequestInfo": RI, "tenantId": "pb", "pageNumber": 2**62, "pageSize": 100}

    response = await api.post("/user/_search", json=body, headers=admin)

    assert response.status_code == 400
    assert fields(response) == {"pageNumber"}


# ------------------------------------------------------------------------------------------------ characters


async def test_create_complaint_with_nul_in_description_is_400_and_stores_nothing(api: httpx.AsyncClient) -> None:
    citizen = await citizen_login(api)
    service = await a_complaint(api, description="light\u0000off")

    response = await file_complaint(api, citizen, service)

    assert response.status_code == 400
    assert (codes(response), fields(response)) == (["INVALID_CHARACTERS"], {"service.description"})
    assert await complaints_of(api) == []


async def test_create_complaint_with_a_lone_surrogate_in_additional_detail_is_400(api: httpx.AsyncClient) -> None:
    """The size check of a free-form object re-encodes it: a lone surrogate (sent escaped) was a 500 there."""
    citizen = await citizen_login(api)
    service = await a_complaint(api, additionalDetail={"note": "\ud800"})
    body = json.dumps({"RequestInfo": RI, "service": service, "workflow": {"action": "APPLY"}})  # "\\ud800"

    response = await api.post(f"{P}/_create", content=body, headers={**citizen, "content-type": "application/json"})

    assert response.status_code == 400
    assert (codes(response), fields(response)) == (["INVALID_CHARACTERS"], {"service.additionalDetail.note"})
    assert await complaints_of(api) == []


async def test_create_complaint_with_line_break_in_locality_code_is_400(api: httpx.AsyncClient) -> None:
    citizen = await citizen_login(api)
    service = await a_complaint(api)
    service["address"]["locality"]["code"] += "\n"

    response = await file_complaint(api, citizen, service)

    assert response.status_code == 400
    assert fields(response) == {"service.address.locality.code"}


async def test_create_complaint_with_line_breaks_in_description_is_accepted(api: httpx.AsyncClient) -> None:
    citizen = await citizen_login(api)

    response = await file_complaint(api, citizen, await a_complaint(api, description="Light off.\r\n\tSince Monday."))

    assert response.status_code == 200, response.text


async def test_search_with_nul_in_query_is_400_naming_the_parameter(api: httpx.AsyncClient) -> None:
    gro = await login(api, "GRO_AMR", AMRITSAR)

    response = await search(api, gro, f"tenantId={AMRITSAR}&serviceRequestId=PB%00X")

    assert response.status_code == 400
    assert (codes(response), fields(response)) == (["INVALID_CHARACTERS"], {"serviceRequestId"})


# ------------------------------------------------------------------------------------------------ size, depth


async def test_body_past_the_limit_is_413_in_digit_error_shape(make_api: MakeApi) -> None:
    _, api = await make_api(max_body_bytes=64 * 1024)

    response = await api.post(f"{P}/_search?tenantId={AMRITSAR}", json={"RequestInfo": RI, "pad": "x" * 70_000})

    assert response.status_code == 413
    assert codes(response) == ["REQUEST_TOO_LARGE"]


async def test_chunked_body_past_the_limit_is_413(make_api: MakeApi) -> None:
    _, api = await make_api(max_body_bytes=64 * 1024)

    async def chunks() -> AsyncIterator[bytes]:
        yield b'{"RequestInfo": {}, "pad": "'
        for _ in range(100):
            yield b"x" * 1024
        yield b'"}'

    response = await api.post(
        f"{P}/_search?tenantId={AMRITSAR}", content=chunks(), headers={"content-type": "application/json"}
    )

    assert response.status_code == 413


async def test_upload_past_the_upload_limit_is_413(make_api: MakeApi) -> None:
    _, api = await make_api(max_upload_bytes=64 * 1024)
    gro = await login(api, "GRO_AMR", AMRITSAR)
    sheet = ("sheet.csv", b"a,b\n" * 30_000, "text/csv")

    response = await api.post("/filestore/v1/files", data=UPLOAD_FORM, files=[("file", sheet)], headers=gro)

    assert response.status_code == 413
    assert codes(response) == ["REQUEST_TOO_LARGE"]


async def test_chunked_upload_past_the_upload_limit_is_413(make_api: MakeApi) -> None:
    _, api = await make_api(max_upload_bytes=64 * 1024)
    gro = await login(api, "GRO_AMR", AMRITSAR)
    head = "".join(
        f'--cut\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n' for k, v in UPLOAD_FORM.items()
    )
    head += '--cut\r\nContent-Disposition: form-data; name="file"; filename="s.csv"\r\nContent-Type: text/csv\r\n\r\n'

    async def chunks() -> AsyncIterator[bytes]:
        yield head.encode()
        for _ in range(100):
            yield b"a,b\n" * 256
        yield b"\r\n--cut--\r\n"

    response = await api.post(
        "/filestore/v1/files", content=chunks(), headers={**gro, "content-type": "multipart/form-data; boundary=cut"}
    )

    assert response.status_code == 413


async def test_additional_detail_past_the_free_text_limit_is_400_and_stores_nothing(make_api: MakeApi) -> None:
    _, api = await make_api(max_free_text_bytes=1024)
    citizen = await citizen_login(api)
    service = await a_complaint(api, additionalDetail={"notes": ["n" * 100] * 20})

    response = await file_complaint(api, citizen, service)

    assert response.status_code == 400
    assert (codes(response), fields(response)) == (["TEXT_TOO_LONG"], {"service.additionalDetail"})
    assert await complaints_of(api) == []


async def test_body_nested_thousands_deep_is_400(api: httpx.AsyncClient) -> None:
    nested = "[" * 5000 + "]" * 5000
    raw = f'{{"RequestInfo": {{}}, "tenantId": "pb", "deep": {nested}}}'

    response = await api.post("/user/_search", content=raw, headers={"content-type": "application/json"})

    assert response.status_code == 400
    assert codes(response) == ["JSON_TOO_DEEP"]


async def test_nan_in_a_json_body_is_400(api: httpx.AsyncClient) -> None:
    raw = '{"RequestInfo": {}, "MdmsCriteria": {"tenantId": "pb", "offset": NaN, "limit": 10}}'

    response = await api.post("/mdms-v2/v2/_search", content=raw, headers={"content-type": "application/json"})

    assert response.status_code == 400
    assert codes(response) == ["INVALID_JSON"]


# ------------------------------------------------------------------------------------------------ errors


async def test_unhandled_error_answers_internal_error_without_the_exception_class(app: FastAPI) -> None:
    async def explode() -> None:
        raise ZeroDivisionError("boom")

    app.router.routes.append(APIRoute("/test-only/explode", explode, methods=["POST"]))
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://digit.test") as client:
        response = await client.post("/test-only/explode", json={})

    assert response.status_code == 500
    assert codes(response) == ["INTERNAL_ERROR"]
    assert "ZeroDivision" not in response.text


async def test_correlation_id_with_line_breaks_is_400_naming_the_fields(api: httpx.AsyncClient) -> None:
    body = {"RequestInfo": {"correlationId": "a\r\nSet-Cookie: x=y", "msgId": "b\u0000c"}}

    response = await api.post(f"{P}/_search?tenantId={AMRITSAR}", json=body)

    assert response.status_code == 400
    assert fields(response) == {"RequestInfo.correlationId", "RequestInfo.msgId"}
    assert "\n" not in response.headers["x-correlation-id"]


async def test_correlation_id_with_spaces_and_symbols_is_cleaned_in_the_header(api: httpx.AsyncClient) -> None:
    body = {"RequestInfo": {"correlationId": "req 42; \u00fcber <x>"}}

    response = await api.post(f"{P}/_search?tenantId={AMRITSAR}", json=body)

    assert response.headers["x-correlation-id"] == "req42berx"


# ------------------------------------------------------------------------------------------------ real server


@pytest.fixture
def live_server(database_url: str, tmp_path: Path) -> Iterator[tuple[str, int]]:
    """The platform on a real port: dropped connections and early 413s only show over a socket."""
    port = free_port()
    settings = base_settings(database_url, tmp_path / "var", port=port, max_body_bytes=64 * 1024)
    with serving(create_app(settings), port=port):
        yield "127.0.0.1", port


def _raw_post(host: str, port: int, path: str, body: bytes) -> tuple[int, bytes]:
    connection = http.client.HTTPConnection(host, port, timeout=30)
    try:
        connection.request("POST", path, body=body, headers={"Content-Type": "application/json"})
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


def test_correlation_id_with_control_characters_gets_an_answer_over_a_socket(live_server: tuple[str, int]) -> None:
    host, port = live_server
    body = json.dumps({"RequestInfo": {"correlationId": "a\r\nSet-Cookie: x=y", "msgId": "b\u0000c"}}).encode()

    status, _ = _raw_post(host, port, f"{P}/_search?tenantId={AMRITSAR}", body)

    assert status == 400  # an answer, not a dropped connection


def test_declared_length_past_the_limit_is_413_before_the_body_is_sent(live_server: tuple[str, int]) -> None:
    host, port = live_server
    with socket.create_connection((host, port), timeout=10) as connection:
        head = f"POST {P}/_search HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        head += "Content-Length: 20971520\r\n\r\n"
        connection.sendall(head.encode() + b'{"RequestInfo": {}')  # 20 MB announced, a few bytes sent

        answer = connection.recv(4096)

    assert answer.startswith(b"HTTP/1.1 413")


def test_twenty_megabyte_body_is_413_over_a_socket(live_server: tuple[str, int]) -> None:
    host, port = live_server
    huge = json.dumps({"RequestInfo": {}, "pad": "x" * (20 * 1024 * 1024)}).encode()

    status, _ = _raw_post(host, port, f"{P}/_search?tenantId={AMRITSAR}", huge)

    assert status == 413
