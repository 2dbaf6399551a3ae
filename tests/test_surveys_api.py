"""Surveys (block: surveys): DIGIT's egov-survey-services paths; officials publish, citizens answer once, results."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from sqlalchemy import select

from digit.blocks.surveys.models import AnswerRow, ResponseRow
from digit.kernel.clock import FrozenClock
from digit.kernel.events import OutboxRow
from digit.kernel.platform import Platform
from tests.builders import citizen_login, login, send_otp, sent_otp

SS = "/egov-survey-services/egov-ss/survey"
AMRITSAR, JALANDHAR = "pb.amritsar", "pb.jalandhar"
RI: dict[str, Any] = {"RequestInfo": {"apiId": "Rainmaker"}}
DAY_MS = 86_400_000
SECOND_CITIZEN = "9876500071"


def questions() -> list[dict[str, Any]]:
    return [
        {
            "questionStatement": "Which services do you use?",
            "type": "CHECKBOX_ANSWER_TYPE",
            "options": ["Water", "Sewerage", "Property tax"],
            "required": True,
        },
        {
            "questionStatement": "How satisfied are you?",
            "type": "MULTIPLE_ANSWER_TYPE",
            "options": ["Happy", "Unhappy"],
            "required": False,
        },
        {"questionStatement": "Anything else?", "type": "LONG_ANSWER_TYPE", "required": False},
    ]


def survey(now_ms: int, **overrides: Any) -> dict[str, Any]:
    entity: dict[str, Any] = {
        "tenantIds": [AMRITSAR],
        "title": "Civic services 2026",
        "description": "Tell the city how its services work for you",
        "collectCitizenInfo": False,
        "startDate": now_ms - DAY_MS,
        "endDate": now_ms + 7 * DAY_MS,
        "questions": questions(),
    }
    entity.update(overrides)
    return entity


async def create(
    api: httpx.AsyncClient, headers: dict[str, str], clock: FrozenClock, **overrides: Any
) -> httpx.Response:
    body = {**RI, "SurveyEntity": survey(clock.now_ms(), **overrides)}
    return await api.post(f"{SS}/_create", json=body, headers=headers)


async def created(
    api: httpx.AsyncClient, headers: dict[str, str], clock: FrozenClock, **overrides: Any
) -> dict[str, Any]:
    response = await create(api, headers, clock, **overrides)
    assert response.status_code == 200, response.text
    found: dict[str, Any] = response.json()["Surveys"][0]
    return found


async def search(api: httpx.AsyncClient, headers: dict[str, str], **params: Any) -> httpx.Response:
    return await api.post(f"{SS}/_search", params=params, json=RI, headers=headers)


async def submit(
    api: httpx.AsyncClient, headers: dict[str, str], survey_id: str, answers: list[dict[str, Any]]
) -> httpx.Response:
    body = {**RI, "AnswerEntity": {"surveyId": survey_id, "answers": answers, "hasResponded": False}}
    return await api.post(f"{SS}/response/_submit", json=body, headers=headers)


async def results(api: httpx.AsyncClient, headers: dict[str, str], survey_id: str) -> httpx.Response:
    return await api.post(f"{SS}/response/_results", params={"surveyId": survey_id}, json=RI, headers=headers)


def answers_to(found: dict[str, Any], *values: list[Any] | None) -> list[dict[str, Any]]:
    return [
        {"questionId": q["uuid"], "answer": v}
        for q, v in zip(found["questions"], values, strict=False)
        if v is not None
    ]


def codes(response: httpx.Response) -> list[str]:
    return [e["code"] for e in response.json().get("Errors", [])]


@pytest.fixture
async def gro(api: httpx.AsyncClient) -> dict[str, str]:
    return await login(api, "GRO_AMR", AMRITSAR)


@pytest.fixture
async def citizen(api: httpx.AsyncClient) -> dict[str, str]:
    return await citizen_login(api)


async def second_citizen(api: httpx.AsyncClient) -> dict[str, str]:
    await send_otp(api, SECOND_CITIZEN, purpose="register")
    code = await sent_otp(api, SECOND_CITIZEN)
    user = {"name": "Second Citizen", "mobileNumber": SECOND_CITIZEN, "tenantId": "pb", "otpReference": code}
    registered = await api.post("/user/citizen/_create", json={**RI, "user": user})
    assert registered.status_code == 200, registered.text
    return await citizen_login(api, SECOND_CITIZEN)


# ---------------------------------------------------------------- create


async def test_create_by_an_official_publishes_an_active_survey_with_ordered_questions(
    api: httpx.AsyncClient, gro: dict[str, str], clock: FrozenClock
) -> None:
    response = await create(api, gro, clock)

    assert response.status_code == 200
    [found] = response.json()["Surveys"]
    assert found["uuid"].startswith("SY-2026-11-26-")
    assert (found["tenantId"], found["status"], found["active"], found["answersCount"]) == (AMRITSAR, "ACTIVE", True, 0)
    assert [(q["qorder"], q["type"], q["options"], q["surveyId"]) for q in found["questions"]] == [
        (1, "CHECKBOX_ANSWER_TYPE", ["Water", "Sewerage", "Property tax"], found["uuid"]),
        (2, "MULTIPLE_ANSWER_TYPE", ["Happy", "Unhappy"], found["uuid"]),
        (3, "LONG_ANSWER_TYPE", ["NA"], found["uuid"]),
    ]


async def test_create_for_two_cities_makes_one_survey_in_each(api: httpx.AsyncClient, clock: FrozenClock) -> None:
    admin = await login(api, "ADMIN", "pb")

    response = await create(api, admin, clock, tenantIds=[AMRITSAR, JALANDHAR])

    assert response.status_code == 200
    assert sorted(s["tenantId"] for s in response.json()["Surveys"]) == [AMRITSAR, JALANDHAR]


async def test_create_by_a_citizen_is_refused_403(
    api: httpx.AsyncClient, citizen: dict[str, str], clock: FrozenClock
) -> None:
    response = await create(api, citizen, clock)

    assert response.status_code == 403
    assert codes(response) == ["NOT_AUTHORIZED"]


async def test_create_by_an_official_of_another_city_is_refused_403(api: httpx.AsyncClient, clock: FrozenClock) -> None:
    jalandhar = await login(api, "GRO_JAL", JALANDHAR)

    response = await create(api, jalandhar, clock)

    assert response.status_code == 403
    assert codes(response) == ["NOT_AUTHORIZED"]


async def test_create_without_questions_is_400(api: httpx.AsyncClient, gro: dict[str, str], clock: FrozenClock) -> None:
    response = await create(api, gro, clock, questions=[])

    assert response.status_code == 400
    assert codes(response) == ["EG_SURVEY_NO_QUESTIONS_ERR"]


async def test_create_with_an_unknown_question_type_is_400(
    api: httpx.AsyncClient, gro: dict[str, str], clock: FrozenClock
) -> None:
    response = await create(api, gro, clock, questions=[{"questionStatement": "Rate us", "type": "STARS"}])

    assert response.status_code == 400
    assert codes(response) == ["EG_SURVEY_QUESTION_TYPE_ERR"]


async def test_create_with_options_on_an_open_question_is_400(
    api: httpx.AsyncClient, gro: dict[str, str], clock: FrozenClock
) -> None:
    open_question = {"questionStatement": "Your name?", "type": "SHORT_ANSWER_TYPE", "options": ["A", "B"]}

    response = await create(api, gro, clock, questions=[open_question])

    assert response.status_code == 400
    assert codes(response) == ["EG_SY_OPTIONS_ERR"]


async def test_create_of_a_title_the_city_already_has_is_409(
    api: httpx.AsyncClient, gro: dict[str, str], clock: FrozenClock
) -> None:
    await created(api, gro, clock)

    response = await create(api, gro, clock, title="CIVIC SERVICES 2026")

    assert response.status_code == 409
    assert codes(response) == ["EG_SY_DUPLICATE_SURVEY_ERR"]


# ---------------------------------------------------------------- search and status by dates


async def test_search_shows_a_survey_active_only_between_its_dates(
    api: httpx.AsyncClient, gro: dict[str, str], clock: FrozenClock
) -> None:
    now = clock.now_ms()
    found = await created(api, gro, clock, startDate=now + DAY_MS, endDate=now + 3 * DAY_MS)

    statuses = []
    for days in (0, 2, 2):
        clock.advance(days=days)
        response = await search(api, gro, tenantIds=AMRITSAR, uuid=found["uuid"])
        statuses.append(response.json()["Surveys"][0]["status"])

    assert statuses == ["INACTIVE", "ACTIVE", "INACTIVE"]


@pytest.mark.parametrize("query", [{"limit": "10001"}, {"offset": "-1"}, {"title": "t" * 61}])
async def test_search_with_page_or_title_out_of_bounds_is_400(
    api: httpx.AsyncClient, gro: dict[str, str], query: dict[str, str]
) -> None:
    response = await search(api, gro, tenantIds=AMRITSAR, **query)

    assert response.status_code == 400
    assert codes(response) == ["INVALID_REQUEST"]


async def test_search_by_status_filters_on_the_dates(
    api: httpx.AsyncClient, gro: dict[str, str], clock: FrozenClock
) -> None:
    now = clock.now_ms()
    running = await created(api, gro, clock, title="Running")
    later = await created(api, gro, clock, title="Later", startDate=now + DAY_MS, endDate=now + 2 * DAY_MS)

    active = await search(api, gro, tenantIds=AMRITSAR, status="ACTIVE")
    inactive = await search(api, gro, tenantIds=AMRITSAR, status="INACTIVE")

    assert [s["uuid"] for s in active.json()["Surveys"]] == [running["uuid"]]
    assert [s["uuid"] for s in inactive.json()["Surveys"]] == [later["uuid"]]
    assert (active.json()["TotalCount"], inactive.json()["TotalCount"]) == (1, 1)


async def test_search_by_a_citizen_on_the_fill_page_uses_tenant_id(
    api: httpx.AsyncClient, gro: dict[str, str], citizen: dict[str, str], clock: FrozenClock
) -> None:
    found = await created(api, gro, clock)

    response = await search(api, citizen, tenantId=AMRITSAR, uuid=found["uuid"])

    assert response.status_code == 200
    [seen] = response.json()["Surveys"]
    assert (seen["uuid"], seen["hasResponded"], len(seen["questions"])) == (found["uuid"], False, 3)


async def test_search_of_another_citys_surveys_by_an_official_is_refused_403(
    api: httpx.AsyncClient, gro: dict[str, str], clock: FrozenClock
) -> None:
    await created(api, gro, clock)
    jalandhar = await login(api, "GRO_JAL", JALANDHAR)

    response = await search(api, jalandhar, tenantIds=AMRITSAR)

    assert response.status_code == 403


# ---------------------------------------------------------------- update and delete


async def test_update_with_new_dates_reopens_an_ended_survey(
    api: httpx.AsyncClient, gro: dict[str, str], clock: FrozenClock
) -> None:
    found = await created(api, gro, clock)
    clock.advance(days=10)
    gro = await login(api, "GRO_AMR", AMRITSAR)  # a new day, a new session
    ended = (await search(api, gro, tenantIds=AMRITSAR)).json()["Surveys"][0]
    changed = {**ended, "endDate": clock.now_ms() + DAY_MS}

    response = await api.post(f"{SS}/_update", json={**RI, "SurveyEntity": changed}, headers=gro)

    assert ended["status"] == "INACTIVE"
    assert response.status_code == 200
    assert (response.json()["Surveys"][0]["uuid"], response.json()["Surveys"][0]["status"]) == (found["uuid"], "ACTIVE")


async def test_update_adds_a_question_without_uuid_and_retires_one_set_inactive(
    api: httpx.AsyncClient, gro: dict[str, str], clock: FrozenClock
) -> None:
    found = await created(api, gro, clock)
    kept, retired, _ = found["questions"]
    added = {"questionStatement": "Would you recommend the city?", "type": "SHORT_ANSWER_TYPE"}
    changed = {**found, "questions": [kept, {**retired, "status": "INACTIVE"}, added]}

    response = await api.post(f"{SS}/_update", json={**RI, "SurveyEntity": changed}, headers=gro)

    assert response.status_code == 200
    assert [(q["questionStatement"], q["qorder"]) for q in response.json()["Surveys"][0]["questions"]] == [
        ("Which services do you use?", 1),
        ("Anything else?", 3),
        ("Would you recommend the city?", 4),
    ]


async def test_update_naming_a_question_of_another_survey_is_400(
    api: httpx.AsyncClient, gro: dict[str, str], clock: FrozenClock
) -> None:
    mine = await created(api, gro, clock)
    other = await created(api, gro, clock, title="Another one")
    changed = {**mine, "questions": [{**other["questions"][0], "questionStatement": "Hijacked"}]}

    response = await api.post(f"{SS}/_update", json={**RI, "SurveyEntity": changed}, headers=gro)

    assert response.status_code == 400
    assert codes(response) == ["EG_SY_QUESTION_DOES_NOT_EXIST_ERR"]


async def test_update_without_uuid_is_400(api: httpx.AsyncClient, gro: dict[str, str], clock: FrozenClock) -> None:
    body = {**RI, "SurveyEntity": survey(clock.now_ms(), tenantId=AMRITSAR)}

    response = await api.post(f"{SS}/_update", json=body, headers=gro)

    assert response.status_code == 400
    assert codes(response) == ["EG_SY_UUID_NOT_PROVIDED_ERR"]


async def test_update_naming_another_city_does_not_reach_this_citys_survey_404(
    api: httpx.AsyncClient, gro: dict[str, str], clock: FrozenClock
) -> None:
    found = await created(api, gro, clock)
    jalandhar = await login(api, "GRO_JAL", JALANDHAR)
    smuggled = {**found, "tenantId": JALANDHAR, "title": "Defaced"}

    response = await api.post(f"{SS}/_update", json={**RI, "SurveyEntity": smuggled}, headers=jalandhar)

    assert response.status_code == 404
    assert codes(response) == ["EG_SURVEY_DOES_NOT_EXIST_ERR"]


async def test_delete_withdraws_the_survey_from_searches(
    api: httpx.AsyncClient, gro: dict[str, str], clock: FrozenClock
) -> None:
    found = await created(api, gro, clock)

    response = await api.post(f"{SS}/_delete", json={**RI, "SurveyEntity": found}, headers=gro)
    after = await search(api, gro, tenantIds=AMRITSAR)

    assert response.status_code == 200
    assert response.json()["status"] == "successful"
    assert after.json()["Surveys"] == []


# ---------------------------------------------------------------- answering


async def test_submit_by_a_citizen_records_the_answers_once(
    api: httpx.AsyncClient, gro: dict[str, str], citizen: dict[str, str], clock: FrozenClock
) -> None:
    found = await created(api, gro, clock)

    response = await submit(api, citizen, found["uuid"], answers_to(found, ["Water", "Sewerage"], ["Happy"]))
    seen = (await search(api, citizen, tenantId=AMRITSAR, uuid=found["uuid"])).json()["Surveys"][0]

    assert response.status_code == 200
    assert [(a["questionId"], a["answer"]) for a in response.json()["answers"]] == [
        (found["questions"][0]["uuid"], ["Water", "Sewerage"]),
        (found["questions"][1]["uuid"], ["Happy"]),
    ]
    assert (seen["hasResponded"], seen["answersCount"]) == (True, 1)


async def test_submit_a_second_time_is_refused_409(
    api: httpx.AsyncClient, gro: dict[str, str], citizen: dict[str, str], clock: FrozenClock
) -> None:
    found = await created(api, gro, clock)
    await submit(api, citizen, found["uuid"], answers_to(found, ["Water"]))

    response = await submit(api, citizen, found["uuid"], answers_to(found, ["Sewerage"]))

    assert response.status_code == 409
    assert codes(response) == ["EG_CITIZEN_ALREADY_RESPONDED"]


async def test_submit_by_an_official_is_refused_403(
    api: httpx.AsyncClient, gro: dict[str, str], clock: FrozenClock
) -> None:
    found = await created(api, gro, clock)

    response = await submit(api, gro, found["uuid"], answers_to(found, ["Water"]))

    assert response.status_code == 403


async def test_submit_to_a_survey_that_has_not_started_is_400(
    api: httpx.AsyncClient, gro: dict[str, str], citizen: dict[str, str], clock: FrozenClock
) -> None:
    now = clock.now_ms()
    found = await created(api, gro, clock, startDate=now + DAY_MS, endDate=now + 2 * DAY_MS)

    response = await submit(api, citizen, found["uuid"], answers_to(found, ["Water"]))

    assert response.status_code == 400
    assert codes(response) == ["EG_SY_SURVEY_INACTIVE_ERR"]


async def test_submit_to_a_deleted_survey_is_404(
    api: httpx.AsyncClient, gro: dict[str, str], citizen: dict[str, str], clock: FrozenClock
) -> None:
    found = await created(api, gro, clock)
    await api.post(f"{SS}/_delete", json={**RI, "SurveyEntity": found}, headers=gro)

    response = await submit(api, citizen, found["uuid"], answers_to(found, ["Water"]))

    assert response.status_code == 404
    assert codes(response) == ["EG_SY_DOES_NOT_EXIST_ERR"]


async def test_submit_without_a_required_answer_is_400(
    api: httpx.AsyncClient, gro: dict[str, str], citizen: dict[str, str], clock: FrozenClock
) -> None:
    found = await created(api, gro, clock)

    response = await submit(api, citizen, found["uuid"], answers_to(found, None, ["Happy"]))

    assert response.status_code == 400
    assert codes(response) == ["EG_SY_MANDATORY_QUES_NOT_ANSWERED_ERR"]


async def test_submit_answering_another_surveys_question_is_400(
    api: httpx.AsyncClient, gro: dict[str, str], citizen: dict[str, str], clock: FrozenClock
) -> None:
    found = await created(api, gro, clock)
    other = await created(api, gro, clock, title="Another one")
    stray = {"questionId": other["questions"][1]["uuid"], "answer": ["Happy"]}

    response = await submit(api, citizen, found["uuid"], [*answers_to(found, ["Water"]), stray])

    assert response.status_code == 400
    assert codes(response) == ["EG_SY_DIFF_QUES_ANSWERED_ERR"]


async def test_submit_answering_a_question_twice_is_400(
    api: httpx.AsyncClient, gro: dict[str, str], citizen: dict[str, str], clock: FrozenClock
) -> None:
    found = await created(api, gro, clock)
    twice = answers_to(found, ["Water"]) * 2

    response = await submit(api, citizen, found["uuid"], twice)

    assert response.status_code == 400
    assert codes(response) == ["EG_SY_DUPLICATE_ANSWER_ERR"]


async def test_submit_keeps_the_citizens_uuid_and_no_contact_details(
    api: httpx.AsyncClient, gro: dict[str, str], citizen: dict[str, str], clock: FrozenClock, platform: Platform
) -> None:
    found = await created(api, gro, clock, collectCitizenInfo=True)
    me = (await api.post("/user/_details", json=RI, headers=citizen)).json()

    await submit(api, citizen, found["uuid"], answers_to(found, ["Water"], None, ["Fix the streetlight"]))

    async with platform.read_sessions() as session:
        stored = [r.citizen_id for r in await session.scalars(select(ResponseRow))]
        answers = [r.answer for r in await session.scalars(select(AnswerRow).order_by(AnswerRow.created_time))]
        events = [e.data for e in await session.scalars(select(OutboxRow).where(OutboxRow.topic == "save-ss-answer"))]
    assert stored == [me["uuid"]]
    assert sorted(map(str, answers)) == sorted(map(str, [["Water"], ["Fix the streetlight"]]))
    assert events == [{"surveyId": found["uuid"], "tenantId": AMRITSAR}]


# ---------------------------------------------------------------- results


async def test_results_count_answers_per_question_and_option(
    api: httpx.AsyncClient, gro: dict[str, str], citizen: dict[str, str], clock: FrozenClock
) -> None:
    found = await created(api, gro, clock)
    other = await second_citizen(api)
    await submit(api, citizen, found["uuid"], answers_to(found, ["Water", "Sewerage"], ["Happy"]))
    await submit(api, other, found["uuid"], answers_to(found, ["Water"], ["Unhappy"], ["More buses"]))

    response = await results(api, gro, found["uuid"])

    assert response.status_code == 200
    body = response.json()
    assert (body["surveyId"], body["totalResponses"], len(body["answers"])) == (found["uuid"], 2, 5)
    assert [(r["responseCount"], r["optionCounts"]) for r in body["questionResults"]] == [
        (
            2,
            [
                {"option": "Water", "count": 2},
                {"option": "Sewerage", "count": 1},
                {"option": "Property tax", "count": 0},
            ],
        ),
        (2, [{"option": "Happy", "count": 1}, {"option": "Unhappy", "count": 1}]),
        (1, []),
    ]


async def test_results_of_an_anonymous_survey_hide_who_answered(
    api: httpx.AsyncClient, gro: dict[str, str], citizen: dict[str, str], clock: FrozenClock
) -> None:
    found = await created(api, gro, clock, collectCitizenInfo=False)
    me = (await api.post("/user/_details", json=RI, headers=citizen)).json()
    await submit(api, citizen, found["uuid"], answers_to(found, ["Water"], ["Happy"]))

    answers = (await results(api, gro, found["uuid"])).json()["answers"]

    assert me["uuid"] not in str(answers)
    assert len({a["citizenId"] for a in answers}) == 1


async def test_results_of_a_survey_collecting_citizen_info_name_the_citizen(
    api: httpx.AsyncClient, gro: dict[str, str], citizen: dict[str, str], clock: FrozenClock
) -> None:
    found = await created(api, gro, clock, collectCitizenInfo=True)
    me = (await api.post("/user/_details", json=RI, headers=citizen)).json()
    await submit(api, citizen, found["uuid"], answers_to(found, ["Water"]))

    answers = (await results(api, gro, found["uuid"])).json()["answers"]

    assert [a["citizenId"] for a in answers] == [me["uuid"]]


async def test_results_for_a_citizen_hold_only_their_own_answers(
    api: httpx.AsyncClient, gro: dict[str, str], citizen: dict[str, str], clock: FrozenClock
) -> None:
    found = await created(api, gro, clock)
    other = await second_citizen(api)
    await submit(api, citizen, found["uuid"], answers_to(found, ["Water"]))
    await submit(api, other, found["uuid"], answers_to(found, ["Sewerage"]))

    body = (await results(api, other, found["uuid"])).json()

    assert [a["answer"] for a in body["answers"]] == [["Sewerage"]]
    assert body["totalResponses"] == 1
    assert body["questionResults"][0]["optionCounts"][:2] == [
        {"option": "Water", "count": 0},
        {"option": "Sewerage", "count": 1},
    ]


async def test_results_by_an_official_of_another_city_are_404(
    api: httpx.AsyncClient, gro: dict[str, str], clock: FrozenClock
) -> None:
    found = await created(api, gro, clock)
    jalandhar = await login(api, "GRO_JAL", JALANDHAR)

    response = await results(api, jalandhar, found["uuid"])

    assert response.status_code == 404
    assert codes(response) == ["EG_SY_DOES_NOT_EXIST_ERR"]
