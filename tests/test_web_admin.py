"""Web UI, administrator screens over HTTP: master data in forms generated from each master's JSON schema with
the API's errors at the field, a complaint type with its names in every language, localization messages
(package: digit.web.admin)."""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest

from tests.builders import login
from tests.test_web_employee import menu_links, staff_login
from tests.web_helpers import StartApp, csrf_of, post_form, visible_text

E = "/digit-ui/employee"
C = "/digit-ui/citizen"
WB = f"{E}/workbench"
OTP = "123456"
SCHEMA = "TEST-WB.Ward"
WARD_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "code": {"type": "string"},
        "name": {"type": "string"},
        "kind": {"type": "string", "enum": ["URBAN", "RURAL"]},
        "population": {"type": "number"},
        "active": {"type": "boolean"},
        "tags": {"type": "array", "items": {"type": "string"}},
        "department": {"type": "string"},
    },
    "required": ["code", "name"],
    "x-unique": ["code"],
    "x-ref-schema": [{"fieldPath": "department", "schemaCode": "common-masters.Department"}],
}
WARD = {"f.code": "W1", "f.name": "Ward one", "f.kind": "URBAN", "f.population": "1200", "f.tags": "north\nold"}


@pytest.fixture
async def web(make_api: StartApp) -> httpx.AsyncClient:
    _, client = await make_api(fixed_otp=OTP)
    return client


async def ward_schema(web: httpx.AsyncClient) -> None:
    """The test master, created through the API as the state administrator."""
    headers = await login(web, "ADMIN", "pb")
    body = {"RequestInfo": {}, "SchemaDefinition": {"tenantId": "pb", "code": SCHEMA, "definition": WARD_SCHEMA}}
    response = await web.post("/mdms-v2/schema/v1/_create", json=body, headers=headers)
    assert response.status_code == 200, response.text


async def wards(web: httpx.AsyncClient) -> list[dict[str, Any]]:
    headers = await login(web, "ADMIN", "pb")
    body = {"RequestInfo": {}, "MdmsCriteria": {"tenantId": "pb", "schemaCode": SCHEMA}}
    response = await web.post("/mdms-v2/v2/_search", json=body, headers=headers)
    return [r["data"] for r in response.json()["mdms"]]


async def add_ward(web: httpx.AsyncClient, **fields: str) -> httpx.Response:
    page = f"{WB}/mdms/{SCHEMA}/new?tenant=pb"
    return await post_form(web, page, page, **fields)


def error_at(html: str, input_id: str) -> str:
    found = re.search(rf'<p class="error" id="{re.escape(input_id)}-error" role="alert">([^<]*)</p>', html)
    return found.group(1) if found else ""


async def test_admin_menu_has_master_data_complaint_types_and_messages(web: httpx.AsyncClient) -> None:
    await staff_login(web, "ADMIN", "pb")

    home = await web.get(E)

    assert {f"{WB}/mdms", f"{WB}/complaint-type", f"{WB}/localization"} <= set(menu_links(home.text))


async def test_gro_gets_no_administrator_menu_entry(web: httpx.AsyncClient) -> None:
    await staff_login(web, "GRO_AMR")

    home = await web.get(E)

    assert [link for link in menu_links(home.text) if link.startswith(WB)] == []


@pytest.mark.parametrize("path", ["/mdms", "/mdms/RAINMAKER-PGR.ServiceDefs", "/complaint-type", "/localization"])
async def test_gro_opening_an_administrator_screen_gets_the_403_page(web: httpx.AsyncClient, path: str) -> None:
    await staff_login(web, "GRO_AMR")

    response = await web.get(f"{WB}{path}")

    assert response.status_code == 403
    assert 'id="error-detail"' in response.text and "Traceback" not in response.text


