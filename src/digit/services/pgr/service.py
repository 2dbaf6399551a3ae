"""PGR rules: who may file, assign, resolve, reject, rate and reopen a complaint, and how it is searched.

The workflow block decides which action is allowed from which state for which role; this module adds
what is PGR's own: service definitions, localities, photos, the complaint's department, the reopen
window, ratings, and who the citizen is. A create (id, row, first APPLY transition, event) is one
transaction, so a search right after it always finds the complaint.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any, TypeVar

from sqlalchemy import Select, bindparam, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from digit.blocks.pdf.client import PdfClient
from digit.blocks.user.client import CONTACT_FIELDS, NewUser, RoleIn, shown
from digit.blocks.workflow.client import Document as WorkflowDocument
from digit.blocks.workflow.client import ProcessInstance, ProcessInstanceIn, UserRef
from digit.kernel import idempotency
from digit.kernel.db import new_id, stamp
from digit.kernel.envelope import UserInfo, UserType
from digit.kernel.errors import Conflict, Forbidden, Invalid, NotFound
from digit.kernel.events import emit
from digit.kernel.prepared import Prepared, built, filled_values, insert_all, loaded, table_of
from digit.kernel.security import Actor, role_codes_in
from digit.kernel.tenancy import is_state, state_of
from digit.services.pgr.deps import PgrDeps
from digit.services.pgr.models import AddressRow, DocumentRow, ServiceRow
from digit.services.pgr.schemas import SOURCES, Document, Service, Workflow

log = logging.getLogger(__name__)

BUSINESS_SERVICE = "PGR"
MODULE_NAME = "pgr-services"
MODULE_ALIASES = ("rainmaker-pgr", "PGR")  # what DIGIT's inbox pages send as moduleName (any case)
ID_NAME = "pgr.servicerequestid"
DEFAULT_ID_FORMAT = "PB-PGR-[cy:yyyy-MM-dd]-[SEQ_EG_PGR_ID]"
DEFAULT_REOPEN_WINDOW_MS = 5 * 24 * 3600 * 1000
LME_ROLE = "PGR_LME"
FILING_EMPLOYEE_ROLES = {"CSR", "CFC", "GRO", "SUPERUSER"}
REOPEN_EMPLOYEE_ROLES = {"CSR", "CFC"}
PRIVATE_ADDRESS_FIELDS = ("door_no", "plot_no", "building_name", "street", "landmark")
MAX_LIMIT = 200


@dataclass(frozen=True)
class SearchCriteria:
    tenant_id: str
    service_request_ids: tuple[str, ...] = ()
    ids: tuple[str, ...] = ()
    mobile_number: str | None = None
    application_status: tuple[str, ...] = ()
    service_code: tuple[str, ...] = ()
    locality: tuple[str, ...] = ()
    assignee: str | None = None
    from_date: int | None = None
    to_date: int | None = None
    sort_by: str = "createdTime"
    sort_order: str = "DESC"
    limit: int = 100
    offset: int = 0


async def service_definition(deps: PgrDeps, *, tenant_id: str, service_code: str) -> dict[str, Any]:
    defs = await deps.mdms.get_master(tenant_id=tenant_id, module="RAINMAKER-PGR", master="ServiceDefs")
    found = next((d for d in defs if isinstance(d, dict) and d.get("serviceCode") == service_code), None)
    if found is None or found.get("active") is False:
        raise Invalid("INVALID_SERVICECODE", f"the complaint type {service_code!r} does not exist in this city")
    return found


async def _reopen_window_ms(deps: PgrDeps, tenant_id: str) -> int:
    constants = await deps.mdms.get_master(tenant_id=tenant_id, module="RAINMAKER-PGR", master="UIConstants")
    for entry in constants:
        if isinstance(entry, dict) and isinstance(entry.get("REOPENSLA"), int | float):
            return int(entry["REOPENSLA"])
    return DEFAULT_REOPEN_WINDOW_MS


async def _check_city(deps: PgrDeps, tenant_id: str) -> None:
    if is_state(tenant_id) or await deps.mdms.get_tenant(tenant_id) is None:
        raise Invalid("INVALID_TENANT_ID", f"{tenant_id!r} is not a city of this platform")


async def _check_locality(deps: PgrDeps, tenant_id: str, code: str) -> None:
    if not await deps.boundaries.locality_exists(tenant_id, code):
        raise Invalid("INVALID_LOCALITY", f"the locality {code!r} is not a locality of {tenant_id}")


async def _check_documents(deps: PgrDeps, tenant_id: str, documents: Sequence[Document]) -> None:
    ids = [d.file_store_id for d in documents]
    if not ids:
        return
    found = await deps.files.get_metadata(tenant_id=tenant_id, file_store_ids=ids)
    missing = [i for i in ids if i not in found]
    if missing:
        raise Invalid("INVALID_FILESTORE_ID", "photos must be files uploaded to this city's filestore", params=missing)


def _check_source(source: str) -> str:
    match = next((s for s in SOURCES if s.lower() == source.lower()), None)
    if match is None:
        raise Invalid("INVALID_SOURCE", f"source must be one of {', '.join(SOURCES)}")
    return match


async def _resolve_citizen(deps: PgrDeps, session: AsyncSession, service: Service, actor: Actor) -> str:
    """The complaint's owner: the citizen filing it, or the citizen a CSR files for (created if new)."""
    if actor.is_citizen:
        return actor.uuid
    if not actor.has_any_role(FILING_EMPLOYEE_ROLES, service.tenant_id):
        raise Forbidden("INVALID_ROLE", "only citizens and counter staff (CSR) may file complaints")
    citizen = service.citizen
    if citizen is None or not citizen.mobile_number:
        raise Invalid("INVALID_CITIZEN", "an employee filing a complaint must give the citizen's mobileNumber")
    state = state_of(service.tenant_id)
    existing = await deps.users.find_by_mobile(tenant_id=state, mobile_number=citizen.mobile_number)
    if existing is not None:
        return existing.uuid
    created = await deps.users.create_user(
        session,
        user=NewUser(
            name=citizen.name or "Citizen",
            user_name=citizen.mobile_number,
            mobile_number=citizen.mobile_number,
            email_id=citizen.email_id,
            type=UserType.CITIZEN,
            tenant_id=state,
            roles=[RoleIn(code="CITIZEN", name="Citizen", tenant_id=state)],
        ),
        actor=actor,
    )
    return created.uuid


