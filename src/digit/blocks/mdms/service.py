"""Master data rules: fallback city -> state, DIGIT's JSONPath filters, unique keys, versioned cache.

v1 (`egov-mdms-service`) and v2 (`mdms-v2`) share one store: a master is a schema code `module.master`
with a JSON Schema per tenant and records keyed by the schema's `x-unique` fields.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import jsonpath
from jsonschema import Draft7Validator
from jsonschema.exceptions import SchemaError
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from digit.blocks.mdms.models import DataRow, SchemaRow, VersionRow
from digit.blocks.mdms.schemas import MdmsCriteriaV2
from digit.kernel.clock import Clock
from digit.kernel.db import stamp
from digit.kernel.errors import Conflict, Invalid, NotFound
from digit.kernel.tenancy import lineage, state_of
from digit.kernel.versions import counter_audit

log = logging.getLogger(__name__)

UNIQUE_KEY_GUESSES = (
    "code",
    "serviceCode",
    "id",
    "idname",
    "key",
    "patternId",
    "model",
    "jobName",
    "businessService",
    "name",
)

# The x-unique fields DIGIT's own MDMS v2 schemas declare for masters this platform reads; a master loaded
# without a schema gets these rather than a guess, so duplicate codes in real data are caught and named.
KNOWN_UNIQUE_KEYS: dict[str, list[str]] = {
    "tenant.tenants": ["code"],
    "tenant.citymodule": ["code"],
    "ACCESSCONTROL-ROLES.roles": ["code"],
    "ACCESSCONTROL-ACTIONS-TEST.actions-test": ["id"],
    "ACCESSCONTROL-ROLEACTIONS.roleactions": ["rolecode", "actionid"],
    "RAINMAKER-PGR.ServiceDefs": ["serviceCode"],
    "common-masters.Department": ["code"],
    "common-masters.Designation": ["code"],
    "common-masters.IdFormat": ["idname"],
    "common-masters.GenderType": ["code"],
    "egov-hrms.EmployeeStatus": ["code"],
    "egov-hrms.EmployeeType": ["code"],
    "egov-hrms.DeactivationReason": ["code"],
    "egov-location.TenantBoundary": ["hierarchyType.code"],  # one tree per hierarchy per tenant
    "Workflow.BusinessService": ["businessService"],
    "DataSecurity.SecurityPolicy": ["model"],
    "DataSecurity.MaskingPatterns": ["patternId"],
    "Studio.ServiceConfiguration": ["module", "service"],  # DIGIT Studio: uniqueIdentifier {module}.{service}
}

TENANT_SCHEMA = "tenant.tenants"
INVALID_TENANT_V1 = "Invalid_tenantId.MdmsCriteria.tenantId"  # DIGIT egov-mdms-service's own code


def schema_code(module: str, master: str) -> str:
    return f"{module}.{master}"


def split_schema_code(code: str) -> tuple[str, str]:
    module, _, master = code.partition(".")
    return module, master


# ---------------------------------------------------------------- JSONPath filters (Jayway dialect)

_QUOTED = re.compile(r"'(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\"")
_NIN = re.compile(r"(@[\w.-]*)\s+nin\s+(\[(?:[^\]'\"]|'[^']*'|\"[^\"]*\")*\])", re.IGNORECASE)
_UNSUPPORTED = re.compile(r"\b(anyof|noneof|subsetof|size|empty)\b", re.IGNORECASE)


def _outside_quotes(expression: str, rewrite: Any) -> str:
    """Apply `rewrite` to the parts of a filter that are not string literals."""
    parts, last = [], 0
    for match in _QUOTED.finditer(expression):
        parts.append(rewrite(expression[last : match.start()]))
        parts.append(match.group(0))
        last = match.end()
    parts.append(rewrite(expression[last:]))
    return "".join(parts)


def normalise_filter(path: str) -> str:
    """Jayway's spelling -> python-jsonpath's: `$.[?(...)]`, `IN`, `NIN`; refuses what it cannot read."""
    expression = path.strip()
    if expression.startswith(("[", ".")):
        expression = "$" + expression
    if expression.startswith("$.["):
        expression = "$[" + expression[3:]
    if not expression.startswith(("$[", "$.")) or len(expression) < 3:
        raise Invalid("INVALID_FILTER", f"cannot read the filter {path!r}: it must start with '[', '$[' or '$.'")

    def rewrite(text: str) -> str:
        unsupported = _UNSUPPORTED.search(text)
        if unsupported:
            raise Invalid("INVALID_FILTER", f"cannot read the filter {path!r}: {unsupported.group(0)} is not supported")
        return re.sub(r"\s+IN\s+", " in ", text)

    expression = _NIN.sub(lambda m: f"!({m.group(1)} IN {m.group(2)})", expression)
    return _outside_quotes(expression, rewrite)


def apply_filter(records: list[Any], path: str | None) -> list[Any]:
    """Apply a DIGIT (Jayway) JSONPath filter such as `[?(@.active==true)]` to a master's records."""
    if not path:
        return records
    expression = normalise_filter(path)
    try:
        return list(jsonpath.findall(expression, records))
    except jsonpath.JSONPathError as error:
        reason = str(error).splitlines()[0]
        raise Invalid("INVALID_FILTER", f"cannot read the filter {path!r}: {reason}", params=[path]) from None


