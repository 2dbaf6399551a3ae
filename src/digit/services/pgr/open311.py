"""Open311 GeoReport v2 over PGR: `jurisdiction_id` is the city tenant, requests are PGR complaints.

Reads are public, as the standard has them, and show no personal data. Posting needs an `api_key`
issued by an administrator; the request is filed for the citizen named by `phone` (created if new).
Open311 is synchronous here: the answer to a POST carries the service_request_id (and the same value
as a token, so clients that poll /tokens/{token} work).
"""

from __future__ import annotations

import hashlib
import math
import secrets
import xml.etree.ElementTree as ET
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Form, Path, Query
from fastapi.responses import JSONResponse, Response
from pydantic import Field
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from digit.kernel.db import stamp
from digit.kernel.deps import CurrentActor, PlatformDep, SessionDep
from digit.kernel.envelope import RequestInfo, Role, WireModel, response_info
from digit.kernel.errors import Forbidden, Invalid, NotFound
from digit.kernel.security import Actor
from digit.kernel.tenancy import state_of
from digit.services.pgr import service
from digit.services.pgr.deps import PgrDeps
from digit.services.pgr.models import Open311ClientRow, ServiceRow
from digit.services.pgr.schemas import Address, Citizen, GeoLocation, Locality, Service, Workflow

PREFIX = "/open311/v2"
router = APIRouter(prefix=PREFIX, tags=["open311"])
CLOSED_STATES = {"CLOSEDAFTERRESOLUTION", "CLOSEDAFTERREJECTION", "RESOLVED", "REJECTED", "CANCELLED"}
FORMAT = Annotated[str, Path(pattern="^(json|xml)$")]
OPEN_ROUTES = (
    f"{PREFIX}/discovery.{{fmt}}",
    f"{PREFIX}/services.{{fmt}}",
    f"{PREFIX}/services/{{service_code}}.{{fmt}}",
    f"{PREFIX}/requests.{{fmt}}",
    f"{PREFIX}/requests/{{service_request_id}}.{{fmt}}",
    f"{PREFIX}/tokens/{{token}}.{{fmt}}",
)


def _render(payload: Any, fmt: str, *, root: str, item: str, status_code: int = 200) -> Response:
    if fmt == "json":
        return JSONResponse(payload, status_code=status_code)
    element = ET.Element(root)
    for entry in payload if isinstance(payload, list) else [payload]:
        child = ET.SubElement(element, item)
        for key, value in entry.items():
            _append(child, key, value)
    body = b'<?xml version="1.0" encoding="utf-8"?>' + ET.tostring(element, encoding="utf-8")
    return Response(body, media_type="text/xml; charset=utf-8", status_code=status_code)


def _append(parent: ET.Element, key: str, value: Any) -> None:
    if isinstance(value, list):
        holder = ET.SubElement(parent, key)
        for entry in value:
            if isinstance(entry, dict):
                sub = ET.SubElement(holder, key.rstrip("s") or key)
                for k, v in entry.items():
                    _append(sub, k, v)
            else:
                ET.SubElement(holder, key.rstrip("s") or key).text = str(entry)
        return
    ET.SubElement(parent, key).text = (
        "" if value is None else str(value).lower() if isinstance(value, bool) else str(value)
    )


def _w3(ms: int | None) -> str | None:
    return datetime.fromtimestamp(ms / 1000, tz=UTC).strftime("%Y-%m-%dT%H:%M:%SZ") if ms else None


def _parse_w3(value: str | None, name: str) -> int | None:
    if not value:
        return None
    try:
        return int(datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp() * 1000)
    except ValueError:
        raise Invalid("INVALID_DATE", f"{name} must be a W3C datetime such as 2026-01-01T00:00:00Z") from None


async def _definitions(deps: PgrDeps, tenant_id: str) -> list[dict[str, Any]]:
    await service._check_city(deps, tenant_id)
    defs = await deps.mdms.get_master(tenant_id=tenant_id, module="RAINMAKER-PGR", master="ServiceDefs")
    return [d for d in defs if isinstance(d, dict) and d.get("active", True)]


def _service_entry(definition: dict[str, Any]) -> dict[str, Any]:
    return {
        "service_code": definition["serviceCode"],
        "service_name": definition.get("name") or definition["serviceCode"],
        "description": definition.get("name") or "",
        "metadata": False,
        "type": "realtime",
        "keywords": definition.get("keywords") or "",
        "group": definition.get("menuPath") or "",
    }