def _instance(service_row: ServiceRow, workflow: Workflow, *, tenant_id: str) -> ProcessInstanceIn:
    return ProcessInstanceIn(
        business_service=BUSINESS_SERVICE,
        business_id=service_row.service_request_id,
        module_name=MODULE_NAME,
        tenant_id=tenant_id,
        action=workflow.action,
        comment=workflow.comments,
        assignes=[UserRef(uuid=uuid) for uuid in workflow.assignes],
        documents=[WorkflowDocument.model_validate(d.wire(exclude_none=True)) for d in workflow.verification_documents],
        rating=service_row.rating if workflow.action == "RATE" else None,
        additional_details={
            "accountId": service_row.account_id,
            "locality": service_row.locality_code,
            "serviceCode": service_row.service_code,
            "department": service_row.department,
        },
    )


async def _emit(
    session: AsyncSession,
    deps: PgrDeps,
    topic: str,
    row: ServiceRow,
    *,
    action: str,
    actor: Actor,
    now_ms: int,
    from_status: str | None,
    assignees: Sequence[str],
    last_assignee: str | None = None,
) -> None:
    """An event for notifications and dashboards: ids, codes and a tracking link; never PII.

    Besides DIGIT-style keys it carries the placeholders the message templates use (`id`,
    `complaint_type`, `date`), so notification routing needs no PGR code.
    """
    track_url = await deps.track_url(row.tenant_id, row.service_request_id, session)
    await emit(
        session,
        topic,
        tenant_id=row.tenant_id,
        aggregate_id=row.service_request_id,
        data={
            "businessService": BUSINESS_SERVICE,
            "serviceRequestId": row.service_request_id,
            "serviceCode": row.service_code,
            "department": row.department,
            "locality": row.locality_code,
            "source": row.source,
            "action": action,
            "fromStatus": from_status,
            "toStatus": row.application_status,
            "applicationStatus": row.application_status,
            "accountId": row.account_id,
            "citizenUuid": row.account_id,
            "assignees": list(assignees),
            "actorUuid": actor.uuid,
            "actorType": actor.type,
            "rating": row.rating,
            "trackUrl": track_url,
            "lastAssignee": last_assignee,
            "id": row.service_request_id,
            "complaint_type": row.service_code,
            "date": datetime.fromtimestamp(row.created_time / 1000, tz=UTC).strftime("%d-%m-%Y"),
        },
        actor_uuid=actor.uuid,
        now_ms=now_ms,
    )


async def create_request(
    session: AsyncSession,
    deps: PgrDeps,
    *,
    service: Service,
    workflow: Workflow,
    actor: Actor,
    now_ms: int,
    idempotency_key: str | None = None,
) -> dict[str, Any]:
    """File a complaint once per `Idempotency-Key` of the caller: a retry answers the complaint filed first."""
    claim = await idempotency.claim(
        session,
        key=idempotency_key,
        operation="pgr.create",
        tenant_id=service.tenant_id,
        caller=actor.uuid,
        request={"service": service.model_dump(mode="json"), "workflow": workflow.model_dump(mode="json")},
        now_ms=now_ms,
    )
    if claim.reference is not None:
        row = await _row_by_request_id(session, service.tenant_id, str(claim.reference["serviceRequestId"]))
        return (await wrap(session, deps, [row], actor=actor))[0]
    wrapper = await _file(session, deps, service=service, workflow=workflow, actor=actor, now_ms=now_ms)
    await idempotency.remember(session, claim, {"serviceRequestId": wrapper["service"]["serviceRequestId"]})
    return wrapper


