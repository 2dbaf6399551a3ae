"""Applications of configured services: apply, search, act, pay, print and verify, for any definition.

Nothing here knows a service: what a form holds, who may act, what it costs and what it prints all come
from the registered definition (`registry.py`). A create (number, rows, first transition, demand, event,
notifications) is one transaction, and so is an update; the workflow block decides which action is
allowed from which state for which role, this module adds the service's own rules (form, documents,
applicants, fees, certificate).
"""

from __future__ import annotations

import base64
import json
import logging
import re
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from digit.blocks.billing.client import Demand, DemandDetail, Payer
from digit.blocks.filestore.client import StoredFile
from digit.blocks.notification.client import Actions, ActionUrl, EventType, Recepient, UserEvent
from digit.blocks.user.client import CONTACT_FIELDS, NewUser, PiiView, RoleIn, shown, unmasked
from digit.blocks.workflow.client import Document as WorkflowDocument
from digit.blocks.workflow.client import ProcessInstance, ProcessInstanceIn, UserRef
from digit.kernel.db import stamp
from digit.kernel.envelope import UserInfo, UserType
from digit.kernel.errors import Forbidden, Invalid, NotFound
from digit.kernel.events import emit
from digit.kernel.security import Actor
from digit.kernel.tenancy import is_state, state_of
from digit.services.studio import definition as defs
from digit.services.studio import fees
from digit.services.studio.definition import PAY_ACTION, Definition
from digit.services.studio.deps import StudioDeps
from digit.services.studio.models import ApplicantRow, ApplicationRow, DocumentRow, ServiceRow
from digit.services.studio.registry import codes_of, configuration_at, get_service, reference_data
from digit.services.studio.schemas import Address, Applicant, Application, ApplicationSearch, Document, Workflow

log = logging.getLogger(__name__)

PRIVATE_ADDRESS_FIELDS = ("address_number", "address_line1", "address_line2", "landmark", "detail")
PUBLIC_ADDRESS_FIELDS = ("city", "pincode", "hierarchy_type", "boundarylevel", "boundarycode", "latitude", "longitude")
MOBILE = re.compile(r"^[0-9]{10}$")
TOKEN_SEPARATOR = "."  # noqa: S105  (not a secret: it joins the number and the signature)
NEW_USERS = "studio.new_users"  # session.info key: citizens created for applicants in this transaction


@dataclass(frozen=True)
class Loaded:
    """A registered service with its definition parsed."""

    row: ServiceRow
    definition: Definition

    @property
    def code(self) -> str:
        return self.row.service_code


async def load_service(session: AsyncSession, *, service_code: str, tenant_id: str) -> Loaded:
    """The service with its current definition (what new applications follow)."""
    row = await get_service(session, service_code=service_code, tenant_ids={tenant_id})
    return Loaded(row, defs.parse(row.config))


async def pinned(session: AsyncSession, loaded: Loaded, version: int) -> Loaded:
    """The service as it was at the version an application was made under: a later registration of a
    changed definition (a new workflow version) never changes the rules of applications in flight."""
    if version == loaded.row.version:
        return loaded
    return Loaded(loaded.row, defs.parse(await configuration_at(session, loaded.row, version)))


def _roles(actor: Actor, tenant_id: str) -> set[str]:
    return actor.role_codes_in(tenant_id)


def _may(actor: Actor, definition: Definition, tenant_id: str, kinds: Sequence[str]) -> bool:
    wanted = {r for kind in kinds for r in definition.roles_of(kind)}
    return actor.is_system or bool(_roles(actor, tenant_id) & wanted)


def _check_city(tenant_id: str) -> None:
    if is_state(tenant_id):
        raise Invalid("INVALID_TENANT_ID", f"applications belong to a city, not the state {tenant_id}")


def _check_channel(actor: Actor, definition: Definition) -> None:
    channel = "citizen" if actor.is_citizen else "employee"
    if not actor.is_system and channel not in definition.enabled:
        raise Forbidden("CHANNEL_NOT_ENABLED", f"{definition.module}.{definition.service} is not open to {channel}s")


# ----------------------------------------------------------------------------------------------- form


async def validate_details(deps: StudioDeps, loaded: Loaded, *, tenant_id: str, details: Any) -> dict[str, Any]:
    definition = loaded.definition
    masters = await reference_data(deps, tenant_id=tenant_id, definition=definition)
    schema = defs.form_schema(definition, codes_of(masters))
    values = defs.validate_form(definition, schema, details)
    return values if isinstance(values, dict) else {}


async def form_schema(deps: StudioDeps, loaded: Loaded, *, tenant_id: str) -> dict[str, Any]:
    masters = await reference_data(deps, tenant_id=tenant_id, definition=loaded.definition)
    return defs.form_schema(loaded.definition, codes_of(masters))


# ----------------------------------------------------------------------------------------------- applicants


def _mobile(applicant: Applicant) -> str | None:
    value = applicant.mobile_number
    return str(value) if value is not None and str(value) else None


