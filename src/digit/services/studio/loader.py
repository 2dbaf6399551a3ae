"""`digit service load FOLDER`: a new service from a folder, through a running platform's public API.

A folder holds `service.json` (one `Studio.ServiceConfiguration` data object, or a list of them) and
optionally `messages.json` (DIGIT localization messages `{code, message, module, locale}`). Each definition
becomes the MDMS v2 record `{module}.{service}` at the state (created, or updated when it exists), the
messages are upserted at the state, and the service is registered for the city (a new version when it is
registered already). Everything goes through the HTTP API an administrator uses, so the server that answers
takes the service at once: no code, no restart. The folder's faults and the server's answers are reported
as they come, DIGIT's `Errors[]` messages included.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from digit.kernel.envelope import UserType
from digit.kernel.tenancy import state_of

SCHEMA = "Studio.ServiceConfiguration"
RI: dict[str, Any] = {"RequestInfo": {"apiId": "digit-studio-load"}}
CLIENT_BASIC = "Basic ZWdvdi11c2VyLWNsaWVudDo="  # DIGIT's public egov-user-client (no secret)


class LoadError(RuntimeError):
    """The folder is unusable, or the server refused a step (its DIGIT errors in the message)."""


@dataclass
class LoadReport:
    records: list[str] = field(default_factory=list)  # uniqueIdentifiers written
    messages: int = 0
    services: list[str] = field(default_factory=list)  # serviceCodes registered (or given a new version)


def read_folder(folder: Path) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The definitions and messages of a folder; a missing or malformed file -> LoadError naming it."""
    path = folder / "service.json"
    if not path.is_file():
        raise LoadError(f"{folder}: no service.json")
    definitions = _json(path)
    definitions = definitions if isinstance(definitions, list) else [definitions]
    for index, item in enumerate(definitions):
        if not isinstance(item, dict) or not item.get("module") or not item.get("service"):
            raise LoadError(f"{path}[{index}]: a definition is an object with module and service")
    messages_path = folder / "messages.json"
    messages = _json(messages_path) if messages_path.is_file() else []
    if not isinstance(messages, list) or not all(isinstance(m, dict) for m in messages):
        raise LoadError(f"{messages_path}: a JSON list of {{code, message, module, locale}} is expected")
    return definitions, messages


def _json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise LoadError(f"{path}: {error}") from None


def _refused(what: str, response: httpx.Response) -> LoadError:
    try:
        found = response.json().get("Errors") or []
        reasons = "; ".join(f"{e.get('code')}: {e.get('message')}" for e in found) or response.text[:300]
    except ValueError:
        reasons = response.text[:300]
    return LoadError(f"{what} refused ({response.status_code}): {reasons}")


async def login(api: httpx.AsyncClient, *, username: str, password: str, tenant_id: str) -> dict[str, str]:
    """An employee's Authorization header (DIGIT's password grant)."""
    form = {"username": username, "password": password, "grant_type": "password", "scope": "read"}
    form |= {"tenantId": tenant_id, "userType": UserType.EMPLOYEE}
    response = await api.post("/user/oauth/token", data=form, headers={"Authorization": CLIENT_BASIC})
    if response.status_code != 200:
        raise _refused(f"login of {username}", response)
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


async def _put_record(api: httpx.AsyncClient, headers: dict[str, str], state: str, data: dict[str, Any]) -> str:
    """Create the record `{module}.{service}`, or update it in place when the state has it already."""
    unique = f"{data['module']}.{data['service']}"
    criteria = {"tenantId": state, "schemaCode": SCHEMA, "uniqueIdentifiers": [unique]}
    found = await api.post("/mdms-v2/v2/_search", json={**RI, "MdmsCriteria": criteria}, headers=headers)
    if found.status_code != 200:
        raise _refused(f"search of {unique}", found)
    existing = [r for r in found.json().get("mdms") or [] if r.get("tenantId") == state]
    record = {"tenantId": state, "schemaCode": SCHEMA, "uniqueIdentifier": unique, "data": data, "isActive": True}
    if existing:
        record = {**existing[0], "data": data, "isActive": True}
    verb = "_update" if existing else "_create"
    response = await api.post(f"/mdms-v2/v2/{verb}/{SCHEMA}", json={**RI, "Mdms": record}, headers=headers)
    if response.status_code != 200:
        raise _refused(f"{SCHEMA} {unique}", response)
    return unique


async def _register(api: httpx.AsyncClient, headers: dict[str, str], city: str, data: dict[str, Any]) -> str:
    """Register the service for the city; one registered already takes the definition as a new version."""
    service = {"tenantId": city, "module": data["module"], "businessService": data["service"], "status": "ACTIVE"}
    studio = {**headers, "X-Tenant-Id": city}
    response = await api.post("/public-service/v1/service", json={**RI, "Service": service}, headers=studio)
    if response.status_code == 409:
        params = {"module": data["module"], "businessService": data["service"]}
        listed = await api.get("/public-service/v1/service", params=params, headers=studio)
        code = next((s["serviceCode"] for s in listed.json().get("Services") or [] if s["tenantId"] == city), None)
        if code is None:
            raise _refused(f"registration of {data['module']}.{data['service']}", response)
        response = await api.put(f"/public-service/v1/service/{code}", json={**RI, "Service": service}, headers=studio)
    if response.status_code != 200:
        raise _refused(f"registration of {data['module']}.{data['service']}", response)
    registered: str = response.json()["Services"][0]["serviceCode"]
    return registered


async def load_folder(
    api: httpx.AsyncClient, folder: Path, *, headers: dict[str, str], city: str, register: bool = True
) -> LoadReport:
    """Load the folder's definitions and messages at the city's state, then register each for the city."""
    definitions, messages = read_folder(folder)
    state, report = state_of(city), LoadReport()
    if messages:
        body = {**RI, "tenantId": state, "messages": messages}
        response = await api.post("/localization/messages/v1/_upsert", json=body, headers=headers)
        if response.status_code != 200:
            raise _refused(f"messages of {folder}", response)
        report.messages = len(messages)
    for data in definitions:
        report.records.append(await _put_record(api, headers, state, data))
    if register:
        for data in definitions:
            report.services.append(await _register(api, headers, city, data))
    return report