@router.get("/discovery.{fmt}")
async def discovery(fmt: FORMAT, platform: PlatformDep) -> Response:
    """Where this endpoint is and what it speaks."""
    base = platform.settings.public_url.rstrip("/") + PREFIX
    payload = {
        "changeset": "2026-11-26T00:00:00Z",
        "contact": "Use the platform's grievance counter or helpline.",
        "key_service": f"{base}/ (api keys are issued by the platform administrator)",
        "endpoints": [
            {
                "specification": "http://wiki.open311.org/GeoReport_v2",
                "url": base,
                "changeset": "2026-11-26T00:00:00Z",
                "type": "production",
                "formats": ["application/json", "text/xml"],
            }
        ],
    }
    return (
        _render(payload, fmt, root="discovery", item="discovery")
        if fmt == "json"
        else _render([payload], fmt, root="discovery", item="endpoint")
    )


@router.get("/services.{fmt}")
async def services(
    fmt: FORMAT, platform: PlatformDep, jurisdiction_id: Annotated[str, Query(min_length=1)]
) -> Response:
    """The complaint types of a city (PGR ServiceDefs)."""
    definitions = await _definitions(PgrDeps.of(platform), jurisdiction_id)
    return _render([_service_entry(d) for d in definitions], fmt, root="services", item="service")


@router.get("/services/{service_code}.{fmt}")
async def service_definition(
    service_code: str, fmt: FORMAT, platform: PlatformDep, jurisdiction_id: Annotated[str, Query(min_length=1)]
) -> Response:
    """A complaint type's definition; PGR types have no extra attributes."""
    definitions = await _definitions(PgrDeps.of(platform), jurisdiction_id)
    if not any(d["serviceCode"] == service_code for d in definitions):
        raise NotFound("INVALID_SERVICECODE", f"no service {service_code!r} in {jurisdiction_id}")
    payload = {"service_code": service_code, "attributes": []}
    return _render(payload if fmt == "json" else [payload], fmt, root="service_definition", item="service_definition")


def _request_entry(
    row: ServiceRow,
    definitions: dict[str, dict[str, Any]],
    notes: dict[str, str | None],
    address: dict[str, Any] | None,
) -> dict[str, Any]:
    definition = definitions.get(row.service_code, {})
    geo = (address or {}).get("geoLocation") or {}
    return {
        "service_request_id": row.service_request_id,
        "status": "closed" if row.application_status in CLOSED_STATES else "open",
        "status_notes": notes.get(row.service_request_id),
        "service_name": definition.get("name") or row.service_code,
        "service_code": row.service_code,
        "description": row.description,
        "agency_responsible": definition.get("department") or row.department,
        "service_notice": None,
        "requested_datetime": _w3(row.created_time),
        "updated_datetime": _w3(row.last_modified_time),
        "expected_datetime": _w3(row.created_time + int(definition.get("slaHours") or 0) * 3_600_000)
        if definition.get("slaHours")
        else None,
        "address": None,
        "address_id": row.locality_code,
        "zipcode": (address or {}).get("pincode"),
        "lat": geo.get("latitude"),
        "long": geo.get("longitude"),
        "media_url": None,
    }


async def _entries(session: Any, deps: PgrDeps, tenant_id: str, rows: list[ServiceRow]) -> list[dict[str, Any]]:
    definitions = {d["serviceCode"]: d for d in await _definitions(deps, tenant_id)}
    wrappers = await service.wrap(session, deps, rows, actor=Actor.system(tenant_id)) if rows else []
    notes = {w["service"]["serviceRequestId"]: (w.get("workflow") or {}).get("comments") for w in wrappers}
    addresses = {w["service"]["serviceRequestId"]: w["service"].get("address") for w in wrappers}
    return [_request_entry(row, definitions, notes, addresses.get(row.service_request_id)) for row in rows]


