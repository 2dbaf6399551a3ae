"""egov-survey-services rules: officials publish surveys, citizens answer each once, officials read the results.

As DIGIT's SurveyService, SurveyValidator and SurveyQueryBuilder have them:
- only employees create, update and delete surveys (`EG_SY_ACCESS_ERR`); only citizens answer
  (`EG_SY_SUBMIT_RESPONSE_ERR`), once per survey (`EG_CITIZEN_ALREADY_RESPONDED`);
- `_create` with several `tenantIds` makes one survey per tenant, each with its own number and ACTIVE;
- a survey has at least one question; each question has a statement and a type; only choice questions
  (MULTIPLE_ANSWER_TYPE, CHECKBOX_ANSWER_TYPE) carry options, and a question without options gets `["NA"]`;
- a tenant holds one live survey per title (`EG_SY_DUPLICATE_SURVEY_ERR`); `_delete` is a soft delete;
- the status a search shows is ACTIVE only while the stored status is ACTIVE and now lies between
  `startDate` and `endDate`; `status=ACTIVE|INACTIVE` filters the same way; `_update` makes a survey ACTIVE
  again when its dates cover now (that is how an official re-opens one: new dates);
- an answer names questions of its survey (`EG_SY_DIFF_QUES_ANSWERED_ERR`) and every required one
  (`EG_SY_MANDATORY_QUES_NOT_ANSWERED_ERR`);
- results: an official gets every respondent's answers; a citizen only their own.

Deliberately stricter than DIGIT: a citizen answers only a survey that is open now (DIGIT also takes answers
to closed surveys), answers a question at most once per submission (a repeated answer would count twice in the
results), and an update names only questions of its own survey (DIGIT would rewrite another survey's question).

Privacy: a response keeps the citizen's uuid only. DIGIT's `collectCitizenInfo` once copied the citizen's
mobile number and email into every answer; DIGIT has since dropped those columns, and so does this block:
the flag is kept and shown, and it decides whether officials see who answered. When it is false (the
default) the results name each respondent by a pseudonym (their response's id), never by their user uuid.
"""

from __future__ import annotations

import logging
import uuid as uuidlib
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass

from sqlalchemy import ColumnElement, Select, and_, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from digit.blocks.surveys.deps import SurveysDeps
from digit.blocks.surveys.models import AnswerRow, ChoiceRow, QuestionRow, ResponseRow, SurveyRow
from digit.blocks.surveys.schemas import (
    DEFAULT_LIMIT,
    MAX_RESULT_RESPONDENTS,
    Answer,
    AnswerEntity,
    AnswerResponse,
    AuditDetails,
    OptionCount,
    Question,
    QuestionResult,
    QuestionType,
    ResultsQuery,
    Status,
    SurveyEntity,
)
from digit.kernel.db import stamp
from digit.kernel.envelope import UserType
from digit.kernel.errors import Conflict, Forbidden, Invalid, NotFound
from digit.kernel.events import emit
from digit.kernel.security import Actor
from digit.kernel.tenancy import in_tenants

log = logging.getLogger(__name__)

ID_NAME = "ss.surveyid"
ID_FORMAT = "SY-[cy:yyyy-MM-dd]-[SEQ_EG_DOC_ID]"
CHOICE_TYPES = frozenset({QuestionType.MULTIPLE_ANSWER_TYPE, QuestionType.CHECKBOX_ANSWER_TYPE})
NO_OPTIONS = ["NA"]
MAX_LIMIT = 60
TOPIC_CREATE, TOPIC_UPDATE, TOPIC_DELETE = "save-ss-survey", "update-ss-survey", "delete-ss-survey"
TOPIC_ANSWER = "save-ss-answer"


@dataclass(frozen=True)
class SearchCriteria:
    tenant_ids: Sequence[str]
    uuid: str | None = None
    title: str | None = None
    posted_by: str | None = None
    status: str | None = None
    offset: int = 0
    limit: int | None = None


