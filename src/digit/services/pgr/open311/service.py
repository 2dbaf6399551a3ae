"""Open311 rules over PGR: which complaint types a city offers, which requests a query finds, who may post.

Reads show no personal data, so they touch neither the citizen nor the encrypted parts of an address: a
request's public face is its complaint row, the address's pincode and position, and the workflow's last comment.
"""

from __future__ import annotations

import hashlib
import math
import secrets
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncSession

from digit.blocks.boundary.client import Boundary
from digit.blocks.user.client import NewUser, RoleIn
from digit.blocks.workflow.client import ProcessInstance
from digit.kernel.db import stamp
from digit.kernel.envelope import Role, UserType
from digit.kernel.errors import Forbidden, Invalid, NotFound
from digit.kernel.security import Actor
from digit.kernel.tenancy import is_state, state_of
from digit.services.pgr import service
from digit.services.pgr.deps import PgrDeps
from digit.services.pgr.models import AddressRow, Open311ClientRow, ServiceRow
from digit.services.pgr.schemas import Address, Citizen, GeoLocation, Locality, Service, Workflow

CLOSED_STATES = frozenset({"CLOSEDAFTERRESOLUTION", "CLOSEDAFTERREJECTION", "RESOLVED", "REJECTED", "CANCELLED"})
DEFAULT_WINDOW_MS = 90 * 24 * 3_600_000  # requests of the last 90 days unless dates are given
MAX_REQUESTS = 1000


@dataclass(frozen=True)
class RequestCriteria:
    """GeoReport's request filters: ids win over everything else; dates in epoch ms."""

    service_request_ids: Sequence[str] = ()
    service_codes: Sequence[str] = ()
    start_ms: int | None = None
    end_ms: int | None = None
    statuses: frozenset[str] = frozenset()  # "open" and/or "closed"; none or both: any


@dataclass(frozen=True)
class PublicRequest:
    """What Open311 shows of a complaint: nothing that names or locates a person beyond a pincode and a point."""

    row: ServiceRow
    definition: dict[str, Any]  # the complaint type (empty if it was since removed)
    status_notes: str | None
    pincode: str | None
    latitude: float | None
    longitude: float | None

    @property
    def is_closed(self) -> bool:
        return self.row.application_status in CLOSED_STATES


@dataclass(frozen=True)
class NewRequest:
    """A GeoReport POST: where, what, and the citizen (by phone) it is filed for."""

    api_key: str
    jurisdiction_id: str
    service_code: str
    phone: str
    latitude: float | None = None
    longitude: float | None = None
    address_id: str | None = None
    address_string: str | None = None
    description: str | None = None
    name_parts: Sequence[str | None] = field(default=())
    email: str | None = None


async def _check_city(deps: PgrDeps, tenant_id: str) -> None:
    """Open311's jurisdiction is a city of this platform, never a state."""
    if is_state(tenant_id) or await deps.mdms.get_tenant(tenant_id) is None:
        raise Invalid("INVALID_TENANT_ID", f"{tenant_id!r} is not a city of this platform")


async def search_services(deps: PgrDeps, *, tenant_id: str) -> list[dict[str, Any]]:
    """The city's active complaint types (PGR ServiceDefs)."""
    await _check_city(deps, tenant_id)
    defs = await deps.mdms.get_master(tenant_id=tenant_id, module="RAINMAKER-PGR", master="ServiceDefs")
    return [d for d in defs if isinstance(d, dict) and d.get("active", True)]


async def get_service(deps: PgrDeps, *, tenant_id: str, service_code: str) -> dict[str, Any]:
    """One active complaint type of the city."""
    found = next(
        (d for d in await search_services(deps, tenant_id=tenant_id) if d["serviceCode"] == service_code), None
    )
    if found is None:
        raise NotFound("INVALID_SERVICECODE", f"no service {service_code!r} in {tenant_id}")
    return found