@router.get("/requests.{fmt}")
async def requests(
    fmt: FORMAT,
    session: SessionDep,
    platform: PlatformDep,
    jurisdiction_id: Annotated[str, Query(min_length=1)],
    service_request_id: str | None = None,
    service_code: str | None = None,
    start_date: str | None = None,
    end_date: str | None = None,
    status: Annotated[str | None, Query(pattern="^(open|closed)(,(open|closed))*$")] = None,
) -> Response:
    """Requests of a city, newest first (at most 1000; the last 90 days unless dates are given)."""
    deps = PgrDeps.of(platform)
    await service._check_city(deps, jurisdiction_id)
    query = select(ServiceRow).where(ServiceRow.tenant_id == jurisdiction_id)
    if service_request_id:
        query = query.where(ServiceRow.service_request_id.in_(service_request_id.split(",")))
    else:
        if service_code:
            query = query.where(ServiceRow.service_code.in_(service_code.split(",")))
        end = _parse_w3(end_date, "end_date") or platform.clock.now_ms()
        start = _parse_w3(start_date, "start_date") or end - 90 * 24 * 3_600_000
        query = query.where(ServiceRow.created_time >= start, ServiceRow.created_time <= end)
        wanted = set((status or "").split(",")) - {""}
        if wanted == {"open"}:
            query = query.where(ServiceRow.application_status.not_in(CLOSED_STATES))
        elif wanted == {"closed"}:
            query = query.where(ServiceRow.application_status.in_(CLOSED_STATES))
    rows = list(await session.scalars(query.order_by(ServiceRow.created_time.desc()).limit(1000)))
    return _render(await _entries(session, deps, jurisdiction_id, rows), fmt, root="service_requests", item="request")


@router.get("/requests/{service_request_id}.{fmt}")
async def request(
    service_request_id: str,
    fmt: FORMAT,
    session: SessionDep,
    platform: PlatformDep,
    jurisdiction_id: Annotated[str, Query(min_length=1)],
) -> Response:
    """One request."""
    deps = PgrDeps.of(platform)
    row = await session.scalar(
        select(ServiceRow).where(
            ServiceRow.tenant_id == jurisdiction_id, ServiceRow.service_request_id == service_request_id
        )
    )
    if row is None:
        raise NotFound("INVALID_SERVICE_REQUEST_ID", f"no request {service_request_id} in {jurisdiction_id}")
    return _render(await _entries(session, deps, jurisdiction_id, [row]), fmt, root="service_requests", item="request")


@router.get("/tokens/{token}.{fmt}")
async def token(
    token: str, fmt: FORMAT, session: SessionDep, jurisdiction_id: Annotated[str, Query(min_length=1)]
) -> Response:
    """Requests are created synchronously, so a token is the service_request_id itself."""
    row = await session.scalar(
        select(ServiceRow).where(ServiceRow.tenant_id == jurisdiction_id, ServiceRow.service_request_id == token)
    )
    if row is None:
        raise NotFound("INVALID_TOKEN", "no request for this token")
    return _render([{"service_request_id": token, "token": token}], fmt, root="service_requests", item="request")


def _hash_key(api_key: str) -> str:
    return hashlib.sha256(api_key.encode()).hexdigest()


def _nearest(localities: list[dict[str, Any]], lat: float, lng: float) -> str | None:
    best, best_distance = None, math.inf
    for locality in localities:
        la, lo = locality.get("latitude"), locality.get("longitude")
        if la is None or lo is None:
            continue
        distance = (float(la) - lat) ** 2 + ((float(lo) - lng) * math.cos(math.radians(lat))) ** 2
        if distance < best_distance:
            best, best_distance = locality.get("code"), distance
    return best