async def _resolve_applicants(
    session: AsyncSession,
    deps: StudioDeps,
    definition: Definition,
    *,
    tenant_id: str,
    applicants: Sequence[Applicant],
    actor: Actor,
) -> list[tuple[Applicant, str]]:
    """Each applicant's citizen user (found by mobile number in the state, created when new)."""
    given = list(applicants)
    if not given and actor.is_citizen and actor.user is not None:
        given = [Applicant(type=UserType.CITIZEN.value, name=actor.user.name, mobile_number=actor.user.mobile_number)]
    low, high = definition.applicant.minimum, definition.applicant.maximum
    if not low <= len(given) <= high:
        raise Invalid("INVALID_APPLICANTS", f"an application names {low} to {high} applicants", params=["applicants"])
    state = state_of(tenant_id)
    resolved: list[tuple[Applicant, str]] = []
    faults: list[tuple[str, str]] = []
    for index, applicant in enumerate(given):
        mobile = _mobile(applicant)
        if mobile is None or not MOBILE.match(mobile):
            faults.append(("INVALID_APPLICANT", f"applicants[{index}].mobileNumber: 10 digits are required"))
            continue
        user = await deps.users.find_by_mobile(tenant_id=state, mobile_number=mobile)
        if user is None:
            if not applicant.name:
                faults.append(("INVALID_APPLICANT", f"applicants[{index}].name: a new applicant needs a name"))
                continue
            user = await deps.users.create_user(
                session,
                user=NewUser(
                    name=applicant.name,
                    user_name=mobile,
                    mobile_number=mobile,
                    email_id=applicant.email_id,
                    type=UserType.CITIZEN,
                    tenant_id=state,
                    roles=[RoleIn(code="CITIZEN", name="Citizen", tenant_id=state)],
                ),
                actor=actor,
            )
            session.info.setdefault(NEW_USERS, {})[user.uuid] = user
        resolved.append((applicant, user.uuid))
    if faults:
        raise Invalid.many(faults)
    return resolved


async def _users(session: AsyncSession, deps: StudioDeps, uuids: Sequence[str]) -> dict[str, UserInfo]:
    """The users, those this transaction created among them: the user block reads committed users only, and an
    applicant new to the platform is still owed their messages and their name on the answer."""
    made: dict[str, UserInfo] = session.info.get(NEW_USERS, {})
    found = await deps.users.get_users([u for u in uuids if u not in made])
    return {u: made[u] if u in made else found[u] for u in uuids if u in made or u in found}


# ----------------------------------------------------------------------------------------------- documents


def _category_of(definition: Definition, document_type: str) -> defs.DocumentDef | None:
    category, _, kind = document_type.partition(".")
    for document in definition.documents:
        if (
            document.active
            and document.category == category
            and (not kind or not document.document_types or kind in document.document_types)
        ):
            return document
    return None


CONTENT_TYPES: dict[str, frozenset[str]] = {
    "application/pdf": frozenset({"pdf"}),
    "image/jpeg": frozenset({"jpg", "jpeg"}),
    "image/png": frozenset({"png"}),
    "image/gif": frozenset({"gif"}),
    "image/bmp": frozenset({"bmp"}),
    "image/tiff": frozenset({"tif", "tiff"}),
    "application/msword": frozenset({"doc"}),
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": frozenset({"docx"}),
    "application/vnd.oasis.opendocument.text": frozenset({"odt"}),
    "text/plain": frozenset({"txt"}),
    "text/csv": frozenset({"csv"}),
}


def file_kinds(meta: StoredFile) -> frozenset[str]:
    """The file types a stored file is, from the type the filestore read from its bytes (never from the name
    the uploader gave it: text named `id.png` is text)."""
    content_type = meta.content_type.split(";", 1)[0].strip().lower()
    return CONTENT_TYPES.get(content_type, frozenset())


async def _check_documents(
    deps: StudioDeps, definition: Definition, *, tenant_id: str, documents: Sequence[Document], state: str | None
) -> None:
    """Types the definition names, files in this city's filestore of allowed types and sizes, mandatory ones given."""
    faults: list[tuple[str, str]] = []
    found = await deps.files.get_metadata(tenant_id=tenant_id, file_store_ids=[d.file_store_id for d in documents])
    per_category: dict[str, int] = {}
    for index, document in enumerate(documents):
        config = _category_of(definition, document.document_type)
        where = f"documents[{index}]"
        if config is None:
            faults.append(("INVALID_DOCUMENT_TYPE", f"{where}.documentType: {document.document_type} is not asked for"))
            continue
        per_category[config.category] = per_category.get(config.category, 0) + 1
        meta = found.get(document.file_store_id)
        if meta is None:
            faults.append(("INVALID_FILESTORE_ID", f"{where}.fileStoreId: no such file in {tenant_id}'s filestore"))
            continue
        allowed = {t.lower() for t in config.allowed_file_types}
        if allowed and not file_kinds(meta) & allowed:
            faults.append(("INVALID_FILE_TYPE", f"{where}: {config.category} takes {', '.join(sorted(allowed))} files"))
        if config.max_size_in_mb is not None and meta.size > config.max_size_in_mb * 1024 * 1024:
            faults.append(
                ("FILE_TOO_LARGE", f"{where}: {config.category} files are at most {config.max_size_in_mb} MB")
            )
    for config in definition.documents:
        count = per_category.get(config.category, 0)
        due = config.states is None or not config.states or state in config.states
        if config.active and config.is_mandatory and due and count == 0:
            faults.append(("DOCUMENT_REQUIRED", f"documents: {config.category} is required"))
        if config.max_files_allowed is not None and count > config.max_files_allowed:
            faults.append(("TOO_MANY_DOCUMENTS", f"documents: at most {config.max_files_allowed} {config.category}"))
    if faults:
        raise Invalid.many(faults)


# ----------------------------------------------------------------------------------------------- create


async def _address(
    deps: StudioDeps, definition: Definition, session: AsyncSession, *, tenant_id: str, address: Address | None
) -> tuple[dict[str, Any] | None, str | None]:
    if address is None:
        if definition.boundary:
            raise Invalid("INVALID_ADDRESS", "address: this service asks for an address", params=["address"])
        return None, None
    code = address.boundarycode
    if definition.boundary and (not code or not await deps.boundaries.locality_exists(tenant_id, code)):
        raise Invalid("INVALID_BOUNDARY", f"address.boundarycode: {code!r} is no locality of {tenant_id}")
    public = {k: getattr(address, k) for k in PUBLIC_ADDRESS_FIELDS}
    public["tenantId"] = tenant_id
    private = {k: getattr(address, k) for k in PRIVATE_ADDRESS_FIELDS if getattr(address, k) is not None}
    sealed = (
        await deps.encryption.encrypt(tenant_id=tenant_id, plaintext=json.dumps(private), session=session)
        if private
        else None
    )
    return public, sealed


