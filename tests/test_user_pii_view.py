"""User: the PII view other blocks hand out: masked by default, own data clear, others' clear data audited."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, cast

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from digit.blocks.user.client import CONTACT_FIELDS, UserClient, UserInfo, shown, unmasked
from digit.kernel.security import Actor
from tests.builders import citizen_login, login
from tests.studio_helpers import RI, apply, service_code
from tests.test_studio_tradelicence import MODULE, documents_of, tl_application

SESSION = cast(AsyncSession, object())  # the fake client below never touches it


class _Recorder:
    """A user client that only records what `unmasked` audits."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, list[tuple[str, str, list[str]]], str | None]] = []

    async def record_pii_access(
        self,
        session: AsyncSession,
        *,
        actor: Actor,
        reads: Sequence[tuple[str, str, Sequence[str]]],
        purpose: str | None,
    ) -> None:
        self.calls.append((actor.uuid, [(u, t, list(f)) for u, t, f in reads], purpose))


def _user(uuid: str = "u-1", **fields: Any) -> UserInfo:
    values = {"name": "Asha Rani", "mobile_number": "9812345678", "email_id": None, **fields}
    return UserInfo(uuid=uuid, type="CITIZEN", tenant_id="pb", **values)


def _actor(uuid: str) -> Actor:
    return Actor(uuid=uuid, type="EMPLOYEE", tenant_id="pb.amritsar")


def test_another_persons_view_is_masked_by_default() -> None:
    view = shown(_user(), viewer=_actor("someone-else"), fields=CONTACT_FIELDS)

    assert (view.clear, view.name, view.mobile_number, view.email_id) == (False, "*****Rani", "******5678", None)
    assert view.wire()["mobileNumber"] == "******5678"
    assert "Asha" not in repr(view)


async def test_own_data_is_clear_and_unmasking_it_writes_no_audit() -> None:
    client = _Recorder()
    view = shown(_user(), viewer=_actor("u-1"), fields=CONTACT_FIELDS)

    assert (view.clear, view.name, view.mobile_number) == (True, "Asha Rani", "9812345678")

    [same] = await unmasked(cast(UserClient, client), SESSION, [view], viewer=_actor("u-1"), purpose="x")
    assert same.name == "Asha Rani"
    assert client.calls == []


async def test_another_persons_clear_data_writes_one_audit_naming_viewer_and_purpose() -> None:
    client = _Recorder()
    viewer = _actor("gro-1")
    views = [shown(_user(), viewer=viewer, fields=CONTACT_FIELDS, tenant_id="pb.amritsar")]

    [clear] = await unmasked(cast(UserClient, client), SESSION, views, viewer=viewer, purpose="complaint")

    assert (clear.name, clear.mobile_number) == ("Asha Rani", "9812345678")
    assert client.calls == [("gro-1", [("u-1", "pb.amritsar", ["name", "mobileNumber"])], "complaint")]


async def test_nothing_to_reveal_writes_nothing() -> None:
    client = _Recorder()
    viewer = _actor("gro-1")
    views = [shown(_user(name=None, mobile_number=None), viewer=viewer, fields=CONTACT_FIELDS)]

    await unmasked(cast(UserClient, client), SESSION, views, viewer=viewer, purpose="complaint")

    assert client.calls == []


# ----------------------------------------------------------------------------------------------- through HTTP


async def _audits(api: httpx.AsyncClient, **criteria: Any) -> list[dict[str, Any]]:
    admin = await login(api, "ADMIN", "pb")
    response = await api.post("/user/pii-audit/v1/_search", json={**RI, "tenantId": "pb", **criteria}, headers=admin)
    assert response.status_code == 200, response.text
    audits: list[dict[str, Any]] = response.json()["PiiAudits"]
    return audits


async def test_studio_owner_sees_co_applicants_in_clear_and_is_audited(api: httpx.AsyncClient) -> None:
    citizen = await citizen_login(api)
    me = (await api.post("/user/_details", json=RI, headers=citizen)).json()
    code = await service_code(api, citizen, MODULE)
    application = tl_application(await documents_of(api, citizen))
    partner = {"type": "CITIZEN", "name": "Karan Partner", "mobileNumber": "9812300456", "prefix": "91"}
    application["applicants"] = [*application["applicants"], partner]

    applied = await apply(api, citizen, code, application)

    assert applied.status_code == 200, applied.text
    people = applied.json()["Application"]["applicants"]
    assert [(p["name"], p["mobileNumber"]) for p in people] == [
        ("Demo Citizen", "9999999999"),
        ("Karan Partner", "9812300456"),
    ]
    audits = await _audits(api, subjectUuid=people[1]["userUuid"])
    assert [(a["accessorUuid"], a["purpose"], a["fields"]) for a in audits] == [
        (me["uuid"], "studio application applicants", ["name", "mobileNumber"])
    ]
    assert await _audits(api, subjectUuid=me["uuid"]) == []  # the owner's own data is not audited