# ---------------------------------------------------------------- schemas and unique keys


def _field_values(record: Any, path: str) -> list[Any]:
    expression = path if path.startswith("$") else "$." + path
    try:
        return list(jsonpath.findall(expression, record))
    except jsonpath.JSONPathError:
        return []


def unique_identifier(definition: dict[str, Any], record: dict[str, Any]) -> str:
    """Values of the schema's `x-unique` paths joined with '.', as DIGIT's MDMS v2 builds it."""
    paths = definition.get("x-unique") or []
    if not paths:
        canonical = json.dumps(record, sort_keys=True, separators=(",", ":"), default=str)
        return hashlib.sha256(canonical.encode()).hexdigest()[:32]
    values = []
    for path in paths:
        found = _field_values(record, path)
        value = found[0] if found else None
        if value is None or value == "" or isinstance(value, dict | list):
            raise Invalid("UNIQUE_IDENTIFIER_EMPTY_ERR", f"the unique field {path!r} is empty", params=[path])
        values.append(str(value).lower() if isinstance(value, bool) else str(value))
    return ".".join(values)


def guess_definition(records: Sequence[Any], *, code: str | None = None) -> dict[str, Any]:
    """A permissive schema for a master loaded without one.

    DIGIT's own unique keys for masters it knows; otherwise a field present, non-empty and unique in every
    record; otherwise none (each distinct record is its own key, identical copies collapse).
    """
    if code is not None and code in KNOWN_UNIQUE_KEYS:
        return {"type": "object", "x-unique": list(KNOWN_UNIQUE_KEYS[code]), "x-guessed": True}
    objects = [r for r in records if isinstance(r, dict)]
    for key in UNIQUE_KEY_GUESSES:
        values = [r.get(key) for r in objects]
        if (
            values
            and all(v not in (None, "") and not isinstance(v, dict | list) for v in values)
            and len({str(v) for v in values}) == len(values)
        ):
            return {"type": "object", "x-unique": [key], "x-guessed": True}
    return {"type": "object", "x-guessed": True}


def check_definition(definition: dict[str, Any]) -> None:
    """DIGIT's schema rules: a valid draft-07 schema, non-empty `required` and `x-unique`, unique ⊆ required."""
    faults: list[tuple[str, str]] = []
    try:
        Draft7Validator.check_schema(definition)
    except SchemaError as error:
        faults.append(("INVALID_SCHEMA_DEFINITION", f"not a valid JSON Schema: {error.message}"))
    required = definition.get("required")
    unique = definition.get("x-unique")
    if not isinstance(required, list) or not required:
        faults.append(("REQUIRED_ATTRIBUTE_LIST_ERR", "Required attribute list cannot be empty"))
    if not isinstance(unique, list) or not unique:
        faults.append(("UNIQUE_ATTRIBUTE_LIST_ERR", "Unique attribute list cannot be empty"))
    elif isinstance(required, list) and not set(unique) <= set(required):
        faults.append(
            (
                "UNIQUE_ATTRIBUTE_LIST_ERR",
                "Fields provided under unique fields must be a subset of required attributes list",
            )
        )
    references = definition.get("x-ref-schema", [])
    if not isinstance(references, list) or not all(
        isinstance(r, dict) and isinstance(r.get("fieldPath"), str) and isinstance(r.get("schemaCode"), str)
        for r in references
    ):
        faults.append(("INVALID_SCHEMA_DEFINITION", "x-ref-schema must be a list of {fieldPath, schemaCode}"))
    if faults:
        raise Invalid.many(faults)