async def _row_by_request_id(session: AsyncSession, tenant_id: str, service_request_id: str) -> ServiceRow:
    row = await session.scalar(
        select(ServiceRow).where(ServiceRow.tenant_id == tenant_id, ServiceRow.service_request_id == service_request_id)
    )
    if row is None:
        raise NotFound("INVALID_SEARCH", "no such complaint in this city")
    return row


async def _file(
    session: AsyncSession, deps: PgrDeps, *, service: Service, workflow: Workflow, actor: Actor, now_ms: int
) -> dict[str, Any]:
    """File a complaint: validate, number it, store it and APPLY it, all in the caller's transaction."""
    if workflow.action != "APPLY":
        raise Invalid("INVALID_ACTION", "a new complaint starts with the action APPLY")
    tenant_id = service.tenant_id
    await _check_city(deps, tenant_id)
    definition = await service_definition(deps, tenant_id=tenant_id, service_code=service.service_code)
    source = _check_source(service.source)
    await _check_locality(deps, tenant_id, service.address.locality.code)
    documents = [*(service.documents or []), *workflow.verification_documents]
    await _check_documents(deps, tenant_id, documents)
    account_id = await _resolve_citizen(deps, session, service, actor)
    id_format = DEFAULT_ID_FORMAT
    [service_request_id] = await deps.idgen.generate(session, tenant_id=tenant_id, id_name=ID_NAME, format=id_format)
    row = built(
        ServiceRow,
        id=new_id(),
        tenant_id=tenant_id,
        service_request_id=service_request_id,
        service_code=service.service_code,
        description=service.description,
        account_id=account_id,
        additional_detail=service.additional_detail,
        application_status="",
        source=source,
        active=True,
        locality_code=service.address.locality.code,
        department=definition.get("department"),
    )
    _stamp(row, actor, now_ms)
    # the workflow first: the complaint is written once, with its status
    [instance] = await deps.workflow.transition(
        session, instances=[_instance(row, workflow, tenant_id=tenant_id)], actor=actor, fresh=True
    )
    row.application_status = _status_of(instance)
    children = await _write_new(session, deps, row, service, actor=actor, now_ms=now_ms)
    log.info("pgr_request_created", extra={"tenant_id": tenant_id, "service_request_id": service_request_id})
    wrappers = await wrap(
        session, deps, [row], actor=actor, instances={row.service_request_id: instance}, known=children
    )
    return wrappers[0]


async def _write_new(
    session: AsyncSession, deps: PgrDeps, row: ServiceRow, service: Service, *, actor: Actor, now_ms: int
) -> _Children:
    """Write a new complaint with its address and photos, and its event; returns the children written."""
    row.row_version = 1
    await _INSERT_SERVICE.run(session, **filled_values(row))
    address = await _address_row(deps, row, service, actor, now_ms)
    address.row_version = 1
    await _INSERT_ADDRESS.run(session, **filled_values(address))
    document_rows = [_document_row(row, document, actor, now_ms) for document in service.documents or []]
    session.add_all(document_rows)
    await _emit(
        session,
        deps,
        "save-pgr-request",
        row,
        action="APPLY",
        actor=actor,
        now_ms=now_ms,
        from_status=None,
        assignees=[],
    )
    await session.flush()  # both events (the workflow's and ours) in one statement, and any photos
    return _Children(addresses={row.id: address}, documents={row.id: document_rows})


