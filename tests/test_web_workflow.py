"""Web UI, the administrator's workflow diagram over HTTP: a business service drawn server-side as SVG (states
with their SLA, actions with their roles), its SLA, localized, reached only through the role-action data
(package: digit.web.admin.workflow)."""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest

from digit.web.admin.workflow import layers
from tests.test_web_employee import menu_links, staff_login
from tests.web_helpers import StartApp, visible_text

E = "/digit-ui/employee"
WF = f"{E}/workbench/workflow"


@pytest.fixture
async def web(make_api: StartApp) -> httpx.AsyncClient:
    _, client = await make_api(fixed_otp="123456")
    return client


def svg_of(html: str) -> str:
    found = re.search(r'<svg id="workflow-diagram".*?</svg>', html, re.S)
    assert found, "no diagram on the page"
    return found.group(0)


async def test_admin_menu_links_the_workflow_screen(web: httpx.AsyncClient) -> None:
    await staff_login(web, "ADMIN", "pb")

    home = await web.get(E)

    assert WF in menu_links(home.text)


async def test_gro_gets_no_workflow_entry_and_a_403_page_on_the_url(web: httpx.AsyncClient) -> None:
    await staff_login(web, "GRO_AMR")

    home = await web.get(E)
    response = await web.get(WF)

    assert WF not in menu_links(home.text)
    assert response.status_code == 403 and 'id="error-detail"' in response.text


async def test_pgr_diagram_draws_every_state_and_every_action_with_its_roles(web: httpx.AsyncClient) -> None:
    await staff_login(web, "ADMIN", "pb")

    response = await web.get(f"{WF}?tenant=pb.amritsar&businessService=PGR")

    svg = svg_of(response.text)
    assert response.status_code == 200
    states = set(re.findall(r'<g class="wf-state[^"]*" id="state-([A-Z]+)"', svg))
    assert states == {
        "START",
        "PENDINGFORASSIGNMENT",
        "PENDINGFORREASSIGNMENT",
        "PENDINGATLME",
        "REJECTED",
        "RESOLVED",
        "CLOSEDAFTERREJECTION",
        "CLOSEDAFTERRESOLUTION",
    }
    assert svg.count('class="wf-edge"') == 11  # PGR's actions in the demo configuration
    assert "Assign" in svg and "Grievance Routing Officer" in svg


async def test_diagram_shows_the_state_sla_and_the_business_service_sla(web: httpx.AsyncClient) -> None:
    await staff_login(web, "ADMIN", "pb")

    response = await web.get(f"{WF}?tenant=pb.amritsar&businessService=PGR")

    lme = re.search(r'id="state-PENDINGATLME">(.*?)</g>', svg_of(response.text), re.S)
    assert lme and "SLA 3 d 0 h" in lme.group(1)  # 259200000 ms
    assert re.search(r'id="service-sla">[^<]*<strong>5 d 0 h</strong>', response.text)  # 432000000 ms


async def test_diagram_in_hindi_has_hindi_labels_and_no_raw_keys(web: httpx.AsyncClient) -> None:
    await staff_login(web, "ADMIN", "pb")

    response = await web.get(f"{WF}?tenant=pb.amritsar&businessService=PGR&locale=hi_IN")

    assert '<html lang="hi-IN">' in response.text
    assert "असाइन करें" in svg_of(response.text)
    assert re.findall(r"\b(?:EU|CU|CS)_[A-Z_]+\b", visible_text(response.text)) == []


async def test_same_configuration_draws_the_same_picture(web: httpx.AsyncClient) -> None:
    await staff_login(web, "ADMIN", "pb")

    first = await web.get(f"{WF}?tenant=pb.amritsar&businessService=PGR")
    second = await web.get(f"{WF}?tenant=pb.amritsar&businessService=PGR")

    assert svg_of(first.text) == svg_of(second.text)


async def test_table_lists_the_same_actions_as_the_diagram(web: httpx.AsyncClient) -> None:
    await staff_login(web, "ADMIN", "pb")

    response = await web.get(f"{WF}?tenant=pb.amritsar&businessService=PGR")

    table = re.search(r'<table class="grid" id="workflow-table".*?</table>', response.text, re.S)
    assert table and table.group(0).count("<tr>") == 1 + 11 + 2  # header, one row per action, two final states


async def test_unknown_business_service_is_a_404_page_with_the_choices(web: httpx.AsyncClient) -> None:
    await staff_login(web, "ADMIN", "pb")

    response = await web.get(f"{WF}?tenant=pb.amritsar&businessService=NOPE")

    assert response.status_code == 404
    assert '<option value="PGR"' in response.text and "<svg" not in response.text


def test_layers_are_the_bfs_depth_from_the_start_state_unreachable_ones_last() -> None:
    states: list[dict[str, Any]] = [
        {"uuid": "c", "actions": []},
        {"uuid": "a", "isStartState": True, "actions": [{"nextState": "b"}, {"nextState": "c"}]},  # found in this order
        {"uuid": "b", "actions": [{"nextState": "a"}]},
        {"uuid": "z", "actions": []},
    ]

    assert list(layers(states).items()) == [("a", 0), ("b", 1), ("c", 1), ("z", 2)]
