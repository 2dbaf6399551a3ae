"""egov-accesscontrol rules: which roles may call which route, per tenant, from MDMS.

Actions (`ACCESSCONTROL-ACTIONS-TEST.actions-test`: id, url) and role-actions
(`ACCESSCONTROL-ROLEACTIONS.roleactions`: rolecode, actionid) are read through the MDMS client and
folded once per tenant and master-data generation into `route template -> role codes`, so a check
costs two dictionary lookups however many actions there are. `{param}` segments match any
parameter name (`/x/{id}` equals `/x/{moduleName}`) and, for concrete URIs, any one segment.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from digit.blocks.mdms.client import MdmsClient
from digit.kernel.envelope import Role
from digit.kernel.errors import Invalid, Unauthenticated
from digit.kernel.security import Actor, role_codes_in
from digit.kernel.tenancy import state_of

ACTIONS = ("ACCESSCONTROL-ACTIONS-TEST", "actions-test")
ROLE_ACTIONS = ("ACCESSCONTROL-ROLEACTIONS", "roleactions")
ROLES = ("ACCESSCONTROL-ROLES", "roles")
_PARAM = re.compile(r"\{[^/}]*\}")


def normalise(url: str) -> str:
    """`/a/{x}/b?q=1` -> `/a/{}/b`: the form route templates and action urls are compared in."""
    path = url.split("?", 1)[0].strip()
    if len(path) > 1:
        path = path.rstrip("/")
    return _PARAM.sub("{}", path)


def _pattern(template: str) -> re.Pattern[str]:
    parts = [re.escape(part) for part in template.split("{}")]
    return re.compile("^" + "[^/]+".join(parts) + "$")


def _fingerprint(records: Sequence[Any]) -> tuple[int, Any, Any]:
    """Same list generation from the MDMS cache <=> same length and the very same first/last objects."""
    if not records:
        return (0, None, None)
    return (len(records), records[0], records[-1])


def _same(a: tuple[int, Any, Any], b: tuple[int, Any, Any]) -> bool:
    return a[0] == b[0] and a[1] is b[1] and a[2] is b[2]


@dataclass
class TenantIndex:
    """Role codes per normalised route template for one tenant, plus patterns for concrete URIs."""

    actions_source: tuple[int, Any, Any]
    role_actions_source: tuple[int, Any, Any]
    by_template: dict[str, frozenset[str]] = field(default_factory=dict)
    patterns: list[tuple[re.Pattern[str], frozenset[str]]] = field(default_factory=list)
    actions_by_role: dict[str, list[dict[str, Any]]] = field(default_factory=dict)

    def roles_for(self, template: str) -> frozenset[str]:
        return self.by_template.get(normalise(template), frozenset())

    def roles_for_uri(self, uri: str) -> frozenset[str]:
        """For `_authorize` calls that send a concrete path rather than a template."""
        found = self.by_template.get(normalise(uri))
        if found is not None:
            return found
        path = normalise(uri)
        roles: set[str] = set()
        for pattern, allowed in self.patterns:
            if pattern.match(path):
                roles |= allowed
        return frozenset(roles)


def build_index(actions: Sequence[Any], role_actions: Sequence[Any], *, sources: tuple[Any, Any]) -> TenantIndex:
    by_id: dict[str, dict[str, Any]] = {}
    by_name: dict[str, dict[str, Any]] = {}
    for action in actions:
        # `enabled` only says whether the action shows in the menu: DIGIT authorises on id and url alone
        if not isinstance(action, dict) or not action.get("url"):
            continue
        by_id[str(action.get("id"))] = action
        if action.get("name"):
            by_name[str(action["name"])] = action
    grants: dict[str, set[str]] = {}
    actions_by_role: dict[str, list[dict[str, Any]]] = {}
    for grant in role_actions:
        if not isinstance(grant, dict) or not grant.get("rolecode"):
            continue
        action = by_id.get(str(grant.get("actionid"))) or by_name.get(str(grant.get("actioncode") or ""))
        if action is None:
            continue
        grants.setdefault(normalise(str(action["url"])), set()).add(str(grant["rolecode"]))
        actions_by_role.setdefault(str(grant["rolecode"]), []).append(action)
    index = TenantIndex(actions_source=sources[0], role_actions_source=sources[1], actions_by_role=actions_by_role)
    index.by_template = {template: frozenset(roles) for template, roles in grants.items()}
    index.patterns = [(_pattern(t), r) for t, r in index.by_template.items() if "{}" in t]
    return index


class RoleActionIndex:
    """Per-process, per-tenant indexes, rebuilt only when MDMS hands out a new generation of the masters."""

    def __init__(self, mdms: MdmsClient) -> None:
        self._mdms = mdms
        self._by_tenant: dict[str, TenantIndex] = {}

    async def for_tenant(self, tenant_id: str) -> TenantIndex:
        actions = await self._mdms.get_master(tenant_id=tenant_id, module=ACTIONS[0], master=ACTIONS[1])
        role_actions = await self._mdms.get_master(tenant_id=tenant_id, module=ROLE_ACTIONS[0], master=ROLE_ACTIONS[1])
        sources = (_fingerprint(actions), _fingerprint(role_actions))
        cached = self._by_tenant.get(tenant_id)
        if (
            cached is not None
            and _same(cached.actions_source, sources[0])
            and _same(cached.role_actions_source, sources[1])
        ):
            return cached
        index = build_index(actions, role_actions, sources=sources)
        if len(self._by_tenant) > 1000:
            self._by_tenant.clear()
        self._by_tenant[tenant_id] = index
        return index

    async def allowed(self, actor: Actor, *, route: str, tenant_ids: Iterable[str]) -> bool:
        """True iff in EVERY tenant one of the actor's roles there (or at its state) maps to the route."""
        tenants = list(tenant_ids)
        if not tenants:
            return False
        for tenant_id in tenants:
            roles = actor.role_codes_in(tenant_id)
            if not roles:
                return False
            index = await self.for_tenant(tenant_id)
            if not roles & index.roles_for(route):
                return False
        return True

    async def authorize_uri(
        self, *, roles: Sequence[tuple[str, str | None]], uri: str, tenant_ids: Sequence[str]
    ) -> bool:
        """DIGIT's `_authorize`: roles `(code, tenantId)`, a concrete URI, every tenant must allow it."""
        if not tenant_ids:
            return False
        granted = [Role(code=code, tenant_id=role_tenant or None) for code, role_tenant in roles]  # "": no tenant
        for tenant_id in tenant_ids:
            applicable = role_codes_in(granted, tenant_id)
            index = await self.for_tenant(tenant_id)
            if not applicable & index.roles_for_uri(uri):
                return False
        return True

    async def actions_for_roles(self, *, tenant_id: str, role_codes: Iterable[str]) -> list[dict[str, Any]]:
        index = await self.for_tenant(tenant_id)
        seen: dict[str, dict[str, Any]] = {}
        for code in role_codes:
            for action in index.actions_by_role.get(code, []):
                seen.setdefault(str(action.get("id")), action)
        return sorted(seen.values(), key=lambda a: (a.get("orderNumber") or 0, str(a.get("id"))))