@dataclass(frozen=True)
class SearchResult:
    surveys: list[SurveyEntity]
    total_count: int


@dataclass(frozen=True)
class _QuestionSpec:
    uuid: str | None
    statement: str
    type: QuestionType
    options: list[str]
    required: bool
    status: Status
    qorder: int | None


def _require_employee(actor: Actor) -> None:
    if actor.type.upper() != UserType.EMPLOYEE:
        raise Forbidden("EG_SY_ACCESS_ERR", "Survey can only be created/updated/deleted by employees.")


def _named_tenants(entity: SurveyEntity) -> list[str]:
    named = [t for t in (entity.tenant_ids or []) if t]
    if not named and entity.tenant_id:
        named = [entity.tenant_id]
    return list(dict.fromkeys(named))


def _check_authorised(tenants: Collection[str], authorised: Collection[str]) -> None:
    refused = sorted(t for t in tenants if t not in authorised)
    if refused:
        raise Forbidden("NOT_AUTHORIZED", f"not authorized for tenant {refused[0]}", params=refused)


def _parse_type(value: str | None) -> QuestionType | None:
    wanted = (value or "").strip().upper()
    return next((t for t in QuestionType if t.value == wanted), None)


def _parse_status(value: str | None, *, default: Status) -> Status | None:
    if value is None or not value.strip():
        return default
    wanted = value.strip().upper()
    return next((s for s in Status if s.value == wanted), None)


def _questions(questions: Sequence[Question] | None, *, update: bool) -> list[_QuestionSpec]:
    """DIGIT's validateQuestions (create) and validateQuestionsWhileUpdate (update, which drops open questions'
    options instead of refusing them)."""
    if not questions:
        raise Invalid("EG_SURVEY_NO_QUESTIONS_ERR", "There should be at least one question in the survey")
    types = [_parse_type(q.type) for q in questions]
    if any(t is None for t in types):
        raise Invalid("EG_SURVEY_QUESTION_TYPE_ERR", "Question type is not valid")
    specs = []
    for question, qtype in zip(questions, types, strict=True):
        assert qtype is not None
        statement = (question.question_statement or "").strip()
        if not statement:
            raise Invalid(
                "EG_SY_QUESTION_STMT_NOT_PROVIDED_ERR",
                f"Question statement was not provided for uuid - {question.uuid}",
            )
        options = [o.strip() for o in question.options or [] if o and o.strip()]
        if qtype not in CHOICE_TYPES and options and options != NO_OPTIONS:
            if not update:
                raise Invalid("EG_SY_OPTIONS_ERR", "Options should not be provided for open ended question types")
            options = []
        status = _parse_status(question.status, default=Status.ACTIVE)
        if status is None:
            raise Invalid("EG_SURVEY_QUESTION_STATUS_ERR", "Question status must be ACTIVE or INACTIVE")
        specs.append(
            _QuestionSpec(
                uuid=(question.uuid or "").strip() or None,
                statement=statement,
                type=qtype,
                options=list(dict.fromkeys(options)) or list(NO_OPTIONS),
                required=bool(question.required),
                status=status,
                qorder=question.qorder,
            )
        )
    return specs


def is_open(row: SurveyRow, now_ms: int) -> bool:
    """ACTIVE as DIGIT's search shows it: stored ACTIVE and now between the start and end dates."""
    return (
        row.status == Status.ACTIVE
        and (row.start_date is None or row.start_date <= now_ms)
        and (row.end_date is None or now_ms <= row.end_date)
    )


def _open_condition(now_ms: int) -> ColumnElement[bool]:
    return and_(
        SurveyRow.status == Status.ACTIVE.value,
        or_(SurveyRow.start_date.is_(None), SurveyRow.start_date <= now_ms),
        or_(SurveyRow.end_date.is_(None), SurveyRow.end_date >= now_ms),
    )