async def test_masters_page_lists_the_complaint_types_master(web: httpx.AsyncClient) -> None:
    await staff_login(web, "ADMIN", "pb")

    response = await web.get(f"{WB}/mdms?tenant=pb")

    assert response.status_code == 200
    assert f'href="{WB}/mdms/RAINMAKER-PGR.ServiceDefs?tenant=pb"' in response.text


async def test_records_page_lists_the_masters_records(web: httpx.AsyncClient) -> None:
    await staff_login(web, "ADMIN", "pb")

    response = await web.get(f"{WB}/mdms/RAINMAKER-PGR.ServiceDefs?tenant=pb")

    assert response.status_code == 200
    assert ">StreetLightNotWorking</a>" in response.text


async def test_record_form_is_generated_from_the_masters_json_schema(web: httpx.AsyncClient) -> None:
    await ward_schema(web)
    await staff_login(web, "ADMIN", "pb")

    form = (await web.get(f"{WB}/mdms/{SCHEMA}/new?tenant=pb")).text

    assert re.search(r'<input id="f-code" name="f.code" type="text"[^>]* required', form)
    assert '<option value="RURAL">RURAL</option>' in form
    assert 'name="f.population" type="text" inputmode="decimal"' in form
    assert 'type="checkbox" id="f-active" name="f.active" value="true"' in form
    assert '<textarea id="f-tags" name="f.tags"' in form


async def test_record_saved_from_the_form_is_stored_with_the_schemas_types(web: httpx.AsyncClient) -> None:
    await ward_schema(web)
    await staff_login(web, "ADMIN", "pb")

    response = await add_ward(web, **WARD, **{"f.active": "true"})

    assert response.status_code == 303
    assert await wards(web) == [
        {
            "code": "W1",
            "name": "Ward one",
            "kind": "URBAN",
            "population": 1200,
            "active": True,
            "tags": ["north", "old"],
        }
    ]


async def test_record_with_text_in_a_number_field_shows_the_error_there_with_the_text_kept(
    web: httpx.AsyncClient,
) -> None:
    await ward_schema(web)
    await staff_login(web, "ADMIN", "pb")

    response = await add_ward(web, **{**WARD, "f.population": "many"})

    assert response.status_code == 400
    assert "not of type" in error_at(response.text, "f-population")
    assert 'name="f.population" type="text" inputmode="decimal" value="many"' in response.text


async def test_record_with_an_unknown_department_shows_the_reference_error_at_the_field(
    web: httpx.AsyncClient,
) -> None:
    await ward_schema(web)
    await staff_login(web, "ADMIN", "pb")

    response = await add_ward(web, **WARD, **{"f.department": "NO_SUCH_DEPT"})

    assert response.status_code == 400
    assert "common-masters.Department" in error_at(response.text, "f-department")
    assert 'value="NO_SUCH_DEPT"' in response.text


async def test_record_with_an_existing_code_shows_the_duplicate_error_at_the_code(web: httpx.AsyncClient) -> None:
    await ward_schema(web)
    await staff_login(web, "ADMIN", "pb")
    await add_ward(web, **WARD)

    response = await add_ward(web, **WARD)

    assert response.status_code == 400
    assert error_at(response.text, "f-code") == "A record with this value already exists."


async def test_record_form_without_the_csrf_token_is_refused(web: httpx.AsyncClient) -> None:
    await ward_schema(web)
    await staff_login(web, "ADMIN", "pb")

    response = await web.post(f"{WB}/mdms/{SCHEMA}/new?tenant=pb", data=WARD)

    assert response.status_code == 403
    assert await wards(web) == []