def validate_record(definition: dict[str, Any], record: Any) -> None:
    """JSON-Schema check; one error per violation (DIGIT: INVALID_REQUEST_<KEYWORD><n>)."""
    if "\\u0000" in json.dumps(record):
        raise Invalid("MASTER_DATA_VALIDATION_ERR", "the data holds a NUL character (\\u0000), which cannot be stored")
    schema = {k: v for k, v in definition.items() if not k.startswith("x-")}
    violations = sorted(Draft7Validator(schema).iter_errors(record), key=lambda e: list(e.absolute_path))
    if not violations:
        return
    faults = [
        (
            "MASTER_DATA_VALIDATION_ERR",
            f"the data does not match its schema: {len(violations)} violation(s)",
        )
    ]
    for count, violation in enumerate(violations, start=1):
        where = ".".join(str(p) for p in violation.absolute_path) or "data"
        faults.append((f"INVALID_REQUEST_{str(violation.validator).upper()}{count}", f"{where}: {violation.message}"))
    raise Invalid.many(faults)


# ---------------------------------------------------------------- version counter


async def bump_version(session: AsyncSession) -> None:
    result = await session.execute(
        update(VersionRow).where(VersionRow.name == "*").values(version=VersionRow.version + 1)
    )
    if getattr(result, "rowcount", 0) == 0:
        session.add(VersionRow(name="*", version=1, **counter_audit()))


async def current_version(session: AsyncSession) -> int:
    version = await session.scalar(select(VersionRow.version).where(VersionRow.name == "*"))
    return int(version or 0)


# ---------------------------------------------------------------- reads


async def find_schema(session: AsyncSession, *, tenant_id: str, code: str) -> SchemaRow | None:
    """The schema of the most specific tenant that defines it."""
    rows = {
        row.tenant_id: row
        for row in await session.scalars(
            select(SchemaRow).where(SchemaRow.code == code, SchemaRow.tenant_id.in_(lineage(tenant_id)))
        )
    }
    return next((rows[t] for t in lineage(tenant_id) if t in rows), None)


async def master_records(session: AsyncSession, *, tenant_id: str, code: str) -> list[dict[str, Any]]:
    """Records of the most specific tenant that has the master (DIGIT does not merge city and state)."""
    query = (
        select(DataRow.tenant_id, DataRow.data)
        .where(DataRow.schema_code == code, DataRow.tenant_id.in_(lineage(tenant_id)), DataRow.is_active.is_(True))
        .order_by(DataRow.ordinal, DataRow.unique_identifier)
    )
    by_tenant: dict[str, list[dict[str, Any]]] = {}
    for row_tenant, data in await session.execute(query):
        by_tenant.setdefault(row_tenant, []).append(data)
    return next((by_tenant[t] for t in lineage(tenant_id) if t in by_tenant), [])


async def known_tenants(session: AsyncSession) -> set[str]:
    """Tenants the platform knows: listed in some state's `tenant.tenants`, or holding master data."""
    known = set(await session.scalars(select(DataRow.tenant_id).distinct()))
    for data in await session.scalars(
        select(DataRow.data).where(DataRow.schema_code == TENANT_SCHEMA, DataRow.is_active.is_(True))
    ):
        if isinstance(data, dict) and isinstance(data.get("code"), str):
            known.add(data["code"])
    return known


# ---------------------------------------------------------------- loading (DIGIT data files)


@dataclass
class LoadResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    faults: list[str] = field(default_factory=list)
    keys: set[str] = field(default_factory=set)
    keyless: bool = False


def _describe(record: Any, definition: dict[str, Any]) -> str:
    for path in [*(definition.get("x-unique") or []), *UNIQUE_KEY_GUESSES]:
        found = _field_values(record, path) if isinstance(record, dict) else []
        if found and not isinstance(found[0], dict | list):
            return f" ({path}={found[0]!r})"
    return ""