async def _check_unique_title(
    session: AsyncSession, *, tenant_id: str, title: str, except_id: str | None = None
) -> None:
    query = select(SurveyRow.id).where(
        SurveyRow.tenant_id == tenant_id,
        func.lower(SurveyRow.title) == title.lower(),
        SurveyRow.active.is_(True),
    )
    if except_id is not None:
        query = query.where(SurveyRow.id != except_id)
    if (await session.scalars(query.limit(1))).first() is not None:
        raise Conflict("EG_SY_DUPLICATE_SURVEY_ERR", "This survey entity already exists.")


async def _flush_survey(session: AsyncSession) -> None:
    try:
        await session.flush()
    except IntegrityError:
        raise Conflict("EG_SY_DUPLICATE_SURVEY_ERR", "This survey entity already exists.") from None


def _title(entity: SurveyEntity) -> str:
    title = (entity.title or "").strip()
    if not title:
        raise Invalid("EG_SY_TITLE_NOT_PROVIDED_ERR", "Providing a survey title is mandatory")
    return title


def _question_row(survey: SurveyRow, spec: _QuestionSpec, *, qorder: int, actor: Actor, now_ms: int) -> QuestionRow:
    row = QuestionRow(
        id=str(uuidlib.uuid4()),
        tenant_id=survey.tenant_id,
        survey_id=survey.id,
        statement=spec.statement,
        options=spec.options,
        type=spec.type.value,
        required=spec.required,
        status=spec.status.value,
        qorder=qorder,
    )
    stamp(row, actor_uuid=actor.uuid, now_ms=now_ms)
    return row


def _event_data(row: SurveyRow, action: str) -> dict[str, object]:
    return {"uuid": row.uuid, "tenantId": row.tenant_id, "action": action}


async def _emit(session: AsyncSession, topic: str, row: SurveyRow, action: str, actor: Actor, now_ms: int) -> None:
    await emit(
        session,
        topic,
        tenant_id=row.tenant_id,
        aggregate_id=row.uuid,
        data=_event_data(row, action),
        actor_uuid=actor.uuid,
        now_ms=now_ms,
    )


async def create_surveys(
    session: AsyncSession,
    deps: SurveysDeps,
    *,
    entity: SurveyEntity,
    authorised: Collection[str],
    actor: Actor,
) -> list[SurveyEntity]:
    """Publish the survey in every tenant the entity names; each copy ACTIVE, with its own number."""
    _require_employee(actor)
    tenants = _named_tenants(entity)
    if not tenants:
        raise Invalid("EG_SURVEY_NO_TENANTID_ERR", "tenantIds are mandatory for survey creation")
    _check_authorised(tenants, authorised)
    specs = _questions(entity.questions, update=False)
    title = _title(entity)
    for tenant_id in tenants:
        await _check_unique_title(session, tenant_id=tenant_id, title=title)
    now_ms = deps.clock.now_ms()
    numbers = await deps.idgen.generate(
        session, tenant_id=tenants[0], id_name=ID_NAME, format=ID_FORMAT, count=len(tenants)
    )
    surveys = []
    for tenant_id, number in zip(tenants, numbers, strict=True):
        survey = SurveyRow(
            tenant_id=tenant_id,
            uuid=number,
            title=title,
            description=entity.description,
            status=Status.ACTIVE.value,
            start_date=entity.start_date,
            end_date=entity.end_date,
            collect_citizen_info=bool(entity.collect_citizen_info),
            posted_by=actor.uuid,
            active=True,
        )
        stamp(survey, actor_uuid=actor.uuid, now_ms=now_ms)
        session.add(survey)
        await _flush_survey(session)
        for index, spec in enumerate(specs):
            session.add(_question_row(survey, spec, qorder=index + 1, actor=actor, now_ms=now_ms))
        surveys.append(survey)
    await session.flush()
    for survey in surveys:
        await _emit(session, TOPIC_CREATE, survey, "CREATE", actor, now_ms)
    log.info("surveys_created", extra={"tenants": tenants, "count": len(surveys)})
    return await _entities(session, deps, surveys, actor=actor, now_ms=now_ms)