async def test_edited_record_keeps_its_other_fields_and_saves_the_new_value(web: httpx.AsyncClient) -> None:
    await staff_login(web, "ADMIN", "pb")
    listing = (await web.get(f"{WB}/mdms/RAINMAKER-PGR.ServiceDefs?tenant=pb")).text
    edit = re.search(r'href="([^"]+/record/[^"]+)">StreetLightNotWorking<', listing).group(1)  # type: ignore[union-attr]
    edit = edit.replace("&amp;", "&")
    form = (await web.get(edit)).text
    fields = dict(re.findall(r'<input id="f-[^"]+" name="(f\.[^"]+)" type="text"[^>]*value="([^"]*)"', form))
    version = re.search(r'name="rowVersion" value="(\d+)"', form).group(1)  # type: ignore[union-attr]

    response = await web.post(
        edit,
        data={**fields, "f.slaHours": "36", "f.active": "true", "isActive": "true", "rowVersion": version}
        | {"csrf_token": csrf_of(await web.get(edit))},
    )

    assert response.status_code == 303
    saved = (await web.get(edit)).text
    assert 'name="f.slaHours" type="text" inputmode="decimal" value="36"' in saved
    assert 'value="Street light not working"' in saved


async def add_complaint_type(web: httpx.AsyncClient, **names: str) -> httpx.Response:
    page = f"{WB}/complaint-type"
    fields = {"f.serviceCode": "PotholeOnRoad", "f.menuPath": "StreetLights", "f.department": "DEPT_1"}
    return await post_form(web, page, page, **fields, **{"f.slaHours": "48"}, **names)


async def test_added_complaint_type_shows_in_the_citizen_form_by_its_hindi_name(web: httpx.AsyncClient) -> None:
    await staff_login(web, "ADMIN", "pb")
    added = await add_complaint_type(web, name_en_IN="Pothole on the road", name_hi_IN="सड़क पर गड्ढा")
    assert added.status_code == 303
    web.cookies.clear()
    await post_form(web, f"{C}/login", f"{C}/login", mobile="9999999999")
    await post_form(web, f"{C}/login/otp", f"{C}/login", mobile="9999999999", otp=OTP, next=f"{C}/pgr/complaints")

    form = await web.get(f"{C}/pgr/create-complaint?locale=hi_IN")

    assert re.search(r'<option value="PotholeOnRoad"[^>]*>सड़क पर गड्ढा</option>', form.text)
    assert "SERVICEDEFS" not in visible_text(form.text)


async def test_added_complaint_type_has_its_name_under_both_digit_message_codes(web: httpx.AsyncClient) -> None:
    await staff_login(web, "ADMIN", "pb")
    await add_complaint_type(web, name_en_IN="Pothole on the road", name_hi_IN="सड़क पर गड्ढा")

    response = await web.post(
        "/localization/messages/v1/_search",
        params={"tenantId": "pb.amritsar", "locale": "hi_IN", "module": "rainmaker-pgr"},
        json={"RequestInfo": {}},
    )

    found = {m["code"]: m["message"] for m in response.json()["messages"]}
    assert found["SERVICEDEFS.POTHOLEONROAD"] == found["SERVICEDEFS_POTHOLEONROAD"] == "सड़क पर गड्ढा"


async def test_complaint_type_without_its_hindi_name_shows_the_error_there_and_adds_nothing(
    web: httpx.AsyncClient,
) -> None:
    await staff_login(web, "ADMIN", "pb")

    response = await add_complaint_type(web, name_en_IN="Pothole on the road", name_hi_IN="")

    assert response.status_code == 400
    assert error_at(response.text, "name_hi_IN") == "Enter the name in this language."
    assert 'value="Pothole on the road"' in response.text


async def test_complaint_type_with_an_existing_code_shows_the_error_at_the_code(web: httpx.AsyncClient) -> None:
    await staff_login(web, "ADMIN", "pb")
    page = f"{WB}/complaint-type"
    fields = {"f.serviceCode": "StreetLightNotWorking", "f.menuPath": "StreetLights", "f.department": "DEPT_1"}

    response = await post_form(web, page, page, **fields, **{"f.slaHours": "4", "name_en_IN": "x", "name_hi_IN": "y"})

    assert response.status_code == 400
    assert error_at(response.text, "f-serviceCode") == "A record with this value already exists."