def _instance(loaded: Loaded, row: ApplicationRow, workflow: Workflow) -> ProcessInstanceIn:
    return ProcessInstanceIn(
        business_service=loaded.definition.workflow_code,
        business_id=row.application_number,
        module_name=loaded.definition.module,
        tenant_id=row.tenant_id,
        action=workflow.action,
        comment=workflow.comment or workflow.comments,
        assignes=[UserRef(uuid=u) for u in workflow.assignee_uuids()],
        documents=[WorkflowDocument.model_validate(d) for d in workflow.documents],
        additional_details={"accountId": row.account_id, "serviceCode": row.service_code},
    )


def _action_of(definition: Definition, state: str | None, action: str) -> dict[str, Any] | None:
    found = definition.state(state) if state is not None else definition.start_state()
    for candidate in (found or {}).get("actions") or []:
        if isinstance(candidate, dict) and candidate.get("action") == action:
            return candidate
    return None


def _check_action(actor: Actor, definition: Definition, row: ApplicationRow, state: str | None, action: str) -> None:
    """The action is one of the state's, the caller holds one of its roles, and a citizen acts on their own."""
    found = _action_of(definition, state, action)
    if found is None:
        raise Invalid(
            "INVALID_ACTION", f"{action} is no action of state {state or 'start'} of {definition.workflow_code}"
        )
    roles = set(found.get("roles") or [])
    if "*" not in roles and not (_roles(actor, row.tenant_id) & roles):
        raise Forbidden("INVALID_ROLE", f"your roles may not take {action} on {row.application_number}")
    if actor.is_citizen and row.account_id != actor.uuid:
        raise Forbidden("INVALID_USER", "a citizen acts only on their own applications")


async def create_application(
    session: AsyncSession,
    deps: StudioDeps,
    *,
    service_code: str,
    tenant_id: str,
    application: Application,
    actor: Actor,
    now_ms: int,
) -> dict[str, Any]:
    """Studio `POST /v1/application/{serviceCode}`: validate the form, number it, start its workflow."""
    _check_city(tenant_id)
    loaded = await load_service(session, service_code=service_code, tenant_id=tenant_id)
    definition = loaded.definition
    _check_may_apply(actor, loaded, service_code=service_code, tenant_id=tenant_id, application=application)
    details = await validate_details(deps, loaded, tenant_id=tenant_id, details=application.service_details)
    workflow = application.workflow or Workflow(action=_first_action(definition))
    applicants = await _resolve_applicants(
        session, deps, definition, tenant_id=tenant_id, applicants=application.applicants, actor=actor
    )
    start = definition.start_state()
    await _check_documents(
        deps,
        definition,
        tenant_id=tenant_id,
        documents=application.documents,
        state=start.get("state") if start else None,
    )
    public, sealed = await _address(deps, definition, session, tenant_id=tenant_id, address=application.address)
    row = _new_application_row(
        loaded,
        service_code=service_code,
        tenant_id=tenant_id,
        application=application,
        number=await _next_number(session, deps, definition, tenant_id=tenant_id),
        owner=actor.uuid if actor.is_citizen else applicants[0][1],
        details=details,
        address=(public, sealed),
        actor=actor,
    )
    stamp(row, actor_uuid=actor.uuid, now_ms=now_ms)
    session.add(row)
    await session.flush()
    _add_applicants(session, row, applicants, actor=actor, now_ms=now_ms)
    _add_documents(session, row, application.documents, actor=actor, now_ms=now_ms)
    _check_action(actor, definition, row, None, workflow.action)
    await _transition(session, deps, loaded, row, workflow, actor=actor, now_ms=now_ms)
    await emit(
        session,
        "save-public-service-application",
        tenant_id=tenant_id,
        aggregate_id=row.application_number,
        data=_event(row, workflow.action),
        actor_uuid=actor.uuid,
        now_ms=now_ms,
    )
    log.info("studio_application_created", extra={"tenant_id": tenant_id, "service_code": service_code})
    [wire] = await wrap(session, deps, loaded, [row], actor=actor)
    return wire


async def _next_number(session: AsyncSession, deps: StudioDeps, definition: Definition, *, tenant_id: str) -> str:
    """The next application number, in the definition's id format when it has one."""
    id_format = definition.id_format
    [number] = await deps.idgen.generate(
        session, tenant_id=tenant_id, id_name=definition.id_name, format=id_format.format if id_format else None
    )
    return number


def _check_may_apply(
    actor: Actor, loaded: Loaded, *, service_code: str, tenant_id: str, application: Application
) -> None:
    """The service is active, reachable on the caller's channel, open to their roles, and the form names it."""
    definition = loaded.definition
    if loaded.row.status != "ACTIVE":
        raise Invalid("SERVICE_INACTIVE", f"{service_code} takes no applications now")
    _check_channel(actor, definition)
    if not _may(actor, definition, tenant_id, ("creator",)):
        raise Forbidden("NOT_AUTHORIZED", f"your roles may not apply for {definition.module}.{definition.service}")
    for given, expected in (
        (application.module, definition.module),
        (application.business_service, definition.service),
    ):
        if given and given != expected:
            raise Invalid("INVALID_SERVICE", f"{given} does not match {service_code} ({expected})")


def _new_application_row(
    loaded: Loaded,
    *,
    service_code: str,
    tenant_id: str,
    application: Application,
    number: str,
    owner: str,
    details: dict[str, Any],
    address: tuple[dict[str, Any] | None, str | None],
    actor: Actor,
) -> ApplicationRow:
    """The unsaved application row; its workflow status is set by the first transition."""
    definition = loaded.definition
    public, sealed = address
    return ApplicationRow(
        tenant_id=tenant_id,
        service_code=service_code,
        service_version=loaded.row.version,
        module=definition.module,
        business_service=definition.service,
        application_number=number,
        status="INWORKFLOW",
        workflow_status=None,
        channel=application.channel or ("citizen" if actor.is_citizen else "employee"),
        account_id=owner,
        service_details=details,
        additional_details=application.additional_details,
        address=public,
        address_private=sealed,
        reference_links=application.reference,
    )


