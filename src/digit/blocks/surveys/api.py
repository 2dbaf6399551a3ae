"""egov-survey-services on DIGIT's paths (`/egov-survey-services/egov-ss/survey/...`)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query

from digit.blocks.surveys import service
from digit.blocks.surveys.deps import SurveysDeps
from digit.blocks.surveys.schemas import (
    AnswerRequest,
    AnswerResponse,
    DeleteResponse,
    ResultsQuery,
    SurveyEntity,
    SurveyRequest,
    SurveyResponse,
    SurveySearch,
)
from digit.kernel import idempotency
from digit.kernel.deps import CurrentActor, PlatformDep, ReadSessionDep, SessionDep
from digit.kernel.envelope import RequestInfoBody, response_info
from digit.kernel.idempotency import IdempotencyKey
from digit.kernel.request_tenants import AuthorisedTenants, QueryTenantIds

PREFIX = "/egov-survey-services/egov-ss/survey"
router = APIRouter(prefix=PREFIX, tags=["surveys"])


@router.post("/_create")
async def create(
    body: SurveyRequest,
    session: SessionDep,
    actor: CurrentActor,
    platform: PlatformDep,
    authorised: AuthorisedTenants,
    idempotency_key: IdempotencyKey = None,
) -> SurveyResponse:
    """An official publishes a survey in each tenant of `tenantIds`; with an `Idempotency-Key` a retry answers
    the surveys the first call made, as they are now."""
    deps, entity = SurveysDeps.of(platform), body.survey_entity

    async def made_before(first: dict[str, Any]) -> list[SurveyEntity]:
        surveys: list[SurveyEntity] = []
        for tenant_id, number in first["surveys"]:
            criteria = service.SearchCriteria(tenant_ids=[tenant_id], uuid=number)
            surveys += (await service.search_surveys(session, deps, criteria=criteria, actor=actor)).surveys
        return surveys

    created = await idempotency.once(
        session,
        key=idempotency_key,
        operation="surveys.survey.create",
        tenant_id=next(iter(entity.tenant_ids or []), None) or entity.tenant_id or actor.tenant_id,
        caller=actor.uuid,
        request=body.model_dump(mode="json", exclude={"request_info"}),
        now_ms=platform.clock.now_ms(),
        create=lambda: service.create_surveys(session, deps, entity=entity, authorised=authorised, actor=actor),
        reference=lambda made: {"surveys": [[s.tenant_id, s.uuid] for s in made]},
        replay=made_before,
    )
    return SurveyResponse(response_info=response_info(body.request_info), surveys=created)


@router.post("/_update")
async def update(
    body: SurveyRequest, session: SessionDep, actor: CurrentActor, platform: PlatformDep, authorised: AuthorisedTenants
) -> SurveyResponse:
    """An official changes a survey (new dates re-open it) and its questions."""
    updated = await service.update_survey(
        session, SurveysDeps.of(platform), entity=body.survey_entity, authorised=authorised, actor=actor
    )
    return SurveyResponse(response_info=response_info(body.request_info), surveys=[updated])


@router.post("/_delete")
async def delete(
    body: SurveyRequest, session: SessionDep, actor: CurrentActor, platform: PlatformDep, authorised: AuthorisedTenants
) -> DeleteResponse:
    """An official withdraws a survey (soft delete). DIGIT answers with a bare ResponseInfo."""
    await service.delete_survey(
        session, SurveysDeps.of(platform), entity=body.survey_entity, authorised=authorised, actor=actor
    )
    info = response_info(body.request_info)
    return DeleteResponse(**info.model_dump(), response_info=info)


@router.post("/_search")
async def search(
    session: ReadSessionDep,
    actor: CurrentActor,
    platform: PlatformDep,
    tenant_ids: QueryTenantIds,
    query: Annotated[SurveySearch, Query()],
    body: RequestInfoBody | None = None,
) -> SurveyResponse:
    """Live surveys of the tenants, newest first; `status` ACTIVE means open now. Citizens also learn
    whether they have answered each (`hasResponded`)."""
    criteria = service.SearchCriteria(tenant_ids=tenant_ids, **query.model_dump())
    found = await service.search_surveys(session, SurveysDeps.of(platform), criteria=criteria, actor=actor)
    return SurveyResponse(
        response_info=response_info(body),
        total_count=found.total_count,
        surveys=found.surveys,
    )


@router.post("/response/_submit")
async def submit(
    body: AnswerRequest, session: SessionDep, actor: CurrentActor, platform: PlatformDep, authorised: AuthorisedTenants
) -> AnswerResponse:
    """A citizen answers an open survey, once."""
    answered = await service.submit_response(
        session, SurveysDeps.of(platform), entity=body.answer_entity, authorised=authorised, actor=actor
    )
    answered.response_info = response_info(body.request_info)
    return answered


@router.post("/response/_results")
async def results(
    session: ReadSessionDep,
    actor: CurrentActor,
    authorised: AuthorisedTenants,
    criteria: Annotated[ResultsQuery, Query()],
    body: RequestInfoBody | None = None,
) -> AnswerResponse:
    """An official reads a survey's answers and counts per question and option; a citizen, their own answers."""
    found = await service.fetch_results(session, criteria=criteria, authorised=authorised, actor=actor)
    found.response_info = response_info(body)
    return found