async def authorize(
    index: RoleActionIndex, *, roles: Sequence[tuple[str, str | None]], uri: str, tenant_ids: Sequence[str]
) -> None:
    """DIGIT's `_authorize`: passes when one of the roles, granted in each tenant or its state, maps to the
    URI; else 401 `UNAUTHORIZED_ACTION`."""
    if not await index.authorize_uri(roles=roles, uri=uri, tenant_ids=tenant_ids):
        raise Unauthenticated("UNAUTHORIZED_ACTION", "the roles are not allowed this action in these tenants")


async def search_roles(mdms: MdmsClient, *, tenant_id: str, codes: Sequence[str]) -> list[Any]:
    """The tenant's ACCESSCONTROL-ROLES records, only those of `codes` when some are given."""
    roles = await mdms.get_master(tenant_id=tenant_id, module=ROLES[0], master=ROLES[1])
    if codes:
        wanted = set(codes)
        roles = [r for r in roles if isinstance(r, dict) and r.get("code") in wanted]
    return roles


async def search_actions(
    index: RoleActionIndex, actor: Actor, *, tenant_id: str, role_codes: Sequence[str], enabled: bool | None
) -> list[dict[str, Any]]:
    """The actions the given roles (else the caller's own roles in the tenant) may use, optionally only the
    enabled or disabled ones: DIGIT's `actions/_search` and `actions/mdms/_get`."""
    codes = list(role_codes) or sorted(actor.role_codes_in(tenant_id))
    actions = await index.actions_for_roles(tenant_id=tenant_id, role_codes=codes)
    if enabled is not None:
        actions = [a for a in actions if bool(a.get("enabled", True)) == enabled]
    return actions