def _add_applicants(
    session: AsyncSession,
    row: ApplicationRow,
    applicants: list[tuple[Applicant, str]],
    *,
    actor: Actor,
    now_ms: int,
) -> None:
    """Save the applicants in the order given; position keeps that order on read."""
    for position, (applicant, user_uuid) in enumerate(applicants):
        applicant_row = ApplicantRow(
            tenant_id=row.tenant_id,
            application_id=row.id,
            type=applicant.type or UserType.CITIZEN,
            user_uuid=user_uuid,
            prefix=applicant.prefix,
            active=applicant.active,
            position=position,
        )
        stamp(applicant_row, actor_uuid=actor.uuid, now_ms=now_ms)
        session.add(applicant_row)


def _first_action(definition: Definition) -> str:
    start = definition.start_state() or {}
    actions = [a.get("action") for a in start.get("actions") or [] if isinstance(a, dict)]
    return str(actions[0]) if actions else "APPLY"


def _add_documents(
    session: AsyncSession, row: ApplicationRow, documents: Sequence[Document], *, actor: Actor, now_ms: int
) -> None:
    for document in documents:
        document_row = DocumentRow(
            tenant_id=row.tenant_id,
            application_id=row.id,
            document_type=document.document_type,
            file_store_id=document.file_store_id,
            document_uid=document.document_uid,
            additional_details=document.additional_details,
        )
        stamp(document_row, actor_uuid=actor.uuid, now_ms=now_ms)
        session.add(document_row)


def _event(row: ApplicationRow, action: str) -> dict[str, Any]:
    """Ids and codes only: never PII."""
    return {
        "applicationNumber": row.application_number,
        "serviceCode": row.service_code,
        "module": row.module,
        "businessService": row.business_service,
        "action": action,
        "status": row.status,
        "workflowStatus": row.workflow_status,
        "accountId": row.account_id,
        "locality": (row.address or {}).get("boundarycode"),  # a boundary code (dashboards: revenue by locality)
    }


async def _transition(
    session: AsyncSession,
    deps: StudioDeps,
    loaded: Loaded,
    row: ApplicationRow,
    workflow: Workflow,
    *,
    actor: Actor,
    now_ms: int,
) -> ProcessInstance:
    """One workflow action: then the demand (if this action raises it), the status, the certificate, messages."""
    definition = loaded.definition
    [instance] = await deps.workflow.transition(session, instances=[_instance(loaded, row, workflow)], actor=actor)
    state = instance.state
    if workflow.action in definition.workflow.generate_demand_at:
        await _raise_demand(session, deps, loaded, row, actor=actor, now_ms=now_ms)
    row.workflow_status = state
    row.status = definition.status_for(state)
    if row.status == "ACTIVE" and row.certificate_signature is None and definition.pdf_of("certificate"):
        row.certificate_time = now_ms
        row.certificate_signature = await deps.encryption.sign(
            tenant_id=row.tenant_id, value=_certificate_payload(row), session=session
        )
    stamp(row, actor_uuid=actor.uuid, now_ms=now_ms)
    await session.flush()
    await _notify(session, deps, loaded, row, state=state)
    return instance


# ----------------------------------------------------------------------------------------------- fees


async def compute_fees(
    deps: StudioDeps, loaded: Loaded, *, tenant_id: str, details: Any, now_ms: int
) -> list[fees.Fee]:
    masters = await reference_data(deps, tenant_id=tenant_id, definition=loaded.definition)
    return fees.compute(loaded.definition.calculator, details, now_ms=now_ms, masters=masters)


async def _raise_demand(
    session: AsyncSession, deps: StudioDeps, loaded: Loaded, row: ApplicationRow, *, actor: Actor, now_ms: int
) -> None:
    definition = loaded.definition
    bill = definition.bill
    if bill is None or row.demand_id is not None:
        return
    period = next(
        (
            p
            for p in bill.tax_period
            if isinstance(p.get("fromDate"), int) and p["fromDate"] <= now_ms <= p.get("toDate", -1)
        ),
        None,
    )
    if period is None:
        raise Invalid(
            "NO_TAX_PERIOD", f"no tax period of {definition.bill_code} covers today: the fee cannot be raised"
        )
    computed = await compute_fees(deps, loaded, tenant_id=row.tenant_id, details=row.service_details, now_ms=now_ms)
    if not computed:
        return
    payer = await _first_applicant(session, row)
    [demand] = await deps.billing.create_demands(
        session,
        demands=[
            Demand(
                tenant_id=row.tenant_id,
                consumer_code=row.application_number,
                consumer_type=definition.module,
                business_service=definition.bill_code,
                payer=Payer(uuid=payer) if payer else None,
                tax_period_from=period["fromDate"],
                tax_period_to=period["toDate"],
                demand_details=[DemandDetail(tax_head_master_code=f.tax_head, tax_amount=f.amount) for f in computed],
            )
        ],
        actor=Actor.system(row.tenant_id),
    )
    row.demand_id = demand.id
    row.reference_links = [
        *(row.reference_links or []),
        {
            "referenceType": "billing",
            "referenceNo": demand.id,
            "module": definition.bill_code,
            "tenantId": row.tenant_id,
            "active": True,
        },
    ]


async def _first_applicant(session: AsyncSession, row: ApplicationRow) -> str | None:
    return await session.scalar(
        select(ApplicantRow.user_uuid).where(ApplicantRow.application_id == row.id).order_by(ApplicantRow.position)
    )


# ----------------------------------------------------------------------------------------------- update