async def update_request(
    session: AsyncSession, deps: PgrDeps, *, service: Service, workflow: Workflow, actor: Actor, now_ms: int
) -> dict[str, Any]:
    """Move a complaint on by one workflow action, with PGR's own rules for that action."""
    row, known = await _get_row(session, service)
    if service.row_version is not None and service.row_version != row.row_version:
        raise Conflict("STALE_DATA", "the complaint was changed by someone else; search again and retry")
    action = workflow.action.upper()
    if actor.is_citizen and row.account_id != actor.uuid:
        raise Forbidden("INVALID_ACTION", "citizens may act only on their own complaints")
    await _check_documents(deps, row.tenant_id, workflow.verification_documents)
    if action in ("ASSIGN", "REASSIGN") and workflow.assignes:
        await _check_assignees(deps, row, workflow.assignes)
    elif action == "ASSIGN":
        raise Invalid("INVALID_ASSIGNMENT", "ASSIGN needs an assignee (assignes)")
    if action == "REJECT" and not (workflow.comments or "").strip():
        raise Invalid("INVALID_REJECTION", "a rejection must give the reason in comments")
    if action == "RATE":
        # DIGIT's validator does not require a rating with RATE; one given must be on the 1-5 scale
        if service.rating is not None and not 1 <= service.rating <= 5:
            raise Invalid("INVALID_RATING", "service.rating must be between 1 and 5")
        if row.account_id != actor.uuid:
            raise Forbidden("INVALID_ACTION", "only the citizen who filed the complaint may rate it")
        if service.rating is not None:
            row.rating = service.rating
    if action == "REOPEN":
        await _check_reopen(deps, row, actor, now_ms)
    from_status, previous_assignee = row.application_status, row.assignee
    [instance] = await deps.workflow.transition(
        session,
        instances=[_instance(row, workflow.model_copy(update={"action": action}), tenant_id=row.tenant_id)],
        actor=actor,
    )
    row.application_status = _status_of(instance)
    if action in ("ASSIGN", "REASSIGN"):
        row.assignee = workflow.assignes[0] if workflow.assignes else None
    if action == "RESOLVE":
        row.resolved_time = now_ms
    if action == "REOPEN":
        row.resolved_time = None
        row.assignee = None
    _stamp(row, actor, now_ms)
    await _save_moved(session, row)
    await _emit(
        session,
        deps,
        "update-pgr-request",
        row,
        action=action,
        actor=actor,
        now_ms=now_ms,
        from_status=from_status,
        assignees=workflow.assignes,
        last_assignee=previous_assignee,
    )
    await session.flush()  # both events (the workflow's and ours) in one statement
    log.info("pgr_request_updated", extra={"service_request_id": row.service_request_id, "action": action})
    wrappers = await wrap(session, deps, [row], actor=actor, instances={row.service_request_id: instance}, known=known)
    return wrappers[0]


_SERVICE = table_of(ServiceRow)
_ADDRESS = table_of(AddressRow)
_DOCUMENT = table_of(DocumentRow)
_COLUMNS = tuple(tuple(c.key for c in table.columns) for table in (_SERVICE, _ADDRESS, _DOCUMENT))
# what an update may change on the complaint's row (`update_request` sets nothing else)
SERVICE_MOVES = ("application_status", "assignee", "resolved_time", "rating", "last_modified_by", "last_modified_time")


def _row_with_children(where: Any) -> Prepared:
    joined = _SERVICE.outerjoin(_ADDRESS, _ADDRESS.c.service_id == _SERVICE.c.id).outerjoin(
        _DOCUMENT, _DOCUMENT.c.service_id == _SERVICE.c.id
    )
    return Prepared(
        select(*_SERVICE.columns, *_ADDRESS.columns, *_DOCUMENT.columns)
        .select_from(joined)
        .where(_SERVICE.c.tenant_id == bindparam("tenant_id"), where)
    )


_ROW_BY_ID = _row_with_children(_SERVICE.c.id == bindparam("id"))
_ROW_BY_NUMBER = _row_with_children(_SERVICE.c.service_request_id == bindparam("service_request_id"))
_MOVE_SERVICE = Prepared(
    update(_SERVICE)
    .where(_SERVICE.c.id == bindparam("where_id"), _SERVICE.c.row_version == bindparam("where_version"))
    .values(
        {
            **{key: bindparam(f"set_{key}", type_=_SERVICE.c[key].type) for key in SERVICE_MOVES},
            "row_version": _SERVICE.c.row_version + 1,
        }
    )
)
_INSERT_SERVICE = insert_all(_SERVICE)
_INSERT_ADDRESS = insert_all(_ADDRESS)


async def _get_row(session: AsyncSession, service: Service) -> tuple[ServiceRow, _Children]:
    """The complaint to update with its address and documents, in one prepared query."""
    if service.id:
        found = await _ROW_BY_ID.rows(session, tenant_id=service.tenant_id, id=service.id)
    elif service.service_request_id:
        found = await _ROW_BY_NUMBER.rows(
            session, tenant_id=service.tenant_id, service_request_id=service.service_request_id
        )
    else:
        raise Invalid("INVALID_UPDATE", "the complaint to update needs its id or serviceRequestId")
    if not found:
        raise NotFound("INVALID_UPDATE", "no such complaint in this city")
    return _loaded_with_children(found)