async def test_message_search_finds_messages_whose_code_contains_the_text(web: httpx.AsyncClient) -> None:
    await staff_login(web, "ADMIN", "pb")

    response = await web.get(f"{WB}/localization?tenant=pb&locale=en_IN&module=rainmaker-pgr&code=streetlightnot")

    assert ">SERVICEDEFS_STREETLIGHTNOTWORKING</a>" in response.text
    assert ">SERVICEDEFS_GARBAGE</a>" not in response.text


async def test_edited_message_shows_on_the_employee_pages(web: httpx.AsyncClient) -> None:
    await staff_login(web, "ADMIN", "pb")
    page = f"{WB}/localization/edit?tenant=pb&locale=en_IN&module=digit-ui-employee&code=EU_MENU_MESSAGES"
    fields = {"tenant": "pb", "locale": "en_IN", "module": "digit-ui-employee", "code": "EU_MENU_MESSAGES"}

    saved = await post_form(web, f"{WB}/localization/edit", page, **fields, message="Words on screen")

    assert saved.status_code == 303
    assert ">Words on screen</a>" in (await web.get(E)).text


async def test_message_with_a_malformed_locale_shows_the_error_and_keeps_the_text(web: httpx.AsyncClient) -> None:
    await staff_login(web, "ADMIN", "pb")
    page = f"{WB}/localization/edit"
    fields = {"tenant": "pb", "locale": "english", "module": "digit-ui-employee", "code": "EU_X"}

    response = await post_form(web, page, page, **fields, message="Kept text")

    assert response.status_code == 400
    assert 'role="alert"' in response.text and "Kept text</textarea>" in response.text


async def test_saving_a_record_someone_else_changed_meanwhile_shows_the_stale_error(web: httpx.AsyncClient) -> None:
    await ward_schema(web)
    await staff_login(web, "ADMIN", "pb")
    created = await add_ward(web, **WARD)
    edit = f"{E}{created.headers['location'].removeprefix(E)}".replace("&saved=1", "")
    opened = (await web.get(edit)).text
    version = re.search(r'name="rowVersion" value="(\d+)"', opened).group(1)  # type: ignore[union-attr]
    await post_form(web, edit, edit, **{**WARD, "f.name": "First edit"})

    response = await post_form(web, edit, edit, **{**WARD, "f.name": "Second edit"}, rowVersion=version)

    assert response.status_code == 400
    assert error_at(response.text, "form") == "Someone else changed this record meanwhile; open it again."
    assert 'value="Second edit"' in response.text


@pytest.mark.parametrize("locale", ["en_IN", "hi_IN"])
async def test_every_administrator_page_renders_in_the_locale_with_no_missing_message_keys(
    web: httpx.AsyncClient, locale: str
) -> None:
    await staff_login(web, "ADMIN", "pb")
    paths = [
        f"{WB}/mdms?tenant=pb",
        f"{WB}/mdms/RAINMAKER-PGR.ServiceDefs?tenant=pb",
        f"{WB}/mdms/RAINMAKER-PGR.ServiceDefs/new?tenant=pb",
        f"{WB}/complaint-type",
        f"{WB}/localization?module=rainmaker-pgr&code=no-such-text",  # codes listed are data, not labels
        f"{WB}/localization/edit?module=rainmaker-pgr&code=SERVICEDEFS_GARBAGE",
    ]
    pages = [await web.get(f"{p}{'&' if '?' in p else '?'}locale={locale}") for p in paths]

    key = re.compile(r"\b(?:EU|CU|CS)_[A-Z_]+\b")
    raw_keys = {f"{r.url.path}: {k}" for r in pages for k in key.findall(visible_text(r.text))}
    assert {r.status_code for r in pages} == {200}
    assert raw_keys == set()
    assert {re.search(r'<html lang="([^"]+)"', r.text).group(1) for r in pages} == {locale.replace("_", "-")}  # type: ignore[union-attr]
