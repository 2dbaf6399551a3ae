"""MDMS on DIGIT's paths: v1 (`/egov-mdms-service/v1/_search|_get`) and v2 (`/mdms-v2/...`)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query

from digit.blocks.mdms import service
from digit.blocks.mdms.client import MDMS_CLIENT, MdmsClient
from digit.blocks.mdms.schemas import (
    CountResponse,
    CreateSchemaRequest,
    MasterQuery,
    MdmsCriteriaV1,
    MdmsRequest,
    MdmsResponse,
    SchemaDefinitionsResponse,
    SearchSchemaRequest,
    SearchV1Request,
    SearchV1Response,
    SearchV2Request,
    TenantSearch,
)
from digit.kernel.deps import CurrentActor, PlatformDep, SessionDep
from digit.kernel.envelope import RequestInfoBody, response_info
from digit.kernel.errors import Invalid
from digit.kernel.platform import Platform
from digit.kernel.request_tenants import TenantQuery

router = APIRouter(prefix="/egov-mdms-service", tags=["mdms"])
v2_router = APIRouter(prefix="/mdms-v2", tags=["mdms-v2"])


def _client(platform: Platform) -> MdmsClient:
    return platform.get(MDMS_CLIENT)


async def _require_tenant(client: MdmsClient, tenant_id: str, *, code: str = "INVALID_TENANT_ID") -> None:
    if not await client.tenant_exists(tenant_id):
        raise Invalid(code, "Invalid Tenant Id", description=f"unknown tenant {tenant_id!r}", params=[tenant_id])


async def _search_v1(platform: Platform, criteria: MdmsCriteriaV1) -> dict[str, dict[str, list[Any]]]:
    client = _client(platform)
    await _require_tenant(client, criteria.tenant_id, code=service.INVALID_TENANT_V1)
    result: dict[str, dict[str, list[Any]]] = {}
    for module in criteria.module_details:
        masters = result.setdefault(module.module_name, {})
        for master in module.master_details:
            masters[master.name] = await client.get_master(
                tenant_id=criteria.tenant_id, module=module.module_name, master=master.name, filter=master.filter
            )
    return result


@router.post("/v1/_search")
async def search(body: SearchV1Request, platform: PlatformDep) -> SearchV1Response:
    """DIGIT v1 search: masters per module, the most specific tenant's data, filtered by JSONPath."""
    result = await _search_v1(platform, body.mdms_criteria)
    return SearchV1Response(response_info=response_info(body.request_info), mdms_res=result)


@router.post("/v1/_get")
async def get(
    platform: PlatformDep,
    query: Annotated[MasterQuery, Query()],
    tenant_id: TenantQuery,
    body: RequestInfoBody | None = None,
) -> SearchV1Response:
    """DIGIT v1 `_get`: one master by query parameters."""
    result = await _search_v1(platform, query.criteria(tenant_id))
    return SearchV1Response(response_info=response_info(body), mdms_res=result)


# ---------------------------------------------------------------- v2


@v2_router.post("/schema/v1/_create")
async def create_schema(
    body: CreateSchemaRequest, session: SessionDep, actor: CurrentActor, platform: PlatformDep
) -> SchemaDefinitionsResponse:
    """DIGIT schema `_create`: a JSON Schema (draft-07) with `x-unique` and optional `x-ref-schema`."""
    schema = body.schema_definition
    await _require_tenant(_client(platform), schema.tenant_id)
    created = await service.create_schema(
        session,
        tenant_id=schema.tenant_id,
        code=schema.code,
        description=schema.description,
        definition=schema.definition,
        is_active=schema.is_active,
        actor_uuid=actor.uuid,
        now_ms=platform.clock.now_ms(),
    )
    _client(platform).invalidate()
    return SchemaDefinitionsResponse(response_info=response_info(body.request_info), schema_definitions=[created])


@v2_router.post("/schema/v1/_search")
async def search_schemas(
    body: SearchSchemaRequest, session: SessionDep, platform: PlatformDep
) -> SchemaDefinitionsResponse:
    """DIGIT schema `_search` by tenant (with its parents) and codes."""
    criteria = body.schema_def_criteria
    await _require_tenant(_client(platform), criteria.tenant_id)
    found = await service.search_schemas(
        session, tenant_id=criteria.tenant_id, codes=criteria.codes, offset=criteria.offset, limit=criteria.limit
    )
    return SchemaDefinitionsResponse(response_info=response_info(body.request_info), schema_definitions=found)