async def update_application(
    session: AsyncSession,
    deps: StudioDeps,
    *,
    service_code: str,
    application_id: str,
    tenant_id: str,
    application: Application,
    actor: Actor,
    now_ms: int,
) -> dict[str, Any]:
    """Studio `PUT /v1/application/{serviceCode}/{applicationId}`: a workflow action, and while the state allows
    it, changed form values and documents."""
    loaded = await load_service(session, service_code=service_code, tenant_id=tenant_id)
    definition = loaded.definition
    row = await session.scalar(
        select(ApplicationRow).where(
            ApplicationRow.id == application_id,
            ApplicationRow.tenant_id == tenant_id,
            ApplicationRow.service_code == service_code,
        )
    )
    if row is None or (actor.is_citizen and row.account_id != actor.uuid):
        raise NotFound("APPLICATION_NOT_FOUND", f"no application {application_id} of {service_code} here")
    loaded = await pinned(session, loaded, row.service_version)
    definition = loaded.definition
    workflow = application.workflow
    if workflow is None:
        raise Invalid("WORKFLOW_REQUIRED", "Application.workflow.action is required", params=["workflow.action"])
    _check_action(actor, definition, row, row.workflow_status, workflow.action)
    if workflow.action == PAY_ACTION and row.demand_id is not None and not actor.is_system:
        raise Invalid("PAY_BY_PAYMENT", "PAY follows the payment of the bill: pay it and the application moves on")
    state = definition.state(row.workflow_status) or {}
    changed = application.service_details is not None and application.service_details != row.service_details
    if changed:
        if not state.get("isStateUpdatable") or not _may(actor, definition, tenant_id, ("editor", "creator")):
            raise Invalid("NOT_UPDATABLE", f"the form cannot be changed in state {row.workflow_status}")
        row.service_details = await validate_details(
            deps, loaded, tenant_id=tenant_id, details=application.service_details
        )
    new_documents = [d for d in application.documents if d.id is None]
    if new_documents:
        await _check_documents(deps, definition, tenant_id=tenant_id, documents=new_documents, state=None)
        _add_documents(session, row, new_documents, actor=actor, now_ms=now_ms)
    await _transition(session, deps, loaded, row, workflow, actor=actor, now_ms=now_ms)
    await emit(
        session,
        "update-public-service-application",
        tenant_id=tenant_id,
        aggregate_id=row.application_number,
        data=_event(row, workflow.action),
        actor_uuid=actor.uuid,
        now_ms=now_ms,
    )
    [wire] = await wrap(session, deps, loaded, [row], actor=actor)
    return wire


async def follow_payment(session: AsyncSession, deps: StudioDeps, *, data: dict[str, Any], now_ms: int) -> int:
    """Studio's payment consumer: a paid bill of a configured service's application moves it on with PAY."""
    tenant_id = str(data.get("tenantId") or "")
    moved = 0
    for detail in data.get("paymentDetails") or []:
        if not isinstance(detail, dict) or detail.get("billStatus") != "PAID":
            continue
        row = await session.scalar(
            select(ApplicationRow).where(
                ApplicationRow.tenant_id == tenant_id, ApplicationRow.application_number == detail.get("consumerCode")
            )
        )
        if row is None:
            continue
        loaded = await load_service(session, service_code=row.service_code, tenant_id=tenant_id)
        loaded = await pinned(session, loaded, row.service_version)
        if loaded.definition.bill_code != detail.get("businessService"):
            continue
        if _action_of(loaded.definition, row.workflow_status, PAY_ACTION) is None:
            continue  # paid already moved it on (a redelivered event)
        system = Actor.system(tenant_id)
        await _transition(
            session, deps, loaded, row, Workflow(action=PAY_ACTION, comment="paid"), actor=system, now_ms=now_ms
        )
        await emit(
            session,
            "update-public-service-application",
            tenant_id=tenant_id,
            aggregate_id=row.application_number,
            data=_event(row, PAY_ACTION),
            actor_uuid=system.uuid,
            now_ms=now_ms,
        )
        moved += 1
    return moved


# ----------------------------------------------------------------------------------------------- search


async def search_applications(
    session: AsyncSession,
    deps: StudioDeps,
    *,
    tenant_id: str,
    service_code: str,
    criteria: ApplicationSearch,
    actor: Actor,
) -> tuple[list[dict[str, Any]], int]:
    """Applications of one service in one city; a citizen sees only their own."""
    loaded = await load_service(session, service_code=service_code, tenant_id=tenant_id)
    if not actor.is_citizen and not _may(actor, loaded.definition, tenant_id, ("viewer", "editor", "creator")):
        raise Forbidden("NOT_AUTHORIZED", f"your roles may not see applications of {service_code}")
    query = select(ApplicationRow).where(
        ApplicationRow.tenant_id == tenant_id, ApplicationRow.service_code == service_code
    )
    if actor.is_citizen:
        query = query.where(ApplicationRow.account_id == actor.uuid)
    if criteria.application_number:
        query = query.where(ApplicationRow.application_number.in_(criteria.application_number))
    if criteria.ids:
        query = query.where(ApplicationRow.id.in_(criteria.ids))
    if criteria.status:
        query = query.where(
            ApplicationRow.status.in_(criteria.status) | ApplicationRow.workflow_status.in_(criteria.status)
        )
    if criteria.workflow_status:
        query = query.where(ApplicationRow.workflow_status.in_(criteria.workflow_status))
    if criteria.module and criteria.module != loaded.row.module:
        return [], 0
    if criteria.business_service and criteria.business_service != loaded.row.business_service:
        return [], 0
    total = int(await session.scalar(select(func.count()).select_from(query.subquery())) or 0)
    rows = list(
        await session.scalars(criteria.page(query.order_by(ApplicationRow.created_time.desc(), ApplicationRow.id)))
    )
    return await wrap(session, deps, loaded, rows, actor=actor), total


