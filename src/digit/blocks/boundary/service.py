"""Boundary rules: egov-location v11 search over MDMS `egov-location.TenantBoundary`, and boundary-service v2
(entities, hierarchy definitions, relationships returned as trees)."""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from digit.blocks.boundary.models import BoundaryRow, HierarchyRow, RelationshipRow
from digit.blocks.boundary.schemas import BoundarySearch, LocationSearch, RelationshipSearch
from digit.blocks.mdms.client import MdmsClient, Tenant
from digit.kernel.db import stamp
from digit.kernel.errors import Invalid
from digit.kernel.tenancy import lineage

log = logging.getLogger(__name__)

LOCALITY = "locality"


# ---------------------------------------------------------------- egov-location v11 (MDMS TenantBoundary)


def roots_of(record: dict[str, Any]) -> list[dict[str, Any]]:
    """A TenantBoundary record's top boundaries: DIGIT's data holds one object; some data holds a list."""
    boundary = record.get("boundary")
    if isinstance(boundary, dict):
        return [boundary]
    if isinstance(boundary, list):
        return [b for b in boundary if isinstance(b, dict)]
    return []


def walk(nodes: Sequence[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    """Every node, depth first, parents before children."""
    for node in nodes:
        yield node
        children = node.get("children")
        if isinstance(children, list):
            yield from walk([c for c in children if isinstance(c, dict)])


def _label(node: dict[str, Any]) -> str:
    return str(node.get("label") or node.get("boundaryType") or "").lower()


def hierarchy_records(records: Sequence[Any], hierarchy_type: str | None) -> list[dict[str, Any]]:
    wanted = hierarchy_type.lower() if hierarchy_type else None
    found = []
    for record in records:
        if not isinstance(record, dict):
            continue
        code = str((record.get("hierarchyType") or {}).get("code", "")).lower()
        if wanted is None or code == wanted:
            found.append(record)
    return found


async def search_location(mdms: MdmsClient, *, tenant_id: str, criteria: LocationSearch) -> list[dict[str, Any]]:
    """DIGIT's `/location/v11/boundarys/_search` over the tenant's `egov-location.TenantBoundary` master: per
    hierarchy, the whole tree, or the boundaries of a type, or the boundaries with the given codes (each with
    its subtree)."""
    records = await mdms.get_master(tenant_id=tenant_id, module="egov-location", master="TenantBoundary")
    hierarchy_type = criteria.hierarchy_type_code
    result = []
    wanted_codes = set(criteria.codes)
    wanted_type = criteria.boundary_type.lower() if criteria.boundary_type else None
    for record in hierarchy_records(records, hierarchy_type):
        roots = roots_of(record)
        if wanted_codes or wanted_type:
            boundaries = [
                node
                for node in walk(roots)
                if (not wanted_codes or node.get("code") in wanted_codes)
                and (wanted_type is None or _label(node) == wanted_type)
            ]
        else:
            boundaries = roots
        if not boundaries and not hierarchy_type:
            continue
        result.append({"tenantId": tenant_id, "hierarchyType": record.get("hierarchyType"), "boundary": boundaries})
    return result


def localities(records: Sequence[Any], *, hierarchy_type: str = "ADMIN") -> list[dict[str, Any]]:
    """Nodes labelled Locality; where a hierarchy has none (e.g. Nairobi's ends at Ward), its leaves."""
    found: list[dict[str, Any]] = []
    for record in hierarchy_records(records, hierarchy_type):
        nodes = list(walk(roots_of(record)))
        labelled = [n for n in nodes if _label(n) == LOCALITY]
        found.extend(labelled or [n for n in nodes if not n.get("children")])
    return found


# ---------------------------------------------------------------- boundary-service v2: entities


def boundary_wire(row: BoundaryRow) -> dict[str, Any]:
    return {
        "id": row.id,
        "tenantId": row.tenant_id,
        "code": row.code,
        "geometry": row.geometry,
        "additionalDetails": row.additional_details,
        "auditDetails": row.audit_details(),
    }


async def create_boundaries(
    session: AsyncSession, *, boundaries: Sequence[dict[str, Any]], actor_uuid: str, now_ms: int
) -> list[dict[str, Any]]:
    """Boundary entities (code + GeoJSON geometry); a code is unique per tenant."""
    keys = [(b["tenantId"], b["code"]) for b in boundaries]
    if len(set(keys)) < len(keys):
        raise Invalid("DUPLICATE_CODE", "a tenantId and code appear twice in the request")
    clashes = []
    for tenant_id, code in keys:
        found = await session.scalar(
            select(BoundaryRow.id).where(BoundaryRow.tenant_id == tenant_id, BoundaryRow.code == code)
        )
        if found is not None:
            clashes.append(code)
    if clashes:
        raise Invalid("DUPLICATE_CODE", f"boundary codes already exist: {', '.join(clashes)}", params=clashes)
    rows = []
    for boundary in boundaries:
        row = BoundaryRow(
            tenant_id=boundary["tenantId"],
            code=boundary["code"],
            geometry=boundary.get("geometry"),
            additional_details=boundary.get("additionalDetails"),
        )
        stamp(row, actor_uuid=actor_uuid, now_ms=now_ms)
        session.add(row)
        rows.append(row)
    await session.flush()
    return [boundary_wire(r) for r in rows]


async def update_boundaries(
    session: AsyncSession, *, boundaries: Sequence[dict[str, Any]], actor_uuid: str, now_ms: int
) -> list[dict[str, Any]]:
    """boundary-service `boundary/_update`: replace the geometry and additionalDetails of existing entities,
    found by tenantId and code (DIGIT's key; the code itself never changes)."""
    keys = [(b["tenantId"], b["code"]) for b in boundaries]
    if len(set(keys)) < len(keys):
        raise Invalid("DUPLICATE_BOUNDARY", "a tenantId and code appear twice in the request")
    rows: list[BoundaryRow] = []
    missing: list[str] = []
    for tenant_id, code in keys:
        row = await session.scalar(
            select(BoundaryRow).where(BoundaryRow.tenant_id == tenant_id, BoundaryRow.code == code)
        )
        if row is None:
            missing.append(code)
        else:
            rows.append(row)
    if missing:
        raise Invalid(
            "NOT_FOUND_CODE_AND_TENANT_ID_CODE",
            f"Tenant Id and Code combination not found: {', '.join(missing)}",
            params=missing,
        )
    for row, boundary in zip(rows, boundaries, strict=True):
        row.geometry = boundary.get("geometry")
        row.additional_details = boundary.get("additionalDetails")
        stamp(row, actor_uuid=actor_uuid, now_ms=now_ms)
    await session.flush()
    return [boundary_wire(r) for r in rows]


async def search_boundaries(session: AsyncSession, *, tenant_id: str, criteria: BoundarySearch) -> list[dict[str, Any]]:
    """boundary-service `boundary/_search`: a page of the tenant's boundaries (of some codes), by code."""
    query = select(BoundaryRow).where(BoundaryRow.tenant_id == tenant_id)
    if criteria.codes:
        query = query.where(BoundaryRow.code.in_(criteria.codes))
    rows = await session.scalars(criteria.page(query.order_by(BoundaryRow.code)))
    return [boundary_wire(r) for r in rows]


# ---------------------------------------------------------------- hierarchy definitions


def hierarchy_wire(row: HierarchyRow) -> dict[str, Any]:
    return {
        "id": row.id,
        "tenantId": row.tenant_id,
        "hierarchyType": row.hierarchy_type,
        "boundaryHierarchy": row.boundary_hierarchy,
        "auditDetails": row.audit_details(),
    }


def check_levels(levels: Sequence[dict[str, Any]]) -> None:
    """One root (no parent), every parent a type declared before it, no type twice."""
    seen: set[str] = set()
    faults: list[tuple[str, str]] = []
    for index, level in enumerate(levels):
        kind, parent = level["boundaryType"], level.get("parentBoundaryType")
        if kind in seen:
            faults.append(("DUPLICATE_BOUNDARY_TYPE", f"boundaryHierarchy[{index}]: {kind!r} appears twice"))
        if index == 0 and parent:
            faults.append(
                ("INVALID_HIERARCHY", "boundaryHierarchy[0] is the root: its parentBoundaryType must be null")
            )
        if index > 0 and parent not in seen:
            faults.append(
                ("INVALID_HIERARCHY", f"boundaryHierarchy[{index}]: parent {parent!r} is not a type declared before it")
            )
        seen.add(kind)
    if faults:
        raise Invalid.many(faults)


async def create_hierarchy(
    session: AsyncSession,
    *,
    tenant_id: str,
    hierarchy_type: str,
    levels: list[dict[str, Any]],
    actor_uuid: str,
    now_ms: int,
) -> dict[str, Any]:
    check_levels(levels)
    exists = await session.scalar(
        select(HierarchyRow.id).where(
            HierarchyRow.tenant_id == tenant_id, HierarchyRow.hierarchy_type == hierarchy_type
        )
    )
    if exists is not None:
        raise Invalid(
            "DUPLICATE_HIERARCHY_TYPE",
            f"hierarchy {hierarchy_type!r} already exists for {tenant_id}",
            params=[hierarchy_type],
        )
    row = HierarchyRow(tenant_id=tenant_id, hierarchy_type=hierarchy_type, boundary_hierarchy=levels)
    stamp(row, actor_uuid=actor_uuid, now_ms=now_ms)
    session.add(row)
    await session.flush()
    return hierarchy_wire(row)


async def find_hierarchy(session: AsyncSession, *, tenant_id: str, hierarchy_type: str) -> HierarchyRow | None:
    """The hierarchy of the most specific tenant (city, else its state) that defines it."""
    rows = {
        row.tenant_id: row
        for row in await session.scalars(
            select(HierarchyRow).where(
                HierarchyRow.hierarchy_type == hierarchy_type, HierarchyRow.tenant_id.in_(lineage(tenant_id))
            )
        )
    }
    return next((rows[t] for t in lineage(tenant_id) if t in rows), None)


async def search_hierarchies(
    session: AsyncSession, *, tenant_id: str, hierarchy_type: str | None, offset: int, limit: int
) -> tuple[list[dict[str, Any]], int]:
    query = select(HierarchyRow).where(HierarchyRow.tenant_id.in_(lineage(tenant_id)))
    if hierarchy_type:
        query = query.where(HierarchyRow.hierarchy_type == hierarchy_type)
    order = {t: i for i, t in enumerate(lineage(tenant_id))}
    best: dict[str, HierarchyRow] = {}
    for row in await session.scalars(query):
        current = best.get(row.hierarchy_type)
        if current is None or order[row.tenant_id] < order[current.tenant_id]:
            best[row.hierarchy_type] = row
    rows = sorted(best.values(), key=lambda r: r.hierarchy_type)
    return [hierarchy_wire(r) for r in rows[offset : offset + limit]], len(rows)


# ---------------------------------------------------------------- relationships


async def _hierarchy_levels(
    session: AsyncSession, *, tenant_id: str, hierarchy_type: str, boundary_type: str
) -> dict[str, str | None]:
    """Each level of the hierarchy with the level above it; the boundary type must be one of them."""
    hierarchy = await session.scalar(
        select(HierarchyRow).where(HierarchyRow.tenant_id == tenant_id, HierarchyRow.hierarchy_type == hierarchy_type)
    )
    if hierarchy is None:
        raise Invalid(
            "INVALID_HIERARCHY_TYPE", f"no hierarchy {hierarchy_type!r} for {tenant_id}", params=[hierarchy_type]
        )
    levels = {level["boundaryType"]: level.get("parentBoundaryType") for level in hierarchy.boundary_hierarchy}
    if boundary_type not in levels:
        raise Invalid(
            "INVALID_BOUNDARY_TYPE",
            f"{boundary_type!r} is not a level of hierarchy {hierarchy_type!r}",
            params=[boundary_type],
        )
    return levels


async def _ancestral_path(
    session: AsyncSession,
    *,
    tenant_id: str,
    hierarchy_type: str,
    boundary_type: str,
    expected_parent_type: str | None,
    parent: str | None,
) -> str:
    """The materialised path above a new node, after checking its parent is of the level above (or absent at top)."""
    if expected_parent_type is None:
        if parent:
            raise Invalid("INVALID_PARENT", f"{boundary_type!r} is the top level: it takes no parent", params=[parent])
        return ""
    if not parent:
        raise Invalid("INVALID_PARENT", f"a {boundary_type!r} needs a parent {expected_parent_type!r}")
    parent_row = await session.scalar(
        select(RelationshipRow).where(
            RelationshipRow.tenant_id == tenant_id,
            RelationshipRow.hierarchy_type == hierarchy_type,
            RelationshipRow.code == parent,
        )
    )
    if parent_row is None or parent_row.boundary_type != expected_parent_type:
        raise Invalid(
            "INVALID_PARENT",
            f"the parent of a {boundary_type!r} must be a {expected_parent_type!r} of {hierarchy_type!r}",
            params=[parent],
        )
    return f"{parent_row.ancestral_materialized_path}|{parent}" if parent_row.ancestral_materialized_path else parent


async def create_relationship(
    session: AsyncSession,
    *,
    tenant_id: str,
    code: str,
    hierarchy_type: str,
    boundary_type: str,
    parent: str | None,
    actor_uuid: str,
    now_ms: int,
) -> dict[str, Any]:
    """Place a boundary entity in a hierarchy under a parent of the type the definition puts above it."""
    levels = await _hierarchy_levels(
        session, tenant_id=tenant_id, hierarchy_type=hierarchy_type, boundary_type=boundary_type
    )
    entity = await session.scalar(
        select(BoundaryRow.id).where(BoundaryRow.tenant_id == tenant_id, BoundaryRow.code == code)
    )
    if entity is None:
        raise Invalid(
            "INVALID_BOUNDARY_CODE", f"no boundary entity {code!r} for {tenant_id}: create it first", params=[code]
        )
    existing = await session.scalar(
        select(RelationshipRow.id).where(
            RelationshipRow.tenant_id == tenant_id,
            RelationshipRow.hierarchy_type == hierarchy_type,
            RelationshipRow.code == code,
        )
    )
    if existing is not None:
        raise Invalid("DUPLICATE_RELATIONSHIP", f"{code!r} is already placed in {hierarchy_type!r}", params=[code])
    path = await _ancestral_path(
        session,
        tenant_id=tenant_id,
        hierarchy_type=hierarchy_type,
        boundary_type=boundary_type,
        expected_parent_type=levels[boundary_type],
        parent=parent,
    )
    row = RelationshipRow(
        tenant_id=tenant_id,
        hierarchy_type=hierarchy_type,
        boundary_type=boundary_type,
        code=code,
        parent=parent or None,
        ancestral_materialized_path=path,
    )
    stamp(row, actor_uuid=actor_uuid, now_ms=now_ms)
    session.add(row)
    await session.flush()
    node: dict[str, Any] = {
        "id": row.id,
        "code": code,
        "boundaryType": boundary_type,
        "parent": row.parent,
        "children": [],
    }
    return {"tenantId": tenant_id, "hierarchyType": hierarchy_type, "boundary": [node]}


def _node(row: RelationshipRow) -> dict[str, Any]:
    return {"id": row.id, "code": row.code, "boundaryType": row.boundary_type, "children": []}


def _subtree(row: RelationshipRow, children: dict[str | None, list[RelationshipRow]], deep: bool) -> dict[str, Any]:
    """The node of `row`, with its descendants when `deep`."""
    node = _node(row)
    if deep:
        node["children"] = [_subtree(c, children, True) for c in children.get(row.code, [])]
    return node


def _ancestor_forest(
    selected: list[RelationshipRow],
    by_code: dict[str, RelationshipRow],
    children: dict[str | None, list[RelationshipRow]],
    include_children: bool,
) -> list[dict[str, Any]]:
    """Merge the ancestor chains of every selected node into one forest (shared ancestors appear once)."""
    roots: list[dict[str, Any]] = []
    made: dict[str, dict[str, Any]] = {}
    for row in selected:
        chain = [by_code[c] for c in row.ancestral_materialized_path.split("|") if c and c in by_code]
        siblings = roots
        for ancestor in chain:
            link = made.get(ancestor.code)
            if link is None:
                link = _node(ancestor)
                made[ancestor.code] = link
                siblings.append(link)
            siblings = link["children"]
        if row.code not in made:
            leaf = _subtree(row, children, include_children)
            made[row.code] = leaf
            siblings.append(leaf)
    return roots


async def search_relationships(
    session: AsyncSession, *, tenant_id: str, criteria: RelationshipSearch
) -> list[dict[str, Any]]:
    """The hierarchy as a tree: all of it, or the boundaries asked for (by code, type or parent), with their
    subtrees (`includeChildren`) and the chain of their ancestors (`includeParents`)."""
    hierarchy_type, codes = criteria.hierarchy_type, criteria.codes
    boundary_type, parent = criteria.boundary_type, criteria.parent
    include_children, include_parents = criteria.include_children, criteria.include_parents
    hierarchy = await find_hierarchy(session, tenant_id=tenant_id, hierarchy_type=hierarchy_type)
    if hierarchy is None:
        return []
    owner = hierarchy.tenant_id
    rows = list(
        await session.scalars(
            select(RelationshipRow)
            .where(RelationshipRow.tenant_id == owner, RelationshipRow.hierarchy_type == hierarchy_type)
            .order_by(RelationshipRow.code)
        )
    )
    by_code = {r.code: r for r in rows}
    children: dict[str | None, list[RelationshipRow]] = {}
    for row in rows:
        children.setdefault(row.parent, []).append(row)
    if codes or boundary_type or parent:
        selected = [
            r
            for r in rows
            if (not codes or r.code in codes)
            and (boundary_type is None or r.boundary_type == boundary_type)
            and (parent is None or r.parent == parent)
        ]
    else:
        selected = children.get(None, [])
        include_parents = False
    if not include_parents:
        deep = include_children or not (codes or boundary_type or parent)
        boundary = [_subtree(r, children, deep) for r in selected]
        return [{"tenantId": owner, "hierarchyType": hierarchy_type, "boundary": boundary}]
    roots = _ancestor_forest(selected, by_code, children, include_children)
    return [{"tenantId": owner, "hierarchyType": hierarchy_type, "boundary": roots}]


# ---------------------------------------------------------------- demo: v2 from the v1 demo data

DEMO_LEVELS: list[dict[str, Any]] = [
    {"boundaryType": "State", "parentBoundaryType": None, "active": True},
    {"boundaryType": "District", "parentBoundaryType": "State", "active": True},
    {"boundaryType": "City", "parentBoundaryType": "District", "active": True},
    {"boundaryType": "Zone", "parentBoundaryType": "City", "active": True},
    {"boundaryType": "Ward", "parentBoundaryType": "Zone", "active": True},
    {"boundaryType": "Locality", "parentBoundaryType": "Ward", "active": True},
]


async def seed_state_hierarchy(
    session: AsyncSession,
    *,
    state_id: str,
    state_name: str,
    cities: Sequence[tuple[Tenant, list[dict[str, Any]]]],
    actor_uuid: str,
    now_ms: int,
) -> int:
    """ADMIN hierarchy State -> District -> City -> Zone -> Ward -> Locality at the state tenant, built from
    each city's tenant record and its v1 TenantBoundary tree. Does nothing if the state already has one."""
    if await find_hierarchy(session, tenant_id=state_id, hierarchy_type="ADMIN") is not None:
        return 0
    await create_hierarchy(
        session, tenant_id=state_id, hierarchy_type="ADMIN", levels=DEMO_LEVELS, actor_uuid=actor_uuid, now_ms=now_ms
    )
    placed = 0

    async def place(code: str, kind: str, parent: str | None, geometry: dict[str, Any] | None) -> None:
        nonlocal placed
        exists = await session.scalar(
            select(BoundaryRow.id).where(BoundaryRow.tenant_id == state_id, BoundaryRow.code == code)
        )
        if exists is None:
            await create_boundaries(
                session,
                boundaries=[{"tenantId": state_id, "code": code, "geometry": geometry}],
                actor_uuid=actor_uuid,
                now_ms=now_ms,
            )
        await create_relationship(
            session,
            tenant_id=state_id,
            code=code,
            hierarchy_type="ADMIN",
            boundary_type=kind,
            parent=parent,
            actor_uuid=actor_uuid,
            now_ms=now_ms,
        )
        placed += 1

    await place(state_id.upper(), "State", None, None)
    districts: set[str] = set()
    for tenant, tree in cities:
        district_name = (tenant.city.district_name if tenant.city else None) or tenant.code
        district = f"{state_id.upper()}_DISTRICT_{district_name.upper().replace(' ', '_')}"
        if district not in districts:
            await place(district, "District", state_id.upper(), None)
            districts.add(district)
        for root in tree:
            await _place_tree(place, root, district)
    return placed


async def _place_tree(place: Any, node: dict[str, Any], parent: str) -> None:
    kind = str(node.get("label") or "")
    latitude, longitude = node.get("latitude"), node.get("longitude")
    geometry = (
        {"type": "Point", "coordinates": [longitude, latitude]}
        if isinstance(latitude, int | float) and isinstance(longitude, int | float)
        else None
    )
    await place(node["code"], kind, parent, geometry)
    for child in node.get("children") or []:
        if isinstance(child, dict):
            await _place_tree(place, child, node["code"])