def _loaded_with_children(found: Sequence[tuple[Any, ...]]) -> tuple[ServiceRow, _Children]:
    """One complaint from the lines of `_row_with_children` (one line per photo)."""
    service_columns, address_columns, document_columns = _COLUMNS
    split, rest = len(service_columns), len(service_columns) + len(address_columns)
    row = loaded(ServiceRow, service_columns, found[0][:split])
    addresses = {row.id: loaded(AddressRow, address_columns, found[0][split:rest])} if found[0][split] else {}
    documents = [loaded(DocumentRow, document_columns, line[rest:]) for line in found if line[rest] is not None]
    return row, _Children(addresses=addresses, documents={row.id: documents})


async def _save_moved(session: AsyncSession, row: ServiceRow) -> None:
    """Write what an update changed, if nobody changed the complaint since it was read (else 409)."""
    moved = await _MOVE_SERVICE.run(
        session,
        where_id=row.id,
        where_version=row.row_version,
        **{f"set_{key}": getattr(row, key) for key in SERVICE_MOVES},
    )
    if moved != 1:
        raise Conflict("STALE_DATA", "the complaint was changed by someone else; search again and retry")
    row.row_version += 1


def _with_children(query: Select[ServiceRow, AddressRow, DocumentRow]) -> Select[ServiceRow, AddressRow, DocumentRow]:
    return query.outerjoin(AddressRow, AddressRow.service_id == ServiceRow.id).outerjoin(
        DocumentRow, DocumentRow.service_id == ServiceRow.id
    )


def _rows_and_children(
    found: Sequence[tuple[ServiceRow, AddressRow | None, DocumentRow | None]],
) -> tuple[list[ServiceRow], _Children]:
    """Complaints in the order found (one line per document), with their addresses and documents."""
    rows: dict[str, ServiceRow] = {}
    addresses: dict[str, AddressRow] = {}
    documents: dict[str, list[DocumentRow]] = {}
    for row, address, document in found:
        rows.setdefault(row.id, row)
        documents.setdefault(row.id, [])
        if address is not None:
            addresses[row.id] = address
        if document is not None:
            documents[row.id].append(document)
    return list(rows.values()), _Children(addresses=addresses, documents=documents)


async def _check_assignees(deps: PgrDeps, row: ServiceRow, assignees: Sequence[str]) -> None:
    """Assignees must be last-mile employees of this city working in the complaint's department."""
    employees = await deps.hrms.search_employees(tenant_id=row.tenant_id, uuids=list(assignees))
    by_uuid = {e.uuid: e for e in employees}
    users = await deps.users.get_users(list(assignees))
    for uuid in assignees:
        employee = by_uuid.get(uuid)
        user = users.get(uuid)
        roles = role_codes_in(user.roles, row.tenant_id) if user else set()
        if employee is None or LME_ROLE not in roles:
            raise Invalid("INVALID_ASSIGNMENT", "assignees must be last-mile employees (PGR_LME) of this city")
        if row.department and row.department not in employee.current_departments:
            raise Invalid("INVALID_ASSIGNMENT", f"the assignee does not work in the department {row.department}")


async def _check_reopen(deps: PgrDeps, row: ServiceRow, actor: Actor, now_ms: int) -> None:
    if actor.is_citizen:
        if row.account_id != actor.uuid:
            raise Forbidden("INVALID_ACTION", "only the citizen who filed the complaint may reopen it")
    elif not actor.has_any_role(REOPEN_EMPLOYEE_ROLES, row.tenant_id):
        raise Forbidden("INVALID_ROLE", "only the citizen or counter staff may reopen a complaint")
    window_ms = await _reopen_window_ms(deps, row.tenant_id)
    if now_ms - row.last_modified_time > window_ms:
        raise Invalid("REOPEN_WINDOW_EXPIRED", f"a complaint can be reopened within {window_ms // 3_600_000} hours")


def _status_of(instance: ProcessInstance) -> str:
    return instance.application_status or instance.state or ""


def _stamp(row: ServiceRow | AddressRow | DocumentRow, actor: Actor, now_ms: int) -> None:
    stamp(row, actor_uuid=actor.uuid, now_ms=now_ms)


async def _address_row(deps: PgrDeps, row: ServiceRow, service: Service, actor: Actor, now_ms: int) -> AddressRow:
    address = service.address
    private = {name: getattr(address, name) for name in PRIVATE_ADDRESS_FIELDS if getattr(address, name)}
    sealed = await deps.encryption.encrypt(tenant_id=row.tenant_id, plaintext=json.dumps(private)) if private else None
    geo = address.geo_location
    result = built(
        AddressRow,
        tenant_id=row.tenant_id,
        service_id=row.id,
        private_parts=sealed,
        city=address.city,
        district=address.district,
        region=address.region,
        state=address.state,
        country=address.country,
        pincode=address.pincode,
        locality_code=address.locality.code,
        latitude=geo.latitude if geo else None,
        longitude=geo.longitude if geo else None,
        addition_details=address.addition_details,
    )
    _stamp(result, actor, now_ms)
    return result