async def _existing(session: AsyncSession, entity: SurveyEntity, authorised: Collection[str]) -> SurveyRow:
    """DIGIT's validateSurveyExistence, within the tenants the entity names."""
    if not (entity.uuid or "").strip():
        raise Invalid(
            "EG_SY_UUID_NOT_PROVIDED_ERR", "Providing survey uuid is mandatory for updating and deleting surveys"
        )
    tenants = _named_tenants(entity)
    if not tenants:
        raise Invalid("EG_SURVEY_NO_TENANTID_ERR", "Update request cannot have tenantId as empty or null.")
    _check_authorised(tenants, authorised)
    row = (
        await session.scalars(
            select(SurveyRow).where(
                SurveyRow.uuid == entity.uuid, SurveyRow.tenant_id.in_(tenants), SurveyRow.active.is_(True)
            )
        )
    ).first()
    if row is None:
        raise NotFound("EG_SURVEY_DOES_NOT_EXIST_ERR", "The survey entity provided in update request does not exist.")
    return row


async def update_survey(
    session: AsyncSession,
    deps: SurveysDeps,
    *,
    entity: SurveyEntity,
    authorised: Collection[str],
    actor: Actor,
) -> SurveyEntity:
    """Change a survey: fields left out keep their value; questions with a uuid change, those without are added."""
    _require_employee(actor)
    survey = await _existing(session, entity, authorised)
    specs = _questions(entity.questions, update=True)
    now_ms = deps.clock.now_ms()
    if entity.title is not None:
        title = _title(entity)
        if title.lower() != survey.title.lower():
            await _check_unique_title(session, tenant_id=survey.tenant_id, title=title, except_id=survey.id)
        survey.title = title
    if entity.description is not None:
        survey.description = entity.description or None
    if entity.start_date is not None:
        survey.start_date = entity.start_date
    if entity.end_date is not None:
        survey.end_date = entity.end_date
    if entity.collect_citizen_info is not None:
        survey.collect_citizen_info = entity.collect_citizen_info
    if entity.status is not None:
        status = _parse_status(entity.status, default=Status(survey.status))
        if status is None:
            raise Invalid("EG_SY_STATUS_ERR", "Survey status must be ACTIVE or INACTIVE")
        survey.status = status.value
    if survey.start_date is not None and survey.end_date is not None and survey.start_date < now_ms < survey.end_date:
        survey.status = Status.ACTIVE.value  # DIGIT: dates that cover now re-open the survey
    await _update_questions(session, survey, specs, actor=actor, now_ms=now_ms)
    stamp(survey, actor_uuid=actor.uuid, now_ms=now_ms)
    await _flush_survey(session)
    await _emit(session, TOPIC_UPDATE, survey, "UPDATE", actor, now_ms)
    return (await _entities(session, deps, [survey], actor=actor, now_ms=now_ms))[0]


async def _update_questions(
    session: AsyncSession, survey: SurveyRow, specs: Sequence[_QuestionSpec], *, actor: Actor, now_ms: int
) -> None:
    existing = {q.id: q for q in await session.scalars(select(QuestionRow).where(QuestionRow.survey_id == survey.id))}
    foreign = sorted(s.uuid for s in specs if s.uuid is not None and s.uuid not in existing)
    if foreign:
        raise Invalid(
            "EG_SY_QUESTION_DOES_NOT_EXIST_ERR",
            "A question of the update is not a question of this survey",
            params=foreign,
        )
    highest = max([q.qorder for q in existing.values()] + [s.qorder or 0 for s in specs] + [0])
    for spec in specs:
        if spec.uuid is None:
            highest += 1
            session.add(_question_row(survey, spec, qorder=highest, actor=actor, now_ms=now_ms))
            continue
        row = existing[spec.uuid]
        row.statement, row.options, row.type = spec.statement, spec.options, spec.type.value
        row.required, row.status = spec.required, spec.status.value
        if spec.qorder is not None:
            row.qorder = spec.qorder
        stamp(row, actor_uuid=actor.uuid, now_ms=now_ms)