def _filtered(query: Select[ServiceRow], criteria: RequestCriteria, now_ms: int) -> Select[ServiceRow]:
    if criteria.service_request_ids:
        return query.where(ServiceRow.service_request_id.in_(criteria.service_request_ids))
    if criteria.service_codes:
        query = query.where(ServiceRow.service_code.in_(criteria.service_codes))
    end_ms = criteria.end_ms or now_ms
    start_ms = criteria.start_ms or end_ms - DEFAULT_WINDOW_MS
    query = query.where(ServiceRow.created_time >= start_ms, ServiceRow.created_time <= end_ms)
    if criteria.statuses == {"open"}:
        query = query.where(ServiceRow.application_status.not_in(CLOSED_STATES))
    elif criteria.statuses == {"closed"}:
        query = query.where(ServiceRow.application_status.in_(CLOSED_STATES))
    return query


async def search_requests(
    session: AsyncSession, deps: PgrDeps, *, tenant_id: str, criteria: RequestCriteria, now_ms: int
) -> list[PublicRequest]:
    """Requests of a city, newest first (at most `MAX_REQUESTS`)."""
    await _check_city(deps, tenant_id)
    query = _filtered(select(ServiceRow).where(ServiceRow.tenant_id == tenant_id), criteria, now_ms)
    rows = list(await session.scalars(query.order_by(ServiceRow.created_time.desc()).limit(MAX_REQUESTS)))
    return await _public(session, deps, tenant_id, rows)


async def _row(session: AsyncSession, tenant_id: str, service_request_id: str) -> ServiceRow | None:
    query = select(ServiceRow).where(
        ServiceRow.tenant_id == tenant_id, ServiceRow.service_request_id == service_request_id
    )
    row: ServiceRow | None = await session.scalar(query)
    return row


async def get_request(
    session: AsyncSession, deps: PgrDeps, *, tenant_id: str, service_request_id: str
) -> PublicRequest:
    """One request of the city."""
    row = await _row(session, tenant_id, service_request_id)
    if row is None:
        raise NotFound("INVALID_SERVICE_REQUEST_ID", f"no request {service_request_id} in {tenant_id}")
    [found] = await _public(session, deps, tenant_id, [row])
    return found


async def get_token(session: AsyncSession, *, tenant_id: str, token: str) -> str:
    """The request a token stands for: requests are created synchronously, so it is the service_request_id."""
    if await _row(session, tenant_id, token) is None:
        raise NotFound("INVALID_TOKEN", "no request for this token")
    return token


async def _public(
    session: AsyncSession, deps: PgrDeps, tenant_id: str, rows: Sequence[ServiceRow]
) -> list[PublicRequest]:
    """Rows with their type, last comment and public address parts: one query per kind, whatever the count."""
    definitions = {d["serviceCode"]: d for d in await search_services(deps, tenant_id=tenant_id)}
    if not rows:
        return []
    addresses = {
        a.service_id: a
        for a in await session.scalars(select(AddressRow).where(AddressRow.service_id.in_([r.id for r in rows])))
    }
    latest = await deps.workflow.latest(tenant_id=tenant_id, business_ids=[r.service_request_id for r in rows])
    found = []
    for row in rows:
        address = addresses.get(row.id)
        found.append(
            PublicRequest(
                row=row,
                definition=definitions.get(row.service_code, {}),
                status_notes=_comment(latest.get(row.service_request_id)),
                pincode=address.pincode if address else None,
                latitude=address.latitude if address else None,
                longitude=address.longitude if address else None,
            )
        )
    return found


def _comment(instance: ProcessInstance | None) -> str | None:
    return instance.comment if instance is not None else None


def _hash_key(api_key: str) -> str:
    return hashlib.sha256(api_key.encode()).hexdigest()