def _document_row(row: ServiceRow, document: Document, actor: Actor, now_ms: int) -> DocumentRow:
    result = DocumentRow(
        tenant_id=row.tenant_id,
        service_id=row.id,
        document_type=document.document_type,
        file_store_id=document.file_store_id,
        document_uid=document.document_uid,
    )
    _stamp(result, actor, now_ms)
    return result


_Query = TypeVar("_Query", bound=Select[*tuple[Any, ...]])


def _filtered(query: _Query, criteria: SearchCriteria, *, account_id: str | None) -> _Query:
    query = query.where(ServiceRow.tenant_id == criteria.tenant_id)
    if account_id is not None:
        query = query.where(ServiceRow.account_id == account_id)
    if criteria.service_request_ids:
        query = query.where(ServiceRow.service_request_id.in_(criteria.service_request_ids))
    if criteria.ids:
        query = query.where(ServiceRow.id.in_(criteria.ids))
    if criteria.application_status:
        query = query.where(ServiceRow.application_status.in_(criteria.application_status))
    if criteria.service_code:
        query = query.where(ServiceRow.service_code.in_(criteria.service_code))
    if criteria.locality:
        query = query.where(ServiceRow.locality_code.in_(criteria.locality))
    if criteria.assignee:
        query = query.where(ServiceRow.assignee == criteria.assignee)
    if criteria.from_date is not None:
        query = query.where(ServiceRow.created_time >= criteria.from_date)
    if criteria.to_date is not None:
        query = query.where(ServiceRow.created_time <= criteria.to_date)
    return query


async def _account_filter(deps: PgrDeps, criteria: SearchCriteria, actor: Actor) -> tuple[str | None, bool]:
    """Whose complaints the caller may see: a citizen only their own; a mobile number narrows to one citizen.

    Returns (account id or None for all, whether the search can match anything at all).
    """
    account_id = actor.uuid if actor.is_citizen else None
    if criteria.mobile_number:
        citizen = await deps.users.find_by_mobile(
            tenant_id=state_of(criteria.tenant_id), mobile_number=criteria.mobile_number
        )
        if citizen is None or (account_id is not None and citizen.uuid != account_id):
            return account_id, False
        account_id = citizen.uuid
    return account_id, True


async def search_requests(
    session: AsyncSession, deps: PgrDeps, *, criteria: SearchCriteria, actor: Actor
) -> tuple[list[dict[str, Any]], int]:
    account_id, can_match = await _account_filter(deps, criteria, actor)
    if not can_match:
        return [], 0
    if _one_by_number(criteria):  # tracking one complaint: the most common search, as a prepared statement
        found = await _ROW_BY_NUMBER.rows(
            session, tenant_id=criteria.tenant_id, service_request_id=criteria.service_request_ids[0]
        )
        row, known = _loaded_with_children(found) if found else (None, None)
        if row is None or (account_id is not None and row.account_id != account_id):
            return [], 0
        return await wrap(session, deps, [row], actor=actor, known=known), 1
    column = {"createdTime": ServiceRow.created_time, "lastModifiedTime": ServiceRow.last_modified_time}.get(
        criteria.sort_by, ServiceRow.created_time
    )
    order = column.asc() if criteria.sort_order.upper() == "ASC" else column.desc()
    limit, offset = min(max(criteria.limit, 1), MAX_LIMIT), max(criteria.offset, 0)
    page = (
        _filtered(select(ServiceRow.id), criteria, account_id=account_id)
        .order_by(order, ServiceRow.id)
        .limit(limit)
        .offset(offset)
        .subquery()
    )
    query = _with_children(select(ServiceRow, AddressRow, DocumentRow).join(page, page.c.id == ServiceRow.id))
    rows, known = _rows_and_children((await session.execute(query.order_by(order, ServiceRow.id))).all())
    if offset == 0 and len(rows) < limit:
        total = len(rows)  # the whole answer is on this page: no count needed
    else:
        counted = _filtered(select(func.count(ServiceRow.id)), criteria, account_id=account_id)
        total = int(await session.scalar(counted) or 0)
    return await wrap(session, deps, rows, actor=actor, known=known), total


def _one_by_number(criteria: SearchCriteria) -> bool:
    """A search for one complaint by its number and nothing else (sorting and paging cannot change it)."""
    return (
        len(criteria.service_request_ids) == 1
        and criteria.offset == 0
        and not (criteria.ids or criteria.application_status or criteria.service_code or criteria.locality)
        and not (criteria.assignee or criteria.from_date is not None or criteria.to_date is not None)
    )