async def delete_survey(
    session: AsyncSession,
    deps: SurveysDeps,
    *,
    entity: SurveyEntity,
    authorised: Collection[str],
    actor: Actor,
) -> None:
    """Soft delete: INACTIVE and out of every search; its answers stay."""
    _require_employee(actor)
    survey = await _existing(session, entity, authorised)
    survey.active, survey.status = None, Status.INACTIVE.value
    now_ms = deps.clock.now_ms()
    stamp(survey, actor_uuid=actor.uuid, now_ms=now_ms)
    await session.flush()
    await _emit(session, TOPIC_DELETE, survey, "DELETE", actor, now_ms)


async def _poster_filter(
    session: AsyncSession, deps: SurveysDeps, *, scope: ColumnElement[bool], posted_by: str
) -> ColumnElement[bool]:
    """DIGIT matches `postedBy ILIKE %x%` on the stored name; names live in the user block, so match them there."""
    posters = list(await session.scalars(select(SurveyRow.posted_by).where(scope).distinct()))
    users = await deps.users.get_users(posters) if posters else {}
    needle = posted_by.strip().lower()
    names = {uuid: (user.name or "").lower() for uuid, user in users.items()}
    return SurveyRow.posted_by.in_([u for u in posters if u == posted_by or needle in names.get(u, "")])


async def search_surveys(
    session: AsyncSession, deps: SurveysDeps, *, criteria: SearchCriteria, actor: Actor
) -> SearchResult:
    """Live surveys of the named tenants matching every criterion, newest first, with answer counts."""
    tenants = list(dict.fromkeys(t for t in criteria.tenant_ids if t))
    if not tenants:
        return SearchResult(surveys=[], total_count=0)
    now_ms = deps.clock.now_ms()
    scope = SurveyRow.tenant_id.in_(tenants) & SurveyRow.active.is_(True)
    conditions: list[ColumnElement[bool]] = [scope]
    if criteria.uuid:
        conditions.append(SurveyRow.uuid == criteria.uuid)
    if criteria.title:
        conditions.append(func.lower(SurveyRow.title).contains(criteria.title.strip().lower(), autoescape=True))
    if criteria.posted_by:
        conditions.append(await _poster_filter(session, deps, scope=scope, posted_by=criteria.posted_by))
    if criteria.status:
        wanted = _parse_status(criteria.status, default=Status.ACTIVE)
        if wanted is None:
            return SearchResult(surveys=[], total_count=0)
        opened = _open_condition(now_ms)
        conditions.append(opened if wanted is Status.ACTIVE else ~opened)
    limit = DEFAULT_LIMIT if criteria.limit is None else min(criteria.limit, MAX_LIMIT)
    page: Select[SurveyRow] = (
        select(SurveyRow)
        .where(*conditions)
        .order_by(SurveyRow.created_time.desc(), SurveyRow.id)
        .offset(criteria.offset)
        .limit(limit)
    )
    rows = list(await session.scalars(page))
    total = int(await session.scalar(select(func.count()).select_from(SurveyRow).where(*conditions)) or 0)
    return SearchResult(surveys=await _entities(session, deps, rows, actor=actor, now_ms=now_ms), total_count=total)