async def wrap(
    session: AsyncSession, deps: StudioDeps, loaded: Loaded, rows: Sequence[ApplicationRow], *, actor: Actor
) -> list[dict[str, Any]]:
    """Studio's Application objects for rows, in a fixed number of queries whatever the page size."""
    if not rows:
        return []
    applicants, documents = await _children_of(session, [r.id for r in rows])
    users = await _users(session, deps, sorted({a.user_uuid for group in applicants.values() for a in group}))
    latest = await deps.workflow.latest(
        tenant_id=rows[0].tenant_id, business_ids=[r.application_number for r in rows], session=session
    )
    versions = {v: await pinned(session, loaded, v) for v in {r.service_version for r in rows}}
    views = await _applicant_views(session, deps, rows, applicants, users, actor=actor)
    out = []
    for row in rows:
        is_owner = actor.uuid == row.account_id
        people = [
            _wire_applicant(applicant, views.get((row.id, applicant.user_uuid)))
            for applicant in applicants.get(row.id, [])
        ]
        address = dict(row.address) if row.address else None
        if address is not None and row.address_private and is_owner:
            address.update(_camel(json.loads(await deps.encryption.decrypt(row.address_private))))
        instance = latest.get(row.application_number)
        out.append(
            {
                "id": row.id,
                "tenantId": row.tenant_id,
                "module": row.module,
                "businessService": row.business_service,
                "serviceCode": row.service_code,
                "applicationNumber": row.application_number,
                "status": row.status,
                "workflowStatus": row.workflow_status,
                "channel": row.channel,
                "serviceDetails": row.service_details,
                "applicants": people,
                "address": _camel(address) if address else None,
                "documents": [_wire_document(d) for d in documents.get(row.id, [])],
                "reference": row.reference_links or [],
                "additionalDetails": row.additional_details,
                "processInstance": [instance.wire()] if instance else [],
                "serviceVersion": row.service_version,
                "nextActions": _next_actions(versions[row.service_version].definition, row, actor),
                "certificate": {"issuedTime": row.certificate_time, "token": certificate_token(row)}
                if row.certificate_signature
                else None,
                "rowVersion": row.row_version,
                "auditDetails": row.audit_details(),
            }
        )
    return out


async def _children_of(
    session: AsyncSession, ids: Sequence[str]
) -> tuple[dict[str, list[ApplicantRow]], dict[str, list[DocumentRow]]]:
    """Applicants (in position order) and documents of many applications, one query each."""
    applicants: dict[str, list[ApplicantRow]] = {}
    for applicant in await session.scalars(
        select(ApplicantRow).where(ApplicantRow.application_id.in_(ids)).order_by(ApplicantRow.position)
    ):
        applicants.setdefault(applicant.application_id, []).append(applicant)
    documents: dict[str, list[DocumentRow]] = {}
    for document in await session.scalars(select(DocumentRow).where(DocumentRow.application_id.in_(ids))):
        documents.setdefault(document.application_id, []).append(document)
    return applicants, documents


async def _applicant_views(
    session: AsyncSession,
    deps: StudioDeps,
    rows: Sequence[ApplicationRow],
    applicants: dict[str, list[ApplicantRow]],
    users: dict[str, UserInfo],
    *,
    actor: Actor,
) -> dict[tuple[str, str], PiiView]:
    """Per (application id, applicant uuid), the applicant as the caller sees them: masked unless the caller is
    them or owns the application; an owner's clear view of a co-applicant is audited (once per person)."""
    rows_owned = {row.id: actor.uuid == row.account_id for row in rows}
    views: dict[tuple[str, str], PiiView] = {}
    owned: dict[str, PiiView] = {}  # co-applicants the caller sees in clear as the owner, once per person
    for row in rows:
        for applicant in applicants.get(row.id, []):
            user = users.get(applicant.user_uuid)
            if user is None:
                continue
            views[(row.id, user.uuid)] = view = shown(user, viewer=actor, fields=CONTACT_FIELDS)
            if rows_owned[row.id] and not view.clear:
                owned[user.uuid] = view
    if not owned:
        return views
    clear = await unmasked(deps.users, session, list(owned.values()), viewer=actor, purpose=APPLICANTS_PURPOSE)
    owned = {view.uuid: view for view in clear}
    for key in views:
        if key[1] in owned and rows_owned.get(key[0], False):
            views[key] = owned[key[1]]
    return views


def _wire_applicant(applicant: ApplicantRow, user: PiiView | None) -> dict[str, Any]:
    """One applicant on the wire, their contact details as `_applicant_views` lets the caller see them."""
    return {
        "id": applicant.id,
        "type": applicant.type,
        "userId": applicant.user_uuid,
        "userUuid": applicant.user_uuid,
        "name": user.name if user else None,
        "mobileNumber": user.mobile_number if user else None,
        "emailId": user.email_id if user else None,
        "prefix": applicant.prefix,
        "active": applicant.active,
    }


def _wire_document(document: DocumentRow) -> dict[str, Any]:
    return {
        "id": document.id,
        "documentType": document.document_type,
        "fileStoreId": document.file_store_id,
        "documentUid": document.document_uid,
        "additionalDetails": document.additional_details,
    }


def _camel(values: dict[str, Any]) -> dict[str, Any]:
    names = {
        "address_number": "addressNumber",
        "address_line1": "addressLine1",
        "address_line2": "addressLine2",
        "hierarchy_type": "hierarchyType",
    }
    return {names.get(k, k): v for k, v in values.items()}


def _next_actions(definition: Definition, row: ApplicationRow, actor: Actor) -> list[str]:
    """Actions of the current state the caller may take (PAY is taken by a payment)."""
    state = definition.state(row.workflow_status) or {}
    roles = _roles(actor, row.tenant_id)
    if actor.is_citizen and row.account_id != actor.uuid:
        return []
    return [
        str(a.get("action"))
        for a in state.get("actions") or []
        if isinstance(a, dict)
        and a.get("action") != PAY_ACTION
        and ("*" in (a.get("roles") or []) or roles & set(a.get("roles") or []))
    ]


# ----------------------------------------------------------------------------------------------- messages


def _fill(template: str, values: dict[str, str]) -> str:
    return re.sub(r"\{([A-Za-z0-9_.\[\]]+)\}", lambda m: values.get(m.group(1), m.group(0)), template)