async def upsert_master(
    session: AsyncSession,
    *,
    tenant_id: str,
    code: str,
    records: Sequence[Any],
    actor_uuid: str,
    now_ms: int,
    positions: Sequence[int] | None = None,
) -> LoadResult:
    """Load a master's records as they come from a DIGIT data file: create new, replace changed ones.

    A record that does not fit (not an object, schema violation, empty or repeated unique key) is reported
    with its index in the file and left out; the others load.
    """
    schema = await _schema_or_guess(
        session, tenant_id=tenant_id, code=code, records=records, actor_uuid=actor_uuid, now_ms=now_ms
    )
    definition = schema.definition
    existing, next_ordinal = await _current_rows(session, tenant_id=tenant_id, code=code)
    result = LoadResult(keyless=not definition.get("x-unique"))
    seen: dict[str, int] = {}
    guessed = bool(definition.get("x-guessed"))
    indexes = list(positions) if positions is not None else list(range(len(records)))
    for position, record in zip(indexes, records, strict=True):
        where = f"record {position}{_describe(record, definition)}"
        key, fault = _key_of(record, definition, guessed=guessed)
        if key is None:
            result.faults.append(f"{where}: {fault}")
            continue
        if key in seen:
            result.faults.append(
                f"{where}: duplicate unique key {key!r} (first at record {seen[key]}); the first one is kept"
            )
            continue
        seen[key] = position
        result.keys.add(key)
        row = existing.get(key)
        if row is None:
            next_ordinal += 1
            row = DataRow(
                tenant_id=tenant_id, schema_code=code, unique_identifier=key, data=record, ordinal=next_ordinal
            )
            stamp(row, actor_uuid=actor_uuid, now_ms=now_ms)
            session.add(row)
            existing[key] = row
            result.created += 1
        elif row.data != record or not row.is_active:
            row.data = record
            row.is_active = True
            stamp(row, actor_uuid=actor_uuid, now_ms=now_ms)
            result.updated += 1
        else:
            result.unchanged += 1
    if result.created or result.updated:
        await bump_version(session)
    await session.flush()
    return result


async def _schema_or_guess(
    session: AsyncSession, *, tenant_id: str, code: str, records: Sequence[Any], actor_uuid: str, now_ms: int
) -> SchemaRow:
    """The master's schema; a master loaded without one gets a schema guessed from its records."""
    schema = await find_schema(session, tenant_id=tenant_id, code=code)
    if schema is None:
        schema = SchemaRow(
            tenant_id=tenant_id, code=code, definition=guess_definition(records, code=code), is_active=True
        )
        stamp(schema, actor_uuid=actor_uuid, now_ms=now_ms)
        session.add(schema)
    return schema


async def _current_rows(session: AsyncSession, *, tenant_id: str, code: str) -> tuple[dict[str, DataRow], int]:
    """The master's stored rows by unique key, and the highest ordinal in use (new rows go after it)."""
    existing = {
        row.unique_identifier: row
        for row in await session.scalars(
            select(DataRow).where(DataRow.tenant_id == tenant_id, DataRow.schema_code == code)
        )
    }
    last_ordinal = int(
        await session.scalar(
            select(func.coalesce(func.max(DataRow.ordinal), 0)).where(
                DataRow.tenant_id == tenant_id, DataRow.schema_code == code
            )
        )
        or 0
    )
    return existing, last_ordinal


def _key_of(record: Any, definition: dict[str, Any], *, guessed: bool) -> tuple[str | None, str]:
    """(unique key, "") for a record that fits the schema, (None, why not) for one that does not.

    A guessed schema is not enforced: it only names the unique key.
    """
    if not isinstance(record, dict):
        return None, "not a JSON object"
    if "\\u0000" in json.dumps(record):
        return None, "holds a NUL character (\\u0000), which PostgreSQL cannot store"
    try:
        if not guessed:
            validate_record(definition, record)
        return unique_identifier(definition, record), ""
    except Invalid as fault:
        return None, "; ".join(d.message for d in fault.details())