async def _entities(
    session: AsyncSession, deps: SurveysDeps, rows: Sequence[SurveyRow], *, actor: Actor, now_ms: int
) -> list[SurveyEntity]:
    """Surveys as DIGIT's search shows them: live questions in order, answer counts, and (for a citizen)
    whether they have answered."""
    if not rows:
        return []
    ids = [row.id for row in rows]
    questions: dict[str, list[QuestionRow]] = {i: [] for i in ids}
    for question in await session.scalars(
        select(QuestionRow)
        .where(QuestionRow.survey_id.in_(ids), QuestionRow.status == Status.ACTIVE.value)
        .order_by(QuestionRow.qorder, QuestionRow.created_time, QuestionRow.id)
    ):
        questions[question.survey_id].append(question)
    per_survey = await session.execute(
        select(ResponseRow.survey_id, func.count())
        .where(ResponseRow.survey_id.in_(ids))
        .group_by(ResponseRow.survey_id)
    )
    counts = {survey_id: int(n) for survey_id, n in per_survey}
    answered: set[str] = set()
    if actor.is_citizen:
        answered = set(
            await session.scalars(
                select(ResponseRow.survey_id).where(
                    ResponseRow.survey_id.in_(ids), ResponseRow.citizen_id == actor.uuid
                )
            )
        )
    posters = sorted({row.posted_by for row in rows})
    users = await deps.users.get_users(posters) if posters else {}
    return [
        SurveyEntity(
            uuid=row.uuid,
            tenant_id=row.tenant_id,
            title=row.title,
            status=Status.ACTIVE.value if is_open(row, now_ms) else Status.INACTIVE.value,
            description=row.description,
            questions=[_question(q, row) for q in questions[row.id]],
            start_date=row.start_date,
            end_date=row.end_date,
            collect_citizen_info=row.collect_citizen_info,
            posted_by=users[row.posted_by].name if row.posted_by in users else None,
            audit_details=_audit(row),
            active=bool(row.active),
            answers_count=int(counts.get(row.id, 0)),
            has_responded=(row.id in answered) if actor.is_citizen else None,
        )
        for row in rows
    ]


def _audit(row: SurveyRow | QuestionRow | AnswerRow) -> AuditDetails:
    return AuditDetails(
        created_by=row.created_by,
        created_time=row.created_time,
        last_modified_by=row.last_modified_by,
        last_modified_time=row.last_modified_time,
    )


def _question(row: QuestionRow, survey: SurveyRow) -> Question:
    return Question(
        uuid=row.id,
        survey_id=survey.uuid,
        question_statement=row.statement,
        options=[str(o) for o in row.options],
        audit_details=_audit(row),
        status=row.status,
        type=row.type,
        required=row.required,
        qorder=row.qorder,
    )


async def _survey_in_scope(
    session: AsyncSession, *, survey_uuid: str | None, authorised: Collection[str], message: str
) -> SurveyRow:
    found = None
    if survey_uuid and authorised:
        found = (
            await session.scalars(
                select(SurveyRow).where(
                    SurveyRow.uuid == survey_uuid,
                    SurveyRow.active.is_(True),
                    in_tenants(SurveyRow.tenant_id, authorised),
                )
            )
        ).first()
    if found is None:
        raise NotFound("EG_SY_DOES_NOT_EXIST_ERR", message)
    return found


def _answer_values(answer: Answer) -> list[str]:
    return [("true" if v else "false") if isinstance(v, bool) else str(v) for v in answer.answer]