async def create_client(
    session: AsyncSession, *, tenant_id: str, name: str, actor: Actor, now_ms: int
) -> tuple[Open311ClientRow, str]:
    """Issue an api_key to an Open311 client: returned once with the row, only its hash is kept."""
    api_key = secrets.token_urlsafe(24)
    row = Open311ClientRow(tenant_id=tenant_id, name=name, api_key_hash=_hash_key(api_key), active=True)
    stamp(row, actor_uuid=actor.uuid, now_ms=now_ms)
    session.add(row)
    await session.flush()
    return row, api_key


async def create_request(session: AsyncSession, deps: PgrDeps, *, new: NewRequest, now_ms: int) -> str:
    """File a PGR complaint for the citizen with this phone number (created if new); its service_request_id."""
    client = await _client_for(session, api_key=new.api_key, jurisdiction_id=new.jurisdiction_id)
    locality = await _locality_of(deps, new)
    filer = await _filer(session, deps, new)
    complaint = Service(
        tenant_id=new.jurisdiction_id,
        service_code=new.service_code,
        description=new.description,
        source="web",
        address=Address(
            locality=Locality(code=locality),
            landmark=new.address_string,
            geo_location=GeoLocation(latitude=new.latitude, longitude=new.longitude),
        ),
        citizen=Citizen(mobile_number=new.phone),
        additional_detail={"channel": "open311", "open311Client": client.id},
    )
    wrapper = await service.create_request(
        session, deps, service=complaint, workflow=Workflow(action="APPLY"), actor=filer, now_ms=now_ms
    )
    request_id: str = wrapper["service"]["serviceRequestId"]
    return request_id


async def _client_for(session: AsyncSession, *, api_key: str, jurisdiction_id: str) -> Open311ClientRow:
    """The active client whose key this is, registered for the city or its state."""
    client = await session.scalar(select(Open311ClientRow).where(Open311ClientRow.api_key_hash == _hash_key(api_key)))
    if client is None or not client.active or client.tenant_id not in (jurisdiction_id, state_of(jurisdiction_id)):
        raise Forbidden("INVALID_API_KEY", "the api_key is not valid for this jurisdiction")
    return client


def _nearest(localities: Sequence[Boundary], lat: float, lng: float) -> str | None:
    best, best_distance = None, math.inf
    for locality in localities:
        la, lo = locality.latitude, locality.longitude
        if la is None or lo is None:
            continue
        distance = (la - lat) ** 2 + ((lo - lng) * math.cos(math.radians(lat))) ** 2
        if distance < best_distance:
            best, best_distance = locality.code, distance
    return best


async def _locality_of(deps: PgrDeps, new: NewRequest) -> str:
    """The locality named by address_id, or else the city's locality nearest to lat/long."""
    locality = new.address_id
    if not locality and new.latitude is not None and new.longitude is not None:
        locality = _nearest(await deps.boundaries.localities(new.jurisdiction_id), new.latitude, new.longitude)
    if not locality:
        raise Invalid("INVALID_LOCATION", "give address_id (a locality code) or lat and long inside the city")
    return locality


async def _filer(session: AsyncSession, deps: PgrDeps, new: NewRequest) -> Actor:
    """The citizen with this mobile number in the state, created when new, acting as the complaint's filer."""
    state = state_of(new.jurisdiction_id)
    citizen = await deps.users.find_by_mobile(tenant_id=state, mobile_number=new.phone)
    if citizen is None:
        citizen = await deps.users.create_user(
            session,
            user=NewUser(
                name=" ".join(p for p in new.name_parts if p) or "Citizen",
                user_name=new.phone,
                mobile_number=new.phone,
                email_id=new.email,
                type=UserType.CITIZEN,
                tenant_id=state,
                roles=[RoleIn(code="CITIZEN", name="Citizen", tenant_id=state)],
            ),
            actor=Actor.system(new.jurisdiction_id),
        )
    return Actor(
        uuid=citizen.uuid, type=UserType.CITIZEN, tenant_id=state, roles=(Role(code="CITIZEN", tenant_id=state),)
    )