async def plain_search_requests(
    session: AsyncSession, deps: PgrDeps, *, criteria: SearchCriteria, actor: Actor
) -> tuple[list[dict[str, Any]], int]:
    """DIGIT's _plainsearch, for system users paging through every complaint of a tenant (re-indexing,
    migration): the same criteria as _search, oldest first so that pages stay stable while complaints arrive."""
    ordered = replace(criteria, sort_by="createdTime", sort_order="ASC")
    return await search_requests(session, deps, criteria=ordered, actor=actor)


async def count_requests(session: AsyncSession, deps: PgrDeps, *, criteria: SearchCriteria, actor: Actor) -> int:
    account_id, can_match = await _account_filter(deps, criteria, actor)
    if not can_match:
        return 0
    return int(await session.scalar(_filtered(select(func.count(ServiceRow.id)), criteria, account_id=account_id)) or 0)


@dataclass(frozen=True)
class _Children:
    """Addresses and documents the caller already holds (just written or read with the rows); None: read them."""

    addresses: dict[str, AddressRow] | None
    documents: dict[str, list[DocumentRow]] | None


async def wrap(
    session: AsyncSession,
    deps: PgrDeps,
    rows: Sequence[ServiceRow],
    *,
    actor: Actor,
    instances: dict[str, ProcessInstance] | None = None,
    known: _Children | None = None,
) -> list[dict[str, Any]]:
    """Service + workflow wrappers for rows, in a fixed number of queries whatever the page size
    (none for what the caller passes in `instances` and `known`)."""
    if not rows:
        return []
    addresses, documents = await _children_of(session, [r.id for r in rows], known or _Children(None, None))
    tenant_id = rows[0].tenant_id
    latest = dict(instances or {})
    missing = [r.service_request_id for r in rows if r.service_request_id not in latest]
    if missing:
        latest.update(
            await deps.workflow.latest(tenant_id=tenant_id, business_ids=missing, actor=actor, session=session)
        )
    citizens = await deps.users.get_users(sorted({r.account_id for r in rows}))
    wrappers = []
    for row in rows:
        address = addresses.get(row.id)
        service: dict[str, Any] = {
            "id": row.id,
            "tenantId": row.tenant_id,
            "serviceCode": row.service_code,
            "serviceRequestId": row.service_request_id,
            "description": row.description,
            "accountId": row.account_id,
            "rating": row.rating,
            "additionalDetail": row.additional_detail,
            "applicationStatus": row.application_status,
            "source": row.source,
            "active": row.active,
            "rowVersion": row.row_version,
            "address": await _address_wire(deps, address) if address else None,
            "citizen": _citizen_wire(row, citizens.get(row.account_id), actor=actor),
            "documents": [_document_wire(d) for d in documents.get(row.id, [])],
            "auditDetails": row.audit_details(),
        }
        instance = latest.get(row.service_request_id)
        wrappers.append({"service": service, "workflow": _workflow_wire(instance)})
    return wrappers


async def _children_of(
    session: AsyncSession, ids: Sequence[str], known: _Children
) -> tuple[dict[str, AddressRow], dict[str, list[DocumentRow]]]:
    """The address and the documents of many complaints, one query each for what the caller does not hold."""
    addresses = known.addresses
    if addresses is None:
        query = select(AddressRow).where(AddressRow.service_id.in_(ids))
        addresses = {a.service_id: a for a in await session.scalars(query)}
    documents = known.documents
    if documents is None:
        documents = {}
        for document in await session.scalars(select(DocumentRow).where(DocumentRow.service_id.in_(ids))):
            documents.setdefault(document.service_id, []).append(document)
    return addresses, documents


def _citizen_wire(row: ServiceRow, citizen: UserInfo | None, *, actor: Actor) -> dict[str, Any]:
    """The complaint's citizen; name and mobile number are masked for anyone but the citizen themselves.

    Nobody else sees them in clear here, so nothing is audited (and no statement runs) on this hot path."""
    view = shown(citizen, viewer=actor, fields=CONTACT_FIELDS) if citizen else None
    return {
        "uuid": row.account_id,
        "name": view.name if view else None,
        "mobileNumber": view.mobile_number if view else None,
        "tenantId": citizen.tenant_id if citizen else state_of(row.tenant_id),
        "type": UserType.CITIZEN.value,
    }


def _document_wire(document: DocumentRow) -> dict[str, Any]:
    return {
        "id": document.id,
        "documentType": document.document_type,
        "fileStoreId": document.file_store_id,
        "documentUid": document.document_uid,
    }


