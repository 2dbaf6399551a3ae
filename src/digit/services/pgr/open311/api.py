"""Open311 GeoReport v2 routes: parse the query or form, call one service function, answer in JSON or XML."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Form, Path, Query
from fastapi.responses import JSONResponse, Response
from pydantic import Field

from digit.kernel.deps import CurrentActor, PlatformDep, ReadSessionDep, SessionDep
from digit.kernel.envelope import RequestInfo, WireModel, response_info
from digit.kernel.errors import Invalid
from digit.services.pgr.deps import PgrDeps
from digit.services.pgr.open311 import service
from digit.services.pgr.open311.service import NewRequest, PublicRequest, RequestCriteria

PREFIX = "/open311/v2"
router = APIRouter(prefix=PREFIX, tags=["open311"])
FORMAT = Annotated[str, Path(pattern="^(json|xml)$")]
JURISDICTION = Annotated[str, Query(min_length=1)]
CHANGESET = "2026-11-26T00:00:00Z"
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


def _csv(value: str | None) -> list[str]:
    return value.split(",") if value else []


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


def _request_entry(request: PublicRequest) -> dict[str, Any]:
    row, definition = request.row, request.definition
    sla_hours = int(definition.get("slaHours") or 0)
    return {
        "service_request_id": row.service_request_id,
        "status": "closed" if request.is_closed else "open",
        "status_notes": request.status_notes,
        "service_name": definition.get("name") or row.service_code,
        "service_code": row.service_code,
        "description": row.description,
        "agency_responsible": definition.get("department") or row.department,
        "service_notice": None,
        "requested_datetime": _w3(row.created_time),
        "updated_datetime": _w3(row.last_modified_time),
        "expected_datetime": _w3(row.created_time + sla_hours * 3_600_000) if sla_hours else None,
        "address": None,
        "address_id": row.locality_code,
        "zipcode": request.pincode,
        "lat": request.latitude,
        "long": request.longitude,
        "media_url": None,
    }


def _requests(found: list[PublicRequest], fmt: str) -> Response:
    return _render([_request_entry(r) for r in found], fmt, root="service_requests", item="request")


@router.get("/discovery.{fmt}")
async def discovery(fmt: FORMAT, platform: PlatformDep) -> Response:
    """Where this endpoint is and what it speaks."""
    base = platform.settings.public_url.rstrip("/") + PREFIX
    payload = {
        "changeset": CHANGESET,
        "contact": "Use the platform's grievance counter or helpline.",
        "key_service": f"{base}/ (api keys are issued by the platform administrator)",
        "endpoints": [
            {
                "specification": "http://wiki.open311.org/GeoReport_v2",
                "url": base,
                "changeset": CHANGESET,
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
async def services(fmt: FORMAT, platform: PlatformDep, jurisdiction_id: JURISDICTION) -> Response:
    """The complaint types of a city (PGR ServiceDefs)."""
    definitions = await service.search_services(PgrDeps.of(platform), tenant_id=jurisdiction_id)
    return _render([_service_entry(d) for d in definitions], fmt, root="services", item="service")


@router.get("/services/{service_code}.{fmt}")
async def service_definition(
    service_code: str, fmt: FORMAT, platform: PlatformDep, jurisdiction_id: JURISDICTION
) -> Response:
    """A complaint type's definition; PGR types have no extra attributes."""
    await service.get_service(PgrDeps.of(platform), tenant_id=jurisdiction_id, service_code=service_code)
    payload = {"service_code": service_code, "attributes": []}
    return _render(payload if fmt == "json" else [payload], fmt, root="service_definition", item="service_definition")


@router.get("/requests.{fmt}")
async def requests(
    fmt: FORMAT,
    session: ReadSessionDep,
    platform: PlatformDep,
    jurisdiction_id: JURISDICTION,
    service_request_id: str | None = None,
    service_code: str | None = None,
    start_date: str | None = None,
    end_date: str | None = None,
    status: Annotated[str | None, Query(pattern="^(open|closed)(,(open|closed))*$")] = None,
) -> Response:
    """Requests of a city, newest first (at most 1000; the last 90 days unless dates are given)."""
    criteria = RequestCriteria(
        service_request_ids=_csv(service_request_id),
        service_codes=_csv(service_code),
        start_ms=_parse_w3(start_date, "start_date"),
        end_ms=_parse_w3(end_date, "end_date"),
        statuses=frozenset(_csv(status)),
    )
    found = await service.search_requests(
        session, PgrDeps.of(platform), tenant_id=jurisdiction_id, criteria=criteria, now_ms=platform.clock.now_ms()
    )
    return _requests(found, fmt)


@router.get("/requests/{service_request_id}.{fmt}")
async def request(
    service_request_id: str, fmt: FORMAT, session: ReadSessionDep, platform: PlatformDep, jurisdiction_id: JURISDICTION
) -> Response:
    """One request."""
    found = await service.get_request(
        session, PgrDeps.of(platform), tenant_id=jurisdiction_id, service_request_id=service_request_id
    )
    return _requests([found], fmt)


@router.get("/tokens/{token}.{fmt}")
async def token(token: str, fmt: FORMAT, session: ReadSessionDep, jurisdiction_id: JURISDICTION) -> Response:
    """Requests are created synchronously, so a token is the service_request_id itself."""
    request_id = await service.get_token(session, tenant_id=jurisdiction_id, token=token)
    return _render(
        [{"service_request_id": request_id, "token": request_id}], fmt, root="service_requests", item="request"
    )


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
    new = NewRequest(
        api_key=api_key,
        jurisdiction_id=jurisdiction_id,
        service_code=service_code,
        phone=phone,
        latitude=lat,
        longitude=long,
        address_id=address_id,
        address_string=address_string,
        description=description,
        name_parts=(first_name, last_name),
        email=email,
    )
    request_id = await service.create_request(session, PgrDeps.of(platform), new=new, now_ms=platform.clock.now_ms())
    payload = [{"service_request_id": request_id, "token": request_id, "service_notice": None, "account_id": None}]
    return _render(payload, fmt, root="service_requests", item="request")


class CreateClientRequest(WireModel):
    request_info: RequestInfo = Field(default_factory=RequestInfo, alias="RequestInfo")
    tenant_id: str = Field(min_length=1)
    name: str = Field(min_length=1, max_length=128)


@router.post("/clients/_create")
async def create_client(
    body: CreateClientRequest, session: SessionDep, actor: CurrentActor, platform: PlatformDep
) -> dict[str, Any]:
    """An administrator issues an api_key to an Open311 client; it is shown once, only its hash is kept."""
    row, api_key = await service.create_client(
        session, tenant_id=body.tenant_id, name=body.name, actor=actor, now_ms=platform.clock.now_ms()
    )
    return {
        "ResponseInfo": response_info(body.request_info).wire(),
        "client": {"id": row.id, "tenantId": row.tenant_id, "name": row.name, "apiKey": api_key},
    }