async def submit_response(
    session: AsyncSession,
    deps: SurveysDeps,
    *,
    entity: AnswerEntity,
    authorised: Collection[str],
    actor: Actor,
) -> AnswerResponse:
    """A citizen answers an open survey of their state, once."""
    if not actor.is_citizen:
        raise Forbidden("EG_SY_SUBMIT_RESPONSE_ERR", "Survey can only be answered by citizens.")
    survey = await _survey_in_scope(
        session,
        survey_uuid=entity.survey_id,
        authorised=authorised,
        message="The survey for which citizen responded does not exist",
    )
    already = select(ResponseRow.id).where(ResponseRow.survey_id == survey.id, ResponseRow.citizen_id == actor.uuid)
    if (await session.scalars(already.limit(1))).first() is not None:
        raise Conflict("EG_CITIZEN_ALREADY_RESPONDED", "The citizen has already responded to this survey.")
    now_ms = deps.clock.now_ms()
    if not is_open(survey, now_ms):
        raise Invalid(
            "EG_SY_SURVEY_INACTIVE_ERR", "The survey is not open: it takes answers only between its start and end dates"
        )
    questions = await _active_questions(session, survey)
    _check_answers(entity.answers, questions)
    response = ResponseRow(tenant_id=survey.tenant_id, survey_id=survey.id, citizen_id=actor.uuid)
    stamp(response, actor_uuid=actor.uuid, now_ms=now_ms)
    session.add(response)
    try:
        await session.flush()
    except IntegrityError:  # a twin submission got there first
        raise Conflict("EG_CITIZEN_ALREADY_RESPONDED", "The citizen has already responded to this survey.") from None
    saved = [
        _add_answer(session, survey, response, answer, questions[answer.question_id or ""], actor=actor, now_ms=now_ms)
        for answer in entity.answers
    ]
    await session.flush()
    await emit(
        session,
        TOPIC_ANSWER,
        tenant_id=survey.tenant_id,
        aggregate_id=survey.uuid,
        data={"surveyId": survey.uuid, "tenantId": survey.tenant_id},
        actor_uuid=actor.uuid,
        now_ms=now_ms,
    )
    log.info("survey_answered", extra={"tenant_id": survey.tenant_id, "survey": survey.uuid, "answers": len(saved)})
    return AnswerResponse(
        tenant_id=survey.tenant_id,
        survey_id=survey.uuid,
        title=survey.title,
        description=survey.description,
        answers=[_answer(row, respondent=actor.uuid) for row in saved],
    )


async def _active_questions(session: AsyncSession, survey: SurveyRow) -> dict[str, QuestionRow]:
    """The survey's active questions by id."""
    return {
        q.id: q
        for q in await session.scalars(
            select(QuestionRow).where(QuestionRow.survey_id == survey.id, QuestionRow.status == Status.ACTIVE.value)
        )
    }


def _check_answers(answers: Sequence[Answer], questions: Mapping[str, QuestionRow]) -> None:
    """Every answer is to one of these questions, none twice, and every required question is answered."""
    answered = [a.question_id or "" for a in answers]
    if not set(answered) <= set(questions):
        raise Invalid("EG_SY_DIFF_QUES_ANSWERED_ERR", "A question belonging to some other survey has been answered.")
    if len(set(answered)) < len(answered):
        raise Invalid("EG_SY_DUPLICATE_ANSWER_ERR", "A question was answered more than once.")
    if not {q.id for q in questions.values() if q.required} <= set(answered):
        raise Invalid("EG_SY_MANDATORY_QUES_NOT_ANSWERED_ERR", "A mandatory question was not answered")


def _add_answer(
    session: AsyncSession,
    survey: SurveyRow,
    response: ResponseRow,
    answer: Answer,
    question: QuestionRow,
    *,
    actor: Actor,
    now_ms: int,
) -> AnswerRow:
    """Save one answer; a choice question also gets one row per distinct option picked, for the results."""
    values = _answer_values(answer)
    row = AnswerRow(
        id=str(uuidlib.uuid4()),
        tenant_id=survey.tenant_id,
        response_id=response.id,
        survey_id=survey.id,
        question_id=question.id,
        answer=values,
    )
    stamp(row, actor_uuid=actor.uuid, now_ms=now_ms)
    session.add(row)
    if question.type in CHOICE_TYPES:
        for option in dict.fromkeys(v for v in values if v in question.options):
            choice = ChoiceRow(
                tenant_id=survey.tenant_id,
                answer_id=row.id,
                survey_id=survey.id,
                question_id=question.id,
                option=option,
            )
            stamp(choice, actor_uuid=actor.uuid, now_ms=now_ms)
            session.add(choice)
    return row


