"""Web UI, employee menu: the routes a user's roles reach are kept per process, and a role-action change made
by another process shows in the menu and opens the screen (package: digit.web)."""

from __future__ import annotations

import httpx

from tests.builders import login
from tests.test_web_employee import menu_links, staff_login
from tests.web_helpers import OTP, StartApp

E = "/digit-ui/employee"
ACCESS = "/access/v1"
CREATE_PAYMENT = 1200  # /collection-services/payments/_create, which the collection screen needs


async def grant(api: httpx.AsyncClient, role_code: str, action_id: int) -> None:
    admin = await login(api, "ADMIN", "pb")
    body = {"RequestInfo": {}, "tenantId": "pb", "role": {"code": role_code}, "actions": [{"id": action_id}]}
    response = await api.post(f"{ACCESS}/role-actions/_create", json=body, headers=admin)
    assert response.status_code == 200, response.text


async def test_menu_shows_a_screen_once_another_process_grants_its_action(make_api: StartApp) -> None:
    _, web = await make_api(fixed_otp=OTP)
    _, other_process = await make_api()
    await staff_login(web, "GRO_AMR")
    before = menu_links((await web.get(E)).text)  # the GRO's routes are now kept by this process

    await grant(other_process, "GRO", CREATE_PAYMENT)
    after = menu_links((await web.get(E)).text)
    collect = await web.get(f"{E}/collect")

    assert f"{E}/collect" not in before
    assert after == [f"{E}/inbox", f"{E}/collect"]
    assert collect.status_code == 200


async def test_screen_refused_before_the_grant_opens_after_it_in_the_same_process(make_api: StartApp) -> None:
    _, web = await make_api(fixed_otp=OTP)
    await staff_login(web, "GRO_AMR")
    refused = await web.get(f"{E}/collect")

    await grant(web, "GRO", CREATE_PAYMENT)
    opened = await web.get(f"{E}/collect")

    assert refused.status_code == 403
    assert opened.status_code == 200