# ---------------------------------------------------------------- roles and role-actions (written to MDMS)

INVALID_ROLE = "Role is invalid"


def _role_faults(roles: Sequence[dict[str, Any]]) -> list[tuple[str, str]]:
    if not roles:
        return [("accesscontrol.0012", "Atleast One Role is Required")]
    faults = []
    for position, role in enumerate(roles, start=1):
        if not role.get("name"):
            faults.append(("accesscontrol.0007", f"Role Name is required in {position} Object"))
        if not role.get("code"):
            faults.append(("accesscontrol.0010", f"Role Code is required in {position} Object"))
    return faults


async def upsert_roles(
    session: AsyncSession,
    mdms: MdmsClient,
    *,
    tenant_id: str,
    roles: Sequence[dict[str, Any]],
    create: bool,
    actor: Actor,
    now_ms: int,
) -> list[dict[str, Any]]:
    """DIGIT roles/_create (new codes and names only) and roles/_update (existing codes only), in MDMS
    ACCESSCONTROL-ROLES of the tenant's state."""
    faults = _role_faults(roles)
    if faults:
        raise Invalid.many(faults)
    state = state_of(tenant_id)
    existing = [
        r for r in await mdms.get_master(tenant_id=state, module=ROLES[0], master=ROLES[1]) if isinstance(r, dict)
    ]
    codes = {r.get("code") for r in existing}
    names = {r.get("name") for r in existing}
    for position, role in enumerate(roles, start=1):
        if create and (role["code"] in codes or role["name"] in names):
            faults.append(("accesscontrol.0008", f"Role Name Already exist. in {position} Object"))
        if not create and role["code"] not in codes:
            faults.append(("accesscontrol.0009", f"Role Name Does n't exist. in {position} Object"))
    if faults:
        raise Invalid.many(faults)
    records = [{k: v for k, v in role.items() if v is not None} for role in roles]
    await mdms.upsert_records(
        session,
        tenant_id=state,
        module=ROLES[0],
        master=ROLES[1],
        records=records,
        actor_uuid=actor.uuid,
        now_ms=now_ms,
    )
    return records


async def create_role_actions(
    session: AsyncSession,
    mdms: MdmsClient,
    *,
    tenant_id: str | None,
    role_code: str | None,
    actions: Sequence[dict[str, Any]],
    actor: Actor,
    now_ms: int,
) -> list[dict[str, Any]]:
    """DIGIT role-actions/_create: map a role to actions named (or numbered) in the tenant's action master.

    Written to the state's master (a city's own master would hide every mapping of its state)."""
    faults = []
    if not tenant_id:
        faults.append(("accesscontrol.0001", "Tenant Id is required"))
    if not role_code:
        faults.append(("accesscontrol.0010", "Role Code is required"))
    if not actions:
        faults.append(("accesscontrol.0011", "Atleast One Action is Required "))
    if faults or tenant_id is None or role_code is None:
        raise Invalid.many(faults)
    known = [
        a
        for a in await mdms.get_master(tenant_id=tenant_id, module=ACTIONS[0], master=ACTIONS[1])
        if isinstance(a, dict)
    ]
    by_name = {a.get("name"): a.get("id") for a in known}
    by_id = {a.get("id") for a in known}
    action_ids = []
    for action in actions:
        found = action.get("id") if action.get("id") in by_id else by_name.get(action.get("name"))
        if found is None:
            raise Invalid("accesscontrol.0005", "Action Name Does Not Exit", params=["name"])
        action_ids.append(found)
    state = state_of(tenant_id)
    mapped = await mdms.get_master(tenant_id=state, module=ROLE_ACTIONS[0], master=ROLE_ACTIONS[1])
    taken = {(m.get("rolecode"), m.get("actionid")) for m in mapped if isinstance(m, dict)}
    if any((role_code, action_id) in taken for action_id in action_ids) or len(set(action_ids)) < len(action_ids):
        raise Invalid("accesscontrol.0014", "RoleCode And Tenant And ActionId Combination Already Exist.")
    records = [{"rolecode": role_code, "actionid": i, "actioncode": "", "tenantId": tenant_id} for i in action_ids]
    await mdms.upsert_records(
        session,
        tenant_id=state,
        module=ROLE_ACTIONS[0],
        master=ROLE_ACTIONS[1],
        records=records,
        actor_uuid=actor.uuid,
        now_ms=now_ms,
    )
    return [{"roleCode": role_code, "actionId": i, "tenantId": tenant_id} for i in action_ids]