async def _notify(
    session: AsyncSession, deps: StudioDeps, loaded: Loaded, row: ApplicationRow, *, state: str | None
) -> None:
    """SMS, e-mail and in-app messages to the applicants for the state reached, worded by the template or
    localization (in-app messages in each applicant's language)."""
    notification = loaded.definition.notification
    entries = [(c, m) for c in ("sms", "email") for m in getattr(notification, c) if state in m.states]
    in_app = [m for m in notification.event if state in m.states]
    if in_app:
        await _notify_in_app(session, deps, loaded, row, state=state, messages=in_app)
    if not entries:
        return
    codes = [m.code for _, m in entries if m.code]
    messages = await deps.localization.get_messages(
        tenant_id=row.tenant_id, locale="en_IN", modules=loaded.definition.localization.modules, codes=codes
    )
    applicants = list(
        await session.scalars(
            select(ApplicantRow).where(ApplicantRow.application_id == row.id).order_by(ApplicantRow.position)
        )
    )
    users = await _users(session, deps, [a.user_uuid for a in applicants])
    first = users.get(applicants[0].user_uuid) if applicants else None
    values = _message_values(row, state=state, applicant_name=(first.name or "") if first else "")
    for channel, message in entries:
        template = (messages.get(message.code) if message.code else None) or message.template
        if not template:
            continue
        text = _fill(template, values)
        for applicant in applicants:
            user = users.get(applicant.user_uuid)
            if user is None:
                continue
            if channel == "sms" and user.mobile_number:
                await deps.notification.send_sms(
                    session=session, tenant_id=row.tenant_id, mobile_number=user.mobile_number, message=text
                )
            elif channel == "email" and user.email_id:
                await deps.notification.send_email(
                    session=session,
                    tenant_id=row.tenant_id,
                    to=[user.email_id],
                    subject=row.application_number,
                    body=text,
                )


APPLICANTS_PURPOSE = "studio application applicants"  # why an owner's clear read of co-applicants is audited
CITIZEN_APPLICATION_URL = "/digit-ui/citizen/services/{serviceCode}/applications/{applicationNumber}"


async def _notify_in_app(
    session: AsyncSession,
    deps: StudioDeps,
    loaded: Loaded,
    row: ApplicationRow,
    *,
    state: str | None,
    messages: Sequence[defs.MessageDef],
) -> None:
    """In-app events (the notification block's user events, as PGR's messages are) for the state reached.

    Stored in plain text like DIGIT's user events, so they never carry a name: name placeholders stay empty.
    Each links to the citizen's page of the application."""
    uuids = await _in_app_recipients(session, row)
    users = await _users(session, deps, uuids)
    values = _message_values(row, state=state)
    events: list[UserEvent] = []
    for uuid_ in uuids:
        user = users.get(uuid_)
        if user is not None and user.type == UserType.CITIZEN:
            events += await _user_events(deps, loaded.definition, row, user=user, messages=messages, values=values)
    if events:
        await deps.notification.create_user_events(session, events=events, actor=Actor.system(row.tenant_id))


async def _in_app_recipients(session: AsyncSession, row: ApplicationRow) -> list[str]:
    """The account holder, then the applicants in their order, each once."""
    query = select(ApplicantRow.user_uuid).where(ApplicantRow.application_id == row.id).order_by(ApplicantRow.position)
    return list(dict.fromkeys([row.account_id, *await session.scalars(query)]))


def _message_values(row: ApplicationRow, *, state: str | None, applicant_name: str = "") -> dict[str, str]:
    """What a message template's placeholders are filled with."""
    return {
        "PublicService.applicationNo": row.application_number,
        "PublicService.applicationNumber": row.application_number,
        "PublicService.applicants[0].name": applicant_name,
        "PublicService.status": state or "",
        "PublicService.serviceCode": row.service_code,
    }


async def _user_events(
    deps: StudioDeps,
    definition: Definition,
    row: ApplicationRow,
    *,
    user: UserInfo,
    messages: Sequence[defs.MessageDef],
    values: dict[str, str],
) -> list[UserEvent]:
    """One citizen's events, worded in their language (localization first, the definition's template else)."""
    title_code = f"{definition.label_prefix}_SERVICE"
    words = await deps.localization.get_messages(
        tenant_id=row.tenant_id,
        locale=user.locale or "en_IN",
        modules=definition.localization.modules,
        codes=[title_code, *[m.code for m in messages if m.code]],
    )
    title = f"{words.get(title_code, definition.service)} {row.application_number}"
    link = CITIZEN_APPLICATION_URL.format(serviceCode=row.service_code, applicationNumber=row.application_number)
    events = []
    for message in messages:
        template = (words.get(message.code) if message.code else None) or message.template
        if template:
            events.append(
                UserEvent(
                    tenant_id=row.tenant_id,
                    reference_id=row.application_number,
                    event_type=EventType.SYSTEMGENERATED,
                    event_category=definition.module,
                    name=title,
                    description=_fill(template, values),
                    source="studio",
                    recepient=Recepient(to_users=[user.uuid]),
                    actions=Actions(action_urls=[ActionUrl(action_url=link, code="VIEW")]),
                )
            )
    return events


# ----------------------------------------------------------------------------------------------- certificate


def _certificate_payload(row: ApplicationRow) -> str:
    return "|".join([row.tenant_id, row.service_code, row.application_number, str(row.certificate_time)])


def certificate_token(row: ApplicationRow) -> str:
    """What the QR code carries: the application number and its signature (URL-safe)."""
    signature = base64.urlsafe_b64encode((row.certificate_signature or "").encode()).decode().rstrip("=")
    return f"{row.application_number}{TOKEN_SEPARATOR}{signature}"


def _from_token(token: str) -> tuple[str, str]:
    number, _, encoded = token.rpartition(TOKEN_SEPARATOR)
    try:
        signature = base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4)).decode()
    except (ValueError, UnicodeDecodeError):
        signature = ""
    return number, signature


