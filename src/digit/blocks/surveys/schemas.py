"""DIGIT's egov-survey-services wire models: SurveyEntity, Question, AnswerEntity, Answer and the answers."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Any

from pydantic import BeforeValidator, Field

from digit.kernel.envelope import RequestInfo, ResponseInfo, WireModel, split_values
from digit.kernel.inputs import EpochMs, Offset
from digit.kernel.paging import Paged, page_limit

DEFAULT_LIMIT = 10  # surveys in a page of a search that names no limit (the service cuts any to 60)
MAX_RESULT_RESPONDENTS = 1000  # respondents in a page of results


def _tenant_list(value: Any) -> Any:
    """`tenantIds` is a list; a single tenant id string means a list of one."""
    if isinstance(value, str):
        return split_values(value)
    return value


TenantIds = Annotated[list[Annotated[str, Field(max_length=256)]] | None, BeforeValidator(_tenant_list)]
AnswerValue = Annotated[str, Field(max_length=2048)] | int | float | bool


class QuestionType(StrEnum):
    LONG_ANSWER_TYPE = "LONG_ANSWER_TYPE"
    SHORT_ANSWER_TYPE = "SHORT_ANSWER_TYPE"
    MULTIPLE_ANSWER_TYPE = "MULTIPLE_ANSWER_TYPE"
    CHECKBOX_ANSWER_TYPE = "CHECKBOX_ANSWER_TYPE"
    DATE_ANSWER_TYPE = "DATE_ANSWER_TYPE"
    TIME_ANSWER_TYPE = "TIME_ANSWER_TYPE"


class Status(StrEnum):
    ACTIVE = "ACTIVE"
    INACTIVE = "INACTIVE"


class AuditDetails(WireModel):
    created_by: str | None = None
    created_time: int | None = None
    last_modified_by: str | None = None
    last_modified_time: int | None = None


class Question(WireModel):
    """`type` and `status` are checked by the service, so an unknown value gets DIGIT's error code."""

    uuid: str | None = Field(default=None, max_length=128)
    survey_id: str | None = Field(default=None, max_length=128)
    question_statement: str | None = Field(default=None, max_length=140)
    options: list[Annotated[str, Field(max_length=256)]] | None = Field(default=None, max_length=100)
    audit_details: AuditDetails | None = None
    status: str | None = Field(default=None, max_length=32)
    type: str | None = Field(default=None, max_length=32)
    required: bool | None = None
    qorder: int | None = Field(default=None, ge=0, le=10_000)


class SurveyEntity(WireModel):
    uuid: str | None = Field(default=None, max_length=128)
    tenant_ids: TenantIds = Field(default=None, max_length=100)
    tenant_id: str | None = Field(default=None, max_length=256)
    title: str | None = Field(default=None, max_length=60)
    status: str | None = Field(default=None, max_length=128)
    description: str | None = Field(default=None, max_length=140)
    questions: list[Question] | None = Field(default=None, max_length=200)
    start_date: EpochMs | None = None
    end_date: EpochMs | None = None
    collect_citizen_info: bool | None = None
    posted_by: str | None = None
    audit_details: AuditDetails | None = None
    active: bool | None = None
    answers_count: int | None = None
    has_responded: bool | None = None


class SurveyRequest(WireModel):
    request_info: RequestInfo = Field(default_factory=RequestInfo, alias="RequestInfo")
    survey_entity: SurveyEntity = Field(alias="SurveyEntity")


class SurveyResponse(WireModel):
    response_info: ResponseInfo | None = Field(default=None, alias="ResponseInfo")
    total_count: int | None = Field(default=None, alias="TotalCount")
    surveys: list[SurveyEntity] = Field(alias="Surveys")


class DeleteResponse(ResponseInfo):
    """DIGIT's `_delete` answers with a bare ResponseInfo; it is also under `ResponseInfo`, as our answers are."""

    response_info: ResponseInfo | None = Field(default=None, alias="ResponseInfo")


class Answer(WireModel):
    uuid: str | None = Field(default=None, max_length=128)
    question_id: str | None = Field(default=None, max_length=128)
    answer: list[AnswerValue] = Field(default_factory=list, max_length=100)
    audit_details: AuditDetails | None = None
    citizen_id: str | None = None


class AnswerEntity(WireModel):
    """What the citizen's fill page sends; `surveyTitle` and `hasResponded` come along and are not used."""

    survey_id: str | None = Field(default=None, max_length=128)
    answers: list[Answer] = Field(default_factory=list, max_length=200)
    survey_title: str | None = Field(default=None, max_length=256)
    has_responded: bool | None = None


class AnswerRequest(WireModel):
    request_info: RequestInfo = Field(default_factory=RequestInfo, alias="RequestInfo")
    answer_entity: AnswerEntity = Field(alias="AnswerEntity")


class OptionCount(WireModel):
    option: str
    count: int


class QuestionResult(WireModel):
    """Answers to one question: how many respondents answered it and, for choice questions, how often each
    option was chosen (a checkbox answer counts once for every option it ticks)."""

    question_id: str
    question_statement: str
    type: QuestionType
    required: bool
    response_count: int
    option_counts: list[OptionCount] = Field(default_factory=list)


class AnswerResponse(WireModel):
    """DIGIT's AnswerResponse (`answers` as stored) plus `totalResponses` and `questionResults` (the counts)."""

    response_info: ResponseInfo | None = Field(default=None, alias="ResponseInfo")
    tenant_id: str | None = None
    survey_id: str | None = None
    title: str | None = None
    description: str | None = None
    answers: list[Answer] = Field(default_factory=list)
    total_responses: int | None = None
    question_results: list[QuestionResult] | None = None


class SurveySearch(Paged):
    """survey `_search` criteria (the tenants are `tenantIds`, where the access gate put them)."""

    uuid: str | None = Field(default=None, max_length=128)
    title: str | None = Field(default=None, max_length=60)
    posted_by: str | None = Field(default=None, max_length=128)
    status: str | None = Field(default=None, max_length=16)
    offset: Offset = 0
    limit: int = page_limit(default=DEFAULT_LIMIT, maximum=10_000, minimum=0)


class ResultsQuery(Paged):
    """response `_results` criteria: the survey, a page of its respondents."""

    survey_id: str | None = Field(default=None, max_length=128)
    offset: Offset = 0
    limit: int = page_limit(default=MAX_RESULT_RESPONDENTS, maximum=10_000, minimum=0)