async def retire_missing(
    session: AsyncSession, *, tenant_id: str, code: str, keep: set[str], actor_uuid: str, now_ms: int
) -> int:
    """For a master without unique keys, a load replaces it: records no longer in the files are deactivated
    (a record has no identity to update, so an edited record would otherwise sit beside its old copy)."""
    rows = await session.scalars(
        select(DataRow).where(DataRow.tenant_id == tenant_id, DataRow.schema_code == code, DataRow.is_active.is_(True))
    )
    retired = 0
    for row in rows:
        if row.unique_identifier not in keep:
            row.is_active = False
            stamp(row, actor_uuid=actor_uuid, now_ms=now_ms)
            retired += 1
    if retired:
        await bump_version(session)
    await session.flush()
    return retired


# ---------------------------------------------------------------- MDMS v2: schemas


def schema_wire(row: SchemaRow) -> dict[str, Any]:
    return {
        "id": row.id,
        "tenantId": row.tenant_id,
        "code": row.code,
        "description": row.description,
        "definition": row.definition,
        "isActive": row.is_active,
        "auditDetails": row.audit_details(),
    }


async def create_schema(
    session: AsyncSession,
    *,
    tenant_id: str,
    code: str,
    description: str | None,
    definition: dict[str, Any],
    is_active: bool,
    actor_uuid: str,
    now_ms: int,
) -> dict[str, Any]:
    """DIGIT /schema/v1/_create: a draft-07 schema with `x-unique` ⊆ `required`, code unique per tenant."""
    check_definition(definition)
    module, master = split_schema_code(code)
    if not module or not master:
        raise Invalid("INVALID_SCHEMA_CODE", f"the schema code {code!r} must be <module>.<master>", params=[code])
    exists = await session.scalar(
        select(func.count()).select_from(SchemaRow).where(SchemaRow.tenant_id == tenant_id, SchemaRow.code == code)
    )
    if exists:
        raise Invalid("DUPLICATE_SCHEMA_CODE", "Schema code already exists", params=[code])
    row = SchemaRow(tenant_id=tenant_id, code=code, description=description, definition=definition, is_active=is_active)
    stamp(row, actor_uuid=actor_uuid, now_ms=now_ms)
    session.add(row)
    await bump_version(session)
    await session.flush()
    return schema_wire(row)


async def search_schemas(
    session: AsyncSession, *, tenant_id: str, codes: Sequence[str] = (), offset: int = 0, limit: int | None = None
) -> list[dict[str, Any]]:
    """Schemas of the tenant (falling back to its parents for codes it does not define itself)."""
    query = select(SchemaRow).where(SchemaRow.tenant_id.in_(lineage(tenant_id)))
    if codes:
        query = query.where(SchemaRow.code.in_(list(codes)))
    by_code: dict[str, SchemaRow] = {}
    order = {t: i for i, t in enumerate(lineage(tenant_id))}
    for row in await session.scalars(query.order_by(SchemaRow.code)):
        current = by_code.get(row.code)
        if current is None or order[row.tenant_id] < order[current.tenant_id]:
            by_code[row.code] = row
    rows = sorted(by_code.values(), key=lambda r: r.code)[offset:]
    if limit is not None:
        rows = rows[:limit]
    return [schema_wire(r) for r in rows]


async def get_schema(session: AsyncSession, *, tenant_id: str, code: str) -> SchemaRow:
    row = await find_schema(session, tenant_id=tenant_id, code=code)
    if row is None or not row.is_active:
        raise Invalid("INVALID_SCHEMA_CODE", f"no schema {code!r} for tenant {tenant_id!r}", params=[code])
    return row


# ---------------------------------------------------------------- MDMS v2: data


def data_wire(row: DataRow) -> dict[str, Any]:
    return {
        "id": row.id,
        "tenantId": row.tenant_id,
        "schemaCode": row.schema_code,
        "uniqueIdentifier": row.unique_identifier,
        "data": row.data,
        "isActive": row.is_active,
        "rowVersion": row.row_version,
        "auditDetails": row.audit_details(),
    }