async def _address_wire(deps: PgrDeps, address: AddressRow) -> dict[str, Any]:
    private: dict[str, Any] = {}
    if address.private_parts:
        private = json.loads(await deps.encryption.decrypt(address.private_parts))
    return {
        "id": address.id,
        "tenantId": address.tenant_id,
        "doorNo": private.get("door_no"),
        "plotNo": private.get("plot_no"),
        "buildingName": private.get("building_name"),
        "street": private.get("street"),
        "landmark": private.get("landmark"),
        "city": address.city,
        "district": address.district,
        "region": address.region,
        "state": address.state,
        "country": address.country,
        "pincode": address.pincode,
        "locality": {"code": address.locality_code},
        "geoLocation": {"latitude": address.latitude, "longitude": address.longitude},
        "additionDetails": address.addition_details,
    }


def _workflow_wire(instance: ProcessInstance | None) -> dict[str, Any] | None:
    if instance is None:
        return None
    return {
        "action": instance.action,
        "assignes": list(instance.assignees),
        "comments": instance.comment,
        "verificationDocuments": list(instance.documents),
        "state": instance.state,
        "nextActions": [action.wire() for action in instance.next_actions],
    }


async def apply_workflow_event(
    session: AsyncSession, deps: PgrDeps, *, data: dict[str, Any], actor_uuid: str, now_ms: int
) -> bool:
    """Follow a transition PGR did not make itself (auto-escalation by the workflow scheduler).

    Applied only when the complaint is still in the state the transition started from, so a late
    delivery of PGR's own earlier transitions never moves a complaint backwards. Returns whether it changed.
    """
    if data.get("businessService") != BUSINESS_SERVICE:
        return False
    row = await session.scalar(
        select(ServiceRow).where(
            ServiceRow.tenant_id == data.get("tenantId"), ServiceRow.service_request_id == data.get("businessId")
        )
    )
    new_status = data.get("applicationStatus") or data.get("toState")
    if row is None or not new_status or row.application_status == new_status:
        return False
    if data.get("fromState") != row.application_status:
        return False
    from_status, previous_assignee = row.application_status, row.assignee
    row.application_status = str(new_status)
    assignees = [
        str(a.get("uuid")) if isinstance(a, dict) else str(a)
        for a in data.get("assignees") or data.get("assignes") or []
    ]
    row.assignee = assignees[0] if assignees else None
    actor = Actor(uuid=actor_uuid, type=UserType.SYSTEM, tenant_id=row.tenant_id)
    _stamp(row, actor, now_ms)
    await session.flush()
    await _emit(
        session,
        deps,
        "update-pgr-request",
        row,
        action="AUTO_ESCALATE",
        actor=actor,
        now_ms=now_ms,
        from_status=from_status,
        assignees=assignees,
        last_assignee=previous_assignee,
    )
    log.info(
        "pgr_request_followed_workflow", extra={"service_request_id": row.service_request_id, "status": new_status}
    )
    return True


async def acknowledgement_pdf(
    session: AsyncSession,
    deps: PgrDeps,
    pdf: PdfClient,
    *,
    tenant_id: str,
    service_request_id: str,
    actor: Actor,
    locale: str,
) -> bytes:
    """The acknowledgement of a complaint the caller may see (a citizen only their own)."""
    criteria = SearchCriteria(tenant_id=tenant_id, service_request_ids=(service_request_id,), limit=1)
    wrappers, _ = await search_requests(session, deps, criteria=criteria, actor=actor)
    if not wrappers:
        raise NotFound("INVALID_SERVICE_REQUEST_ID", f"no complaint {service_request_id} you may see in {tenant_id}")
    await _name_localities(deps, tenant_id, wrappers)
    return await pdf.render(
        key="pgr-acknowledgement", tenant_id=tenant_id, locale=locale, data={"ServiceWrappers": wrappers}
    )


async def _name_localities(deps: PgrDeps, tenant_id: str, wrappers: list[dict[str, Any]]) -> None:
    """Give each address's locality its boundary name (the code stays), for documents people read."""
    localities = [(w["service"].get("address") or {}).get("locality") or {} for w in wrappers]
    codes = sorted({str(loc["code"]) for loc in localities if loc.get("code")})
    boundaries = await deps.boundaries.get_boundaries(tenant_id, codes) if codes else {}
    for locality in localities:
        boundary = boundaries.get(str(locality.get("code")))
        if boundary and not locality.get("name"):
            locality["name"] = boundary.name or locality.get("code")


async def business_objects(
    session: AsyncSession, deps: PgrDeps, *, tenant_id: str, service_request_ids: Sequence[str]
) -> dict[str, dict[str, Any]]:
    """Complaints by id for the employee inbox (citizen contact details masked, as for any employee)."""
    rows = list(
        await session.scalars(
            select(ServiceRow).where(
                ServiceRow.tenant_id == tenant_id, ServiceRow.service_request_id.in_(list(service_request_ids))
            )
        )
    )
    wrappers = await wrap(session, deps, rows, actor=Actor.system(tenant_id))
    return {w["service"]["serviceRequestId"]: w["service"] for w in wrappers}