@router.post("/requests.{fmt}")
async def create_request(
    fmt: FORMAT,
    session: SessionDep,
    platform: PlatformDep,
    api_key: Annotated[str, Form(min_length=8)],
    jurisdiction_id: Annotated[str, Form(min_length=1)],
    service_code: Annotated[str, Form(min_length=1)],
    phone: Annotated[str, Form(pattern=r"^\+?[0-9]{6,15}$")],
    lat: Annotated[float | None, Form(ge=-90, le=90)] = None,
    long: Annotated[float | None, Form(ge=-180, le=180)] = None,
    address_id: Annotated[str | None, Form()] = None,
    address_string: Annotated[str | None, Form(max_length=256)] = None,
    description: Annotated[str | None, Form(max_length=4000)] = None,
    first_name: Annotated[str | None, Form(max_length=50)] = None,
    last_name: Annotated[str | None, Form(max_length=50)] = None,
    email: Annotated[str | None, Form(max_length=128)] = None,
) -> Response:
    """File a PGR complaint for the citizen with this phone number (created if new)."""
    client = await _client_for(session, api_key=api_key, jurisdiction_id=jurisdiction_id)
    deps = PgrDeps.of(platform)
    locality = await _locality_of(deps, jurisdiction_id=jurisdiction_id, address_id=address_id, lat=lat, lng=long)
    filer = await _filer(
        session,
        deps,
        jurisdiction_id=jurisdiction_id,
        phone=phone,
        name=" ".join(p for p in (first_name, last_name) if p) or "Citizen",
        email=email,
    )
    complaint = Service(
        tenant_id=jurisdiction_id,
        service_code=service_code,
        description=description,
        source="web",
        address=Address(
            locality=Locality(code=locality),
            landmark=address_string,
            geo_location=GeoLocation(latitude=lat, longitude=long),
        ),
        citizen=Citizen(mobile_number=phone),
        additional_detail={"channel": "open311", "open311Client": client.id},
    )
    wrapper = await service.create_request(
        session, deps, service=complaint, workflow=Workflow(action="APPLY"), actor=filer, now_ms=platform.clock.now_ms()
    )
    request_id = wrapper["service"]["serviceRequestId"]
    payload = [{"service_request_id": request_id, "token": request_id, "service_notice": None, "account_id": None}]
    return _render(payload, fmt, root="service_requests", item="request")


async def _client_for(session: AsyncSession, *, api_key: str, jurisdiction_id: str) -> Open311ClientRow:
    """The active client whose key this is, registered for the city or its state."""
    client = await session.scalar(select(Open311ClientRow).where(Open311ClientRow.api_key_hash == _hash_key(api_key)))
    if client is None or not client.active or client.tenant_id not in (jurisdiction_id, state_of(jurisdiction_id)):
        raise Forbidden("INVALID_API_KEY", "the api_key is not valid for this jurisdiction")
    return client


async def _locality_of(
    deps: PgrDeps, *, jurisdiction_id: str, address_id: str | None, lat: float | None, lng: float | None
) -> str:
    """The locality named by address_id, or else the city's locality nearest to lat/long."""
    locality = address_id
    if not locality and lat is not None and lng is not None:
        locality = _nearest(await deps.boundaries.localities(jurisdiction_id), lat, lng)
    if not locality:
        raise Invalid("INVALID_LOCATION", "give address_id (a locality code) or lat and long inside the city")
    return locality


async def _filer(
    session: AsyncSession, deps: PgrDeps, *, jurisdiction_id: str, phone: str, name: str, email: str | None
) -> Actor:
    """The citizen with this mobile number in the state, created when new, acting as the complaint's filer."""
    state = state_of(jurisdiction_id)
    citizen = await deps.users.find_by_mobile(tenant_id=state, mobile_number=phone)
    if citizen is None:
        citizen = await deps.users.create_user(
            session,
            user={
                "name": name,
                "userName": phone,
                "mobileNumber": phone,
                "emailId": email,
                "type": "CITIZEN",
                "tenantId": state,
                "roles": [{"code": "CITIZEN", "name": "Citizen", "tenantId": state}],
            },
            actor=Actor.system(jurisdiction_id),
        )
    return Actor(uuid=citizen.uuid, type="CITIZEN", tenant_id=state, roles=(Role(code="CITIZEN", tenant_id=state),))


class CreateClientRequest(WireModel):
    request_info: RequestInfo = Field(default_factory=RequestInfo, alias="RequestInfo")
    tenant_id: str = Field(min_length=1)
    name: str = Field(min_length=1, max_length=128)


@router.post("/clients/_create")
async def create_client(
    body: CreateClientRequest, session: SessionDep, actor: CurrentActor, platform: PlatformDep
) -> dict[str, Any]:
    """An administrator issues an api_key to an Open311 client; it is shown once, only its hash is kept."""
    api_key = secrets.token_urlsafe(24)
    row = Open311ClientRow(tenant_id=body.tenant_id, name=body.name, api_key_hash=_hash_key(api_key), active=True)
    stamp(row, actor_uuid=actor.uuid, now_ms=platform.clock.now_ms())
    session.add(row)
    await session.flush()
    return {
        "ResponseInfo": response_info(body.request_info).wire(),
        "client": {"id": row.id, "tenantId": row.tenant_id, "name": row.name, "apiKey": api_key},
    }