def _schema_code_of(body: MdmsRequest, path_code: str) -> str:
    if body.mdms.schema_code and body.mdms.schema_code != path_code:
        raise Invalid(
            "INVALID_SCHEMA_CODE",
            f"Mdms.schemaCode {body.mdms.schema_code!r} differs from the path's {path_code!r}",
            params=["Mdms.schemaCode"],
        )
    return path_code


@v2_router.post("/v2/_create/{schemaCode}")
async def create_data(
    schema_code: Annotated[str, Path(alias="schemaCode")],
    body: MdmsRequest,
    session: SessionDep,
    actor: CurrentActor,
    platform: PlatformDep,
) -> MdmsResponse:
    """DIGIT v2 data `_create`: one record, validated against its schema."""
    code = _schema_code_of(body, schema_code)
    await _require_tenant(_client(platform), body.mdms.tenant_id)
    created = await service.create_data(
        session,
        tenant_id=body.mdms.tenant_id,
        code=code,
        data=body.mdms.data,
        is_active=body.mdms.is_active if body.mdms.is_active is not None else True,
        actor_uuid=actor.uuid,
        now_ms=platform.clock.now_ms(),
    )
    _client(platform).invalidate()
    return MdmsResponse(response_info=response_info(body.request_info), mdms=[created])


@v2_router.post("/v2/_update/{schemaCode}")
async def update_data(
    schema_code: Annotated[str, Path(alias="schemaCode")],
    body: MdmsRequest,
    session: SessionDep,
    actor: CurrentActor,
    platform: PlatformDep,
) -> MdmsResponse:
    """DIGIT v2 data `_update`: by id; unique fields fixed; a stale `rowVersion`/`auditDetails` is a 409."""
    code = _schema_code_of(body, schema_code)
    audit = body.mdms.audit_details
    updated = await service.update_data(
        session,
        tenant_id=body.mdms.tenant_id,
        code=code,
        record_id=body.mdms.id,
        data=body.mdms.data,
        is_active=body.mdms.is_active,
        expected_row_version=body.mdms.row_version,
        expected_modified_ms=audit.last_modified_time if audit else None,
        actor_uuid=actor.uuid,
        now_ms=platform.clock.now_ms(),
    )
    _client(platform).invalidate()
    return MdmsResponse(response_info=response_info(body.request_info), mdms=[updated])


@v2_router.post("/v2/_search")
async def search_data(body: SearchV2Request, session: SessionDep, platform: PlatformDep) -> MdmsResponse:
    """DIGIT v2 data `_search`: records of the tenant, else of its parents."""
    await _require_tenant(_client(platform), body.mdms_criteria.tenant_id)
    found, _ = await service.search_data(session, criteria=body.mdms_criteria)
    return MdmsResponse(response_info=response_info(body.request_info), mdms=found)


@v2_router.post("/v2/_count")
async def count_data(body: SearchV2Request, session: SessionDep, platform: PlatformDep) -> CountResponse:
    """DIGIT v2 `_count`: how many records the same search finds."""
    await _require_tenant(_client(platform), body.mdms_criteria.tenant_id)
    _, total = await service.search_data(session, criteria=body.mdms_criteria)
    return CountResponse(response_info=response_info(body.request_info), total_count=total)


@v2_router.post("/v1/_search")
async def search_v1_over_v2(body: SearchV1Request, platform: PlatformDep) -> SearchV1Response:
    """mdms-v2's v1-shaped search (schema code `module.master`) over the same store."""
    result = await _search_v1(platform, body.mdms_criteria)
    return SearchV1Response(response_info=response_info(body.request_info), mdms_res=result)


# ---------------------------------------------------------------- tenants


tenant_router = APIRouter(prefix="/tenant", tags=["tenant"])


@tenant_router.post("/v1/tenant/_search")
async def search_tenants(
    platform: PlatformDep,
    tenant_id: TenantQuery,
    criteria: Annotated[TenantSearch, Query()],
    body: RequestInfoBody | None = None,
) -> dict[str, Any]:
    """DIGIT tenant `_search`: the state's `tenant.tenants`, optionally some codes (comma-separated codes)."""
    client = _client(platform)
    await _require_tenant(client, tenant_id)
    records = await client.get_master(tenant_id=tenant_id.split(".", 1)[0], module="tenant", master="tenants")
    tenants = service.select_tenants(records, codes=criteria.code)
    info = response_info(body).wire()
    return {"responseInfo": info, "tenant": tenants}