def _date(ms: int | None) -> str:
    return datetime.fromtimestamp((ms or 0) / 1000, tz=UTC).strftime("%d-%m-%Y")


async def verify_certificate(session: AsyncSession, deps: StudioDeps, *, tenant_id: str, token: str) -> dict[str, Any]:
    """Anyone may ask: genuine (the signature holds) and current (the application is still ACTIVE).

    Shows only what the certificate prints; a forged or altered token is refused without saying why."""
    number, signature = _from_token(token)
    row = await session.scalar(
        select(ApplicationRow).where(ApplicationRow.tenant_id == tenant_id, ApplicationRow.application_number == number)
    )
    genuine = (
        row is not None
        and row.certificate_signature is not None
        and signature == row.certificate_signature
        and await deps.encryption.verify(tenant_id=tenant_id, value=_certificate_payload(row), signature=signature)
    )
    if row is None or not genuine:
        raise Invalid("CERTIFICATE_NOT_GENUINE", "this certificate was not issued by this platform")
    holder = await _holder(session, deps, row)
    return {
        "genuine": True,
        "current": row.status == "ACTIVE",
        "tenantId": row.tenant_id,
        "serviceCode": row.service_code,
        "module": row.module,
        "businessService": row.business_service,
        "applicationNumber": row.application_number,
        "holder": holder,
        "issuedOn": _date(row.certificate_time),
        "status": row.workflow_status,
    }


async def _holder(session: AsyncSession, deps: StudioDeps, row: ApplicationRow) -> str | None:
    first = await _first_applicant(session, row)
    if first is None:
        return None
    user = (await _users(session, deps, [first])).get(first)
    return user.name if user else None


async def render_pdf(
    session: AsyncSession,
    deps: StudioDeps,
    *,
    tenant_id: str,
    service_code: str,
    application_number: str,
    pdf_key: str | None,
    actor: Actor,
    locale: str,
) -> bytes:
    """studio-pdf: the application's PDF of the given key (or its certificate), when its state offers it."""
    loaded = await load_service(session, service_code=service_code, tenant_id=tenant_id)
    definition = loaded.definition
    query = select(ApplicationRow).where(
        ApplicationRow.tenant_id == tenant_id,
        ApplicationRow.service_code == service_code,
        ApplicationRow.application_number == application_number,
    )
    row = await session.scalar(query)
    if row is not None:
        loaded = await pinned(session, loaded, row.service_version)
        definition = loaded.definition
    visible = row is not None and (
        (actor.is_citizen and row.account_id == actor.uuid)
        or (not actor.is_citizen and _may(actor, definition, tenant_id, ("viewer", "editor", "creator")))
    )
    if row is None or not visible:
        raise NotFound("APPLICATION_NOT_FOUND", f"no application {application_number} of {service_code} here")
    pdf = next((p for p in definition.pdf if p.key == pdf_key), None) if pdf_key else definition.pdf_of("certificate")
    if pdf is None:
        raise Invalid("INVALID_PDF_KEY", f"{service_code} prints no {pdf_key or 'certificate'}", params=["pdfKey"])
    if pdf.states and row.workflow_status not in pdf.states:
        raise Invalid("PDF_NOT_AVAILABLE", f"{pdf.key} is printed in states {', '.join(pdf.states)} only")
    if pdf.type == "certificate" and (row.certificate_signature is None or row.status != "ACTIVE"):
        raise Invalid("PDF_NOT_AVAILABLE", "no current certificate for this application")
    data = await _pdf_data(session, deps, loaded, row, locale=locale, kind=pdf.type)
    return await deps.pdf.render(key=pdf.key, tenant_id=tenant_id, locale=locale, data=data)


async def _pdf_data(
    session: AsyncSession, deps: StudioDeps, loaded: Loaded, row: ApplicationRow, *, locale: str, kind: str
) -> dict[str, Any]:
    definition = loaded.definition
    leaves = definition.leaves()
    label_codes = [
        f.label or f"{definition.label_prefix}_{path.replace('.', '_').upper()}" for path, f in leaves.items()
    ]
    service_label = f"{definition.label_prefix}_SERVICE"
    words = await deps.localization.get_messages(
        tenant_id=row.tenant_id,
        locale=locale,
        modules=definition.localization.modules,
        codes=[*label_codes, service_label],
    )
    details = []
    for (path, field), code in zip(leaves.items(), label_codes, strict=True):
        value = fees.value_at(row.service_details, path)
        if value is None and "." in path:  # a repeating section: every row's value
            section, _, leaf = path.partition(".")
            items = row.service_details.get(section)
            if isinstance(items, list):
                value = ", ".join(str(i.get(leaf)) for i in items if isinstance(i, dict) and i.get(leaf) is not None)
        if value not in (None, ""):
            details.append({"label": words.get(code, field.name), "value": str(value)})
    record = {
        "applicationNumber": row.application_number,
        "service": words.get(service_label, f"{definition.module} {definition.service}"),
        "holder": await _holder(session, deps, row),
        "status": row.workflow_status,
        "appliedOn": _date(row.created_time),
        "issuedOn": _date(row.certificate_time) if row.certificate_time else None,
        "token": certificate_token(row) if kind == "certificate" else row.application_number,
        "details": details,
    }
    return {"Certificates": [record], "Applications": [record]}


def tenant_of(header: str | None, body_tenant: str | None, authorised: Collection[str]) -> str:
    """Studio's `X-Tenant-Id` (a body `tenantId` left empty defaults to it); the gate authorised it already."""
    tenant_id = header or body_tenant
    if not tenant_id:
        raise Invalid("TENANT_REQUIRED", "the X-Tenant-Id header is required", params=["X-Tenant-Id"])
    if tenant_id not in authorised:
        raise Forbidden("NOT_AUTHORIZED", f"not authorized for tenant {tenant_id}")
    return tenant_id