async def _check_references(session: AsyncSession, *, tenant_id: str, definition: dict[str, Any], data: Any) -> None:
    """`x-ref-schema`: every referenced value exists (active) in the referenced master, with fallback."""
    for reference in definition.get("x-ref-schema") or []:
        path, target = reference["fieldPath"], reference["schemaCode"]
        values: set[str] = set()
        for value in _field_values(data, path):
            items = value if isinstance(value, list) else [value]
            for item in items:
                if isinstance(item, str | int | float) and not isinstance(item, bool):
                    values.add(str(item))
                elif item is not None:
                    raise Invalid(
                        "REFERENCE_VALIDATION_ERR",
                        "Reference must only be of the type string, number or a list of strings/numbers",
                        params=[path],
                    )
        if not values:
            continue
        found = False
        for tenant in lineage(tenant_id):
            count = await session.scalar(
                select(func.count())
                .select_from(DataRow)
                .where(
                    DataRow.tenant_id == tenant,
                    DataRow.schema_code == target,
                    DataRow.is_active.is_(True),
                    DataRow.unique_identifier.in_(values),
                )
            )
            if count == len(values):
                found = True
                break
        if not found:
            raise Invalid(
                "REFERENCE_VALIDATION_ERR",
                f"Provided reference value does not exist in database: {path} -> {target}",
                params=[path, target],
            )


async def create_data(
    session: AsyncSession,
    *,
    tenant_id: str,
    code: str,
    data: Any,
    is_active: bool,
    actor_uuid: str,
    now_ms: int,
) -> dict[str, Any]:
    """DIGIT /v2/_create/{schemaCode}: validated against the schema, unique and referenced keys checked."""
    schema = await get_schema(session, tenant_id=tenant_id, code=code)
    validate_record(schema.definition, data)
    key = unique_identifier(schema.definition, data)
    clash = await session.scalar(
        select(DataRow).where(
            DataRow.tenant_id == tenant_id, DataRow.schema_code == code, DataRow.unique_identifier == key
        )
    )
    if clash is not None:
        raise Invalid("DUPLICATE_RECORD", f"Duplicate record: {code} {key!r} exists for {tenant_id}", params=[key])
    await _check_references(session, tenant_id=tenant_id, definition=schema.definition, data=data)
    ordinal = await session.scalar(
        select(func.coalesce(func.max(DataRow.ordinal), 0)).where(
            DataRow.tenant_id == tenant_id, DataRow.schema_code == code
        )
    )
    row = DataRow(
        tenant_id=tenant_id,
        schema_code=code,
        unique_identifier=key,
        data=data,
        is_active=is_active,
        ordinal=int(ordinal or 0) + 1,
    )
    stamp(row, actor_uuid=actor_uuid, now_ms=now_ms)
    session.add(row)
    await bump_version(session)
    await session.flush()
    return data_wire(row)


async def update_data(
    session: AsyncSession,
    *,
    tenant_id: str,
    code: str,
    record_id: str | None,
    data: Any,
    is_active: bool | None,
    expected_row_version: int | None,
    expected_modified_ms: int | None,
    actor_uuid: str,
    now_ms: int,
) -> dict[str, Any]:
    """DIGIT /v2/_update/{schemaCode}: by id, unique fields unchanged, stale copies refused (409)."""
    if not record_id:
        raise Invalid("MASTER_DATA_ID_ABSENT_ERR", "Providing master data id is mandatory for update operation.")
    row = await session.scalar(
        select(DataRow).where(DataRow.id == record_id, DataRow.tenant_id == tenant_id, DataRow.schema_code == code)
    )
    if row is None:
        raise NotFound("MASTER_DATA_NOT_FOUND", "Master data not found for update operation.", params=[record_id])
    schema = await get_schema(session, tenant_id=tenant_id, code=code)
    if expected_row_version is not None:
        stale = expected_row_version != row.row_version
    else:
        stale = expected_modified_ms is not None and expected_modified_ms != row.last_modified_time
    if stale:
        raise Conflict("STALE_DATA", "the record was changed by someone else; search again and retry")
    if unique_identifier(schema.definition, data).lower() != row.unique_identifier.lower():
        raise Invalid("UNIQUE_KEY_UPDATE_ERR", "Updating fields defined as unique is not allowed.")
    validate_record(schema.definition, data)
    await _check_references(session, tenant_id=tenant_id, definition=schema.definition, data=data)
    row.data = data
    if is_active is not None:
        row.is_active = is_active
    stamp(row, actor_uuid=actor_uuid, now_ms=now_ms)
    await bump_version(session)
    await session.flush()
    return data_wire(row)


def _matches(data: Any, filters: dict[str, Any]) -> bool:
    for path, wanted in filters.items():
        found = _field_values(data, path)
        if not found:
            return False
        value = found[0]
        if value != wanted and str(value).lower() != str(wanted).lower():
            return False
    return True


