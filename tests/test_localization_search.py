"""localization: `_search` (and GET) through HTTP with DIGIT's fallback, and the cache (block: localization)."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable

import httpx
from fastapi import FastAPI

from digit.blocks.localization import service
from digit.blocks.localization.client import LOCALIZATION_CLIENT
from digit.blocks.localization.schemas import Message
from digit.kernel.platform import Platform
from digit.kernel.security import SYSTEM_UUID

SEARCH = "/localization/messages/v1/_search"
DEVANAGARI = re.compile(r"[\u0900-\u097F]")

StartApi = Callable[..., Awaitable[tuple[FastAPI, httpx.AsyncClient]]]


async def search(api: httpx.AsyncClient, **params: str) -> httpx.Response:
    return await api.post(SEARCH, params=params, json={"RequestInfo": {"msgId": "loc-1"}})


def by_code(response: httpx.Response) -> dict[str, dict[str, str]]:
    assert response.status_code == 200, response.text
    return {m["code"]: m for m in response.json()["messages"]}


async def put(platform: Platform, tenant_id: str, *messages: Message) -> None:
    async with platform.sessions() as session, session.begin():
        await service.write_messages(
            session, tenant_id=tenant_id, messages=list(messages), actor_uuid=SYSTEM_UUID, now_ms=1
        )


def message(code: str, text: str, *, locale: str = "en_IN", module: str = "rainmaker-test") -> Message:
    return Message(code=code, message=text, module=module, locale=locale)


async def test_search_without_token_lists_demo_messages_of_a_city(api: httpx.AsyncClient) -> None:
    messages = by_code(await search(api, locale="en_IN", tenantId="pb.amritsar"))

    assert messages["TENANT_TENANTS_PB_AMRITSAR"]["message"] == "Amritsar"
    assert len(messages) >= 40


async def test_search_in_hindi_answers_in_devanagari(api: httpx.AsyncClient) -> None:
    messages = by_code(await search(api, locale="hi_IN", tenantId="pb.amritsar", module="rainmaker-pgr"))

    template = messages["PGR_CITIZEN_APPLY_PENDINGFORASSIGNMENT_SMS_MESSAGE"]
    assert template["locale"] == "hi_IN"
    assert DEVANAGARI.search(template["message"])
    assert "{id}" in template["message"]


async def test_every_english_demo_message_has_a_hindi_one(api: httpx.AsyncClient) -> None:
    hindi = by_code(await search(api, locale="hi_IN", tenantId="pb"))

    assert {code for code, m in hindi.items() if m["locale"] != "hi_IN"} == set()


async def test_search_filters_by_modules_and_comma_separated_codes(api: httpx.AsyncClient) -> None:
    response = await search(
        api,
        locale="en_IN",
        tenantId="pb.amritsar",
        module="rainmaker-pgr,rainmaker-common",
        codes="TENANT_TENANTS_PB_AMRITSAR,CS_ACTION_ASSIGN,NO_SUCH_CODE",
    )

    assert set(by_code(response)) == {"TENANT_TENANTS_PB_AMRITSAR", "CS_ACTION_ASSIGN"}


async def test_search_by_repeated_modules_keeps_each(api: httpx.AsyncClient) -> None:
    modules = "module=rainmaker-pgr&module=rainmaker-common"
    query = f"locale=en_IN&tenantId=pb.amritsar&{modules}&codes=TENANT_TENANTS_PB_AMRITSAR,CS_ACTION_ASSIGN"

    response = await api.post(f"{SEARCH}?{query}", json={"RequestInfo": {}})

    assert set(by_code(response)) == {"TENANT_TENANTS_PB_AMRITSAR", "CS_ACTION_ASSIGN"}


async def test_search_without_locale_is_400_naming_locale(api: httpx.AsyncClient) -> None:
    response = await search(api, tenantId="pb.amritsar")

    assert response.status_code == 400
    assert [(e["code"], e["params"]) for e in response.json()["Errors"]] == [("INVALID_REQUEST", ["locale"])]


async def test_get_form_answers_like_the_post_form(api: httpx.AsyncClient) -> None:
    params = {"locale": "hi_IN", "tenantId": "pb", "codes": "TENANT_TENANTS_PB"}

    response = await api.get("/localization/messages", params=params)

    assert by_code(response)["TENANT_TENANTS_PB"]["message"] == "पंजाब"


async def test_city_message_overrides_state_message_for_that_city_only(
    api: httpx.AsyncClient, platform: Platform
) -> None:
    await put(platform, "pb.amritsar", message("CS_COMMON_SUBMIT", "Send", module="rainmaker-common"))

    city = by_code(await search(api, locale="en_IN", tenantId="pb.amritsar", codes="CS_COMMON_SUBMIT"))
    other = by_code(await search(api, locale="en_IN", tenantId="pb.jalandhar", codes="CS_COMMON_SUBMIT"))

    assert (city["CS_COMMON_SUBMIT"]["message"], other["CS_COMMON_SUBMIT"]["message"]) == ("Send", "Submit")


async def test_default_tenant_fills_what_the_state_lacks(api: httpx.AsyncClient, platform: Platform) -> None:
    await put(platform, "default", message("ONLY_DEFAULT", "From default"))

    messages = by_code(await search(api, locale="en_IN", tenantId="pb.amritsar", module="rainmaker-test"))

    assert messages["ONLY_DEFAULT"]["message"] == "From default"


async def test_missing_hindi_message_falls_back_to_english(api: httpx.AsyncClient, platform: Platform) -> None:
    await put(platform, "pb", message("ONLY_ENGLISH", "English only"), message("BOTH", "Both"))
    await put(platform, "pb", message("BOTH", "दोनों", locale="hi_IN"))

    messages = by_code(await search(api, locale="hi_IN", tenantId="pb.amritsar", module="rainmaker-test"))

    assert {code: (m["message"], m["locale"]) for code, m in messages.items()} == {
        "ONLY_ENGLISH": ("English only", "en_IN"),
        "BOTH": ("दोनों", "hi_IN"),
    }


async def test_search_sees_a_write_made_by_another_process(make_api: StartApi) -> None:
    _, first = await make_api()
    second_app, _ = await make_api()
    before = by_code(await search(first, locale="en_IN", tenantId="pb", codes="LATE"))

    await put(second_app.state.platform, "pb", message("LATE", "Written elsewhere"))

    after = by_code(await search(first, locale="en_IN", tenantId="pb", codes="LATE"))
    assert (before, after["LATE"]["message"]) == ({}, "Written elsewhere")


async def test_client_gives_code_to_message_in_the_locale(platform: Platform) -> None:
    client = platform.get(LOCALIZATION_CLIENT)

    messages = await client.get_messages(
        tenant_id="pb.amritsar", locale="hi_IN", modules=["rainmaker-common"], codes=["TENANT_TENANTS_PB_AMRITSAR"]
    )

    assert messages == {"TENANT_TENANTS_PB_AMRITSAR": "अमृतसर"}


async def test_search_with_a_bad_locale_is_400_naming_it(api: httpx.AsyncClient) -> None:
    response = await search(api, locale="english", tenantId="pb")

    assert response.status_code == 400
    assert response.json()["Errors"][0]["params"] == ["locale"]


async def test_search_without_tenant_is_400_naming_it(api: httpx.AsyncClient) -> None:
    response = await search(api, locale="en_IN")

    assert response.status_code == 400
    assert response.json()["Errors"][0]["params"] == ["tenantId"]


async def test_search_for_an_unknown_tenant_is_400(api: httpx.AsyncClient) -> None:
    response = await search(api, locale="en_IN", tenantId="pb.nowhere")

    assert response.status_code == 400
    assert response.json()["Errors"][0]["code"] == "INVALID_TENANT_ID"
