"""The one place that turns a request into the tenants it names, and the tenants a handler may use.

Tenant smuggling is a request that shows the access gate one tenant and the handler another (the
gate reading the body, the handler the query string; or a snake_case `tenant_id` that a model
accepts and the gate never saw). It is closed by construction:

- Every place a request can name a tenant is read here: path parameters, the query string, the JSON
  body (at any depth, outside RequestInfo), form fields and Studio's `X-Tenant-Id` header, in every
  spelling a model accepts
  (`tenantId`, `tenant_id`, `tenantid`, `TenantId`, `tenantIds`, Open311's `jurisdiction_id`).
- A request whose places disagree (the query says `pb.amritsar`, the body `pb.jalandhar`) is refused
  with 400 `TENANT_MISMATCH` before any handler runs.
- The gate authorises every tenant named (`CallTenants.authorised`), and handlers take a query
  tenant through `TenantQuery`, which hands out only what the gate authorised.

One tenant named is excused from authorisation: a state named *deeper* inside a JSON object than one
of its own cities (`service.tenantId = pb.amritsar`, `service.citizen.tenantId = pb`). That is a
reference to a state-level registry (a citizen's or payer's home tenant), not the scope of the call.
A state named at the same depth or shallower than its city is a scope and must be authorised: a body
`{"tenantId": "pb", "x": {"tenantId": "pb.jalandhar"}}` does not buy a state-wide search. The one
exception is DIGIT DSS's top-level `headers.tenantId`, which its UI always sets to the state of the
deployment while `filters.tenantId` names the cities asked about: it counts as named deeper than any
other place, so it is a scope only when no city of it is named elsewhere.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, Query, Request

from digit.kernel.envelope import split_values
from digit.kernel.errors import Forbidden, Invalid

TENANT_KEYS = frozenset({"tenantid", "tenantids", "jurisdictionid"})
"""Spellings of a tenant field, normalised (lower case, `_` and `-` removed)."""

REQUEST_INFO_KEYS = frozenset({"requestinfo"})
DSS_HEADERS_KEY = "headers"
DSS_HEADERS_DEPTH = 1_000
TENANT_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}(\.[A-Za-z0-9_-]{1,64}){0,4}$")
MAX_TENANTS = 100


def is_tenant_key(key: str) -> bool:
    return key.lower().replace("_", "").replace("-", "") in TENANT_KEYS


@dataclass(frozen=True)
class CallTenants:
    """The tenants a request names, by place, and the set the caller must be (and was) authorised for."""

    by_place: Mapping[str, frozenset[str]]
    authorised: frozenset[str]
    named: bool

    def allows(self, tenant_id: str) -> bool:
        return tenant_id in self.authorised


def _check_format(values: Iterable[str], place: str) -> None:
    for value in values:
        if not TENANT_ID.match(value):
            raise Invalid("INVALID_TENANT_ID", f"{place}: '{value[:80]}' is not a tenant id", params=["tenantId"])


def _body_tenants(node: Any, depth: int, found: dict[str, int]) -> None:
    """Every tenant named in a JSON body, with the shallowest depth it appears at."""
    if isinstance(node, dict):
        for key, value in node.items():
            normal = str(key).lower().replace("_", "").replace("-", "")
            if normal in REQUEST_INFO_KEYS:
                continue
            if depth == 0 and normal == DSS_HEADERS_KEY and isinstance(value, dict):
                _body_tenants(value, DSS_HEADERS_DEPTH, found)  # see the module docstring
                continue
            if normal in TENANT_KEYS and _is_names(value):
                for tenant in split_values(value):
                    found[tenant] = min(depth, found.get(tenant, depth))
            else:  # a tenant field of the wrong type fails the model's own validation, naming the field
                _body_tenants(value, depth + 1, found)
    elif isinstance(node, list):
        for item in node:
            _body_tenants(item, depth, found)


def _is_names(value: Any) -> bool:
    return isinstance(value, str) or (isinstance(value, list) and all(isinstance(v, str) for v in value))


def _scopes(depths: Mapping[str, int]) -> set[str]:
    """Drop a state named deeper than one of its cities (see the module docstring)."""
    return {
        tenant
        for tenant, depth in depths.items()
        if not any(other.startswith(tenant + ".") and other_depth < depth for other, other_depth in depths.items())
    }


def from_places(
    *,
    path: Mapping[str, str],
    query: Iterable[tuple[str, str]],
    body: Any,
    form: Iterable[tuple[str, Any]],
    header: str | None = None,
) -> tuple[dict[str, frozenset[str]], set[str]]:
    """The tenants of each place, and the scopes among them (what must be authorised)."""
    by_place: dict[str, frozenset[str]] = {}
    if header:
        _check_format([header], "header")
        by_place["header"] = frozenset([header])
    path_tenants = [v for k, v in path.items() if is_tenant_key(k)]
    query_tenants = [t for k, v in query if is_tenant_key(k) for t in split_values(v)]
    form_tenants = [t for k, v in form if is_tenant_key(k) and isinstance(v, str) for t in split_values(v)]
    depths: dict[str, int] = {}
    _body_tenants(body, 0, depths)
    for place, values in (("path", path_tenants), ("query", query_tenants), ("form", form_tenants)):
        if values:
            _check_format(values, place)
            by_place[place] = frozenset(values)
    if depths:
        _check_format(depths, "body")
        by_place["body"] = frozenset(depths)
    scopes = set().union(*(v for k, v in by_place.items() if k != "body")) | _scopes(depths)
    if len(scopes) > MAX_TENANTS:
        raise Invalid("TOO_MANY_TENANTS", f"a request names at most {MAX_TENANTS} tenants")
    _check_places_agree(by_place, depths)
    return by_place, scopes


def _check_places_agree(by_place: Mapping[str, frozenset[str]], depths: Mapping[str, int]) -> None:
    effective = {place: (frozenset(_scopes(depths)) if place == "body" else names) for place, names in by_place.items()}
    if len(set(effective.values())) > 1:
        said = "; ".join(f"{place}: {', '.join(sorted(names))}" for place, names in sorted(effective.items()))
        raise Invalid(
            "TENANT_MISMATCH",
            f"the request names different tenants in different places ({said}); name one tenant, once",
            params=["tenantId"],
        )


def call_tenants(request: Request) -> CallTenants:
    """What the access gate resolved for this request (it always runs first)."""
    found: CallTenants | None = getattr(request.state, "tenants", None)
    if found is None:  # a route mounted outside the gate: nothing is authorised
        return CallTenants(by_place={}, authorised=frozenset(), named=False)
    return found


# The dependencies below are coroutines although they do no I/O: FastAPI runs a plain `def` dependency in a
# worker thread, a thread hop per request for a set lookup.


def _authorised(request: Request, tenant_id: str) -> str:
    if not call_tenants(request).allows(tenant_id):
        raise Forbidden("NOT_AUTHORIZED", f"not authorized for tenant {tenant_id}")
    return tenant_id


async def query_tenant(
    request: Request, tenant_id: Annotated[str, Query(alias="tenantId", min_length=1, max_length=256)]
) -> str:
    """The `tenantId` query parameter, handed out only when the gate authorised it."""
    return _authorised(request, tenant_id)


async def optional_query_tenant(
    request: Request, tenant_id: Annotated[str | None, Query(alias="tenantId", min_length=1, max_length=256)] = None
) -> str | None:
    if tenant_id is None:
        return None
    return _authorised(request, tenant_id)


async def query_tenant_ids(
    request: Request,
    tenant_ids: Annotated[list[str] | None, Query(alias="tenantIds")] = None,
    tenant_id: Annotated[list[str] | None, Query(alias="tenantId")] = None,
) -> list[str]:
    """The `tenantIds` query list (comma-separated, possibly repeated; some DIGIT pages send `tenantId`),
    each one authorised by the gate."""
    named = list(dict.fromkeys(split_values(tenant_ids) + split_values(tenant_id)))
    refused = [t for t in named if not call_tenants(request).allows(t)]
    if refused:
        raise Forbidden("NOT_AUTHORIZED", f"not authorized for tenant {refused[0]}", params=refused)
    return named


async def authorised_tenants(request: Request) -> frozenset[str]:
    """Every tenant the gate authorised for this call (those it names, else the caller's own)."""
    return call_tenants(request).authorised


TenantQuery = Annotated[str, Depends(query_tenant)]
OptionalTenantQuery = Annotated[str | None, Depends(optional_query_tenant)]
QueryTenantIds = Annotated[list[str], Depends(query_tenant_ids)]
AuthorisedTenants = Annotated[frozenset[str], Depends(authorised_tenants)]