async def search_data(session: AsyncSession, *, criteria: MdmsCriteriaV2) -> tuple[list[dict[str, Any]], int]:
    """DIGIT /v2/_search: per schema, the most specific tenant in the lineage with matching records; (the page of
    the criteria, how many there are in all: DIGIT's /v2/_count)."""
    tenant_id = criteria.tenant_id
    query = select(DataRow).where(DataRow.tenant_id.in_(lineage(tenant_id)))
    if criteria.schema_code:
        query = query.where(DataRow.schema_code == criteria.schema_code)
    if criteria.ids:
        query = query.where(DataRow.id.in_(criteria.ids))
    if criteria.unique_identifiers:
        query = query.where(DataRow.unique_identifier.in_(criteria.unique_identifiers))
    if criteria.is_active is not None:
        query = query.where(DataRow.is_active.is_(criteria.is_active))
    by_schema: dict[str, dict[str, list[DataRow]]] = {}
    for row in await session.scalars(query.order_by(DataRow.schema_code, DataRow.ordinal)):
        if criteria.filters and not _matches(row.data, criteria.filters):
            continue
        by_schema.setdefault(row.schema_code, {}).setdefault(row.tenant_id, []).append(row)
    rows = [
        row
        for by_tenant in by_schema.values()
        for row in next((by_tenant[t] for t in lineage(tenant_id) if t in by_tenant), [])
    ]
    page = rows[criteria.offset : criteria.offset + criteria.limit]
    return [data_wire(r) for r in page], len(rows)


def select_tenants(tenants: Sequence[Any], *, codes: Sequence[str]) -> list[Any]:
    """DIGIT tenant `_search`: the state's `tenant.tenants` records, only those of `codes` when some are named."""
    if not codes:
        return list(tenants)
    wanted = set(codes)
    return [t for t in tenants if isinstance(t, dict) and t.get("code") in wanted]


# ---------------------------------------------------------------- cache


class MasterDataCache:
    """Per-process cache of resolved masters, dropped when the database's version counter moves.

    A write in this process forces a check on the next read; a write in another process is seen
    within `check_interval_ms`.
    """

    def __init__(self, sessions: async_sessionmaker[AsyncSession], clock: Clock, check_interval_ms: int) -> None:
        self._sessions = sessions
        self._clock = clock
        self._check_interval_ms = check_interval_ms
        self._entries: dict[tuple[str, str], list[dict[str, Any]]] = {}
        self._tenants: set[str] | None = None
        self._version = -1
        self._checked_at = -(10**15)
        self._check_every_read_until = -(10**15)

    def invalidate(self) -> None:
        """After a write in this process: look at the version on every read for one check interval, so a read
        racing the writer's commit cannot pin the old data for the rest of the interval."""
        self._checked_at = -(10**15)
        self._check_every_read_until = self._clock.now_ms() + max(self._check_interval_ms, 1000)

    def _fresh(self) -> bool:
        now = self._clock.now_ms()
        return now - self._checked_at < self._check_interval_ms and now > self._check_every_read_until

    async def _refresh_if_stale(self, session: AsyncSession) -> None:
        if self._fresh():
            return
        now = self._clock.now_ms()
        version = await current_version(session)
        self._checked_at = now
        if version != self._version:
            self._entries.clear()
            self._tenants = None
            self._version = version

    async def records(self, *, tenant_id: str, code: str) -> list[dict[str, Any]]:
        key = (tenant_id, code)
        if key in self._entries and self._fresh():  # every request's access check lands here: no session
            return self._entries[key]
        async with self._sessions() as session:
            await self._refresh_if_stale(session)
            if key not in self._entries:
                self._entries[key] = await master_records(session, tenant_id=tenant_id, code=code)
            return self._entries[key]

    async def tenants(self) -> set[str]:
        async with self._sessions() as session:
            await self._refresh_if_stale(session)
            if self._tenants is None:
                self._tenants = await known_tenants(session)
            return self._tenants


async def tenant_records(cache: MasterDataCache, state_id: str) -> list[dict[str, Any]]:
    """The `tenant.tenants` master held at a state."""
    return [t for t in await cache.records(tenant_id=state_of(state_id), code=TENANT_SCHEMA) if isinstance(t, dict)]