def _answer(row: AnswerRow, *, respondent: str) -> Answer:
    return Answer(
        uuid=row.id,
        question_id=row.question_id,
        answer=[str(v) for v in row.answer],
        audit_details=AuditDetails(
            created_by=respondent,
            created_time=row.created_time,
            last_modified_by=respondent,
            last_modified_time=row.last_modified_time,
        ),
        citizen_id=respondent,
    )


async def fetch_results(
    session: AsyncSession, *, criteria: ResultsQuery, authorised: Collection[str], actor: Actor
) -> AnswerResponse:
    """The answers (a page of respondents, oldest first) and the counts over all of them; a citizen gets only
    their own. Respondents appear by user uuid only when the survey collects citizen info."""
    survey = await _survey_in_scope(
        session, survey_uuid=criteria.survey_id, authorised=authorised, message="The provided survey does not exist"
    )
    responses = select(ResponseRow).where(ResponseRow.survey_id == survey.id)
    if actor.is_citizen:
        responses = responses.where(ResponseRow.citizen_id == actor.uuid)
    page_size = min(criteria.limit, MAX_RESULT_RESPONDENTS)
    page = list(
        await session.scalars(
            responses.order_by(ResponseRow.created_time, ResponseRow.id).offset(criteria.offset).limit(page_size)
        )
    )
    named = survey.collect_citizen_info or actor.is_citizen
    respondent = {r.id: (r.citizen_id if named else r.id) for r in page}
    answers: list[Answer] = []
    if page:
        rows = await session.scalars(
            select(AnswerRow)
            .where(AnswerRow.response_id.in_(list(respondent)))
            .order_by(AnswerRow.created_time, AnswerRow.response_id, AnswerRow.id)
        )
        answers = [_answer(row, respondent=respondent[row.response_id]) for row in rows]
    response_ids = responses.with_only_columns(ResponseRow.id)
    total = int(await session.scalar(select(func.count()).select_from(responses.subquery())) or 0)
    return AnswerResponse(
        tenant_id=survey.tenant_id,
        survey_id=survey.uuid,
        title=survey.title,
        description=survey.description,
        answers=answers,
        total_responses=total,
        question_results=await _question_results(session, survey, response_ids),
    )


async def _question_results(
    session: AsyncSession, survey: SurveyRow, response_ids: Select[str]
) -> list[QuestionResult]:
    questions = list(
        await session.scalars(
            select(QuestionRow)
            .where(QuestionRow.survey_id == survey.id, QuestionRow.status == Status.ACTIVE.value)
            .order_by(QuestionRow.qorder, QuestionRow.created_time, QuestionRow.id)
        )
    )
    per_question = await session.execute(
        select(AnswerRow.question_id, func.count())
        .where(AnswerRow.survey_id == survey.id, AnswerRow.response_id.in_(response_ids))
        .group_by(AnswerRow.question_id)
    )
    answered = {question_id: int(n) for question_id, n in per_question}
    answer_ids = select(AnswerRow.id).where(AnswerRow.survey_id == survey.id, AnswerRow.response_id.in_(response_ids))
    per_option = await session.execute(
        select(ChoiceRow.question_id, ChoiceRow.option, func.count())
        .where(ChoiceRow.survey_id == survey.id, ChoiceRow.answer_id.in_(answer_ids))
        .group_by(ChoiceRow.question_id, ChoiceRow.option)
    )
    chosen = {(question_id, option): int(n) for question_id, option, n in per_option}
    results = []
    for question in questions:
        qtype = QuestionType(question.type)
        options = [str(o) for o in question.options] if qtype in CHOICE_TYPES else []
        results.append(
            QuestionResult(
                question_id=question.id,
                question_statement=question.statement,
                type=qtype,
                required=question.required,
                response_count=int(answered.get(question.id, 0)),
                option_counts=[OptionCount(option=o, count=chosen.get((question.id, o), 0)) for o in options],
            )
        )
    return results
