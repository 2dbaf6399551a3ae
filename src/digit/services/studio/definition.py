"""A service defined as data: DIGIT Studio's `Studio.ServiceConfiguration` record, read leniently, checked whole.

`Definition` keeps Studio's field names (camelCase on the wire, `ACTIVE`/`INACTIVE` as Studio spells them)
and accepts what Studio's config carries beyond what we use. `check_definition` names every fault it
finds in one answer; the JSON Schema of the form is built from `fields[]` here, so the API and the web
form validate against the same thing.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

from jsonschema import Draft7Validator
from jsonschema.exceptions import SchemaError
from pydantic import AliasChoices, ConfigDict, Field, ValidationError

from digit.kernel.envelope import ErrorDetail, WireModel
from digit.kernel.errors import Invalid
from digit.services.studio import fees

LEAF_TYPES = frozenset({"string", "number", "integer", "boolean", "date", "enum"})
SECTION_TYPES = frozenset({"object", "array"})
PAY_ACTION = "PAY"
NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]{0,63}$")
CODE = re.compile(r"^[A-Za-z][A-Za-z0-9_-]{0,63}$")
FILE_TYPES = frozenset({"pdf", "jpg", "jpeg", "png", "gif", "bmp", "tif", "tiff", "doc", "docx", "odt", "txt", "csv"})


class Lenient(WireModel):
    """Studio's config carries more than we read; unknown keys are kept, never refused."""

    model_config = ConfigDict(extra="allow")


class Validation(Lenient):
    regex: str | None = None
    message: str | None = None


class FieldDef(Lenient):
    name: str = Field(min_length=1, max_length=64)
    label: str | None = None
    type: str = "string"
    format: str | None = None
    required: bool = False
    min_length: int | None = Field(default=None, ge=0)
    max_length: int | None = Field(default=None, ge=1)
    minimum: float | None = None
    maximum: float | None = None
    validation: Validation | None = None
    reference: str | None = None
    schema_code: str | None = Field(default=None, alias="schema")
    values: list[Any] | None = None
    properties: list[FieldDef] | None = None
    items: ItemsDef | None = None
    order_number: int | None = None
    default_value: Any = None

    @property
    def is_section(self) -> bool:
        return self.type in SECTION_TYPES

    def children(self) -> list[FieldDef]:
        if self.type == "array":
            return list(self.items.properties or []) if self.items else []
        return list(self.properties or [])

    def choices(self) -> list[str]:
        out = []
        for value in self.values or []:
            code = value.get("code") if isinstance(value, dict) else value
            if code is not None:
                out.append(str(code))
        return out


class ItemsDef(Lenient):
    """The row of a repeating (`array`) section."""

    type: str = "object"
    properties: list[FieldDef] | None = None


FieldDef.model_rebuild()


class WorkflowDef(Lenient):
    business_service: str | None = None
    business: str | None = None
    business_service_sla: int | None = None
    states: list[dict[str, Any]] | None = None
    details: list[dict[str, Any]] | None = None
    generate_demand_at: list[str] = Field(default_factory=list)
    active: list[str] = Field(default_factory=list, alias="ACTIVE")
    inactive: list[str] = Field(default_factory=list, alias="INACTIVE")

    def inline(self) -> dict[str, Any] | None:
        """The BusinessService given inline (directly, or wrapped as `details: [...]`)."""
        if self.states:
            return {"business": self.business, "businessServiceSla": self.business_service_sla, "states": self.states}
        for detail in self.details or []:
            if isinstance(detail, dict) and isinstance(detail.get("states"), list):
                return detail
        return None


class DocumentDef(Lenient):
    category: str = Field(min_length=1, max_length=64)
    document_types: list[str] = Field(default_factory=list)
    active: bool = True
    is_mandatory: bool = False
    allowed_file_types: list[str] = Field(default_factory=list)
    max_size_in_mb: float | None = Field(default=None, alias="maxSizeInMB")
    max_files_allowed: int | None = None
    states: list[str] | None = None


class IdgenDef(Lenient):
    type: str = "application"
    idname: str | None = None
    format: str | None = None


class ApplicantDef(Lenient):
    minimum: int = Field(default=1, ge=0)
    maximum: int = Field(default=10, ge=1)
    types: list[str] = Field(default_factory=lambda: ["individual"])


class BillingSlab(Lenient):
    key: str
    value: Decimal


class CalculatorDef(Lenient):
    type: str = "custom"
    billing_slabs: list[BillingSlab] = Field(default_factory=list)
    rules: list[dict[str, Any]] = Field(default_factory=list)


class BillDef(Lenient):
    business_service: str | None = None
    code: str | None = None
    tax_head: list[dict[str, Any]] = Field(default_factory=list)
    tax_period: list[dict[str, Any]] = Field(default_factory=list)


class MessageDef(Lenient):
    states: list[str] = Field(default_factory=list)
    code: str | None = None
    template: str | None = None


class NotificationDef(Lenient):
    sms: list[MessageDef] = Field(default_factory=list)
    email: list[MessageDef] = Field(default_factory=list)
    event: list[MessageDef] = Field(
        default_factory=list, validation_alias=AliasChoices("event", "inApp", "inapp")
    )  # in-app messages (DIGIT's user events)


class PdfDef(Lenient):
    key: str = Field(min_length=1, max_length=128)
    type: str = "application"
    states: list[str] = Field(default_factory=list)


class AccessDef(Lenient):
    roles: dict[str, list[str]] | list[str] = Field(default_factory=dict)

    def of(self, kind: str) -> list[str]:
        if isinstance(self.roles, list):
            return list(self.roles)
        return list(self.roles.get(kind, []))


class LocalizationDef(Lenient):
    modules: list[str] = Field(default_factory=list)


class Definition(Lenient):
    module: str = Field(min_length=1, max_length=64)
    service: str = Field(min_length=1, max_length=64)
    fields: list[FieldDef] = Field(default_factory=list)
    workflow: WorkflowDef = Field(default_factory=WorkflowDef)
    documents: list[DocumentDef] = Field(default_factory=list)
    idgen: list[IdgenDef] = Field(default_factory=list)
    applicant: ApplicantDef = Field(default_factory=ApplicantDef)
    boundary: dict[str, Any] | None = None
    calculator: CalculatorDef = Field(default_factory=CalculatorDef)
    bill: BillDef | None = None
    notification: NotificationDef = Field(default_factory=NotificationDef)
    pdf: list[PdfDef] = Field(default_factory=list)
    access: AccessDef = Field(default_factory=AccessDef)
    localization: LocalizationDef = Field(default_factory=LocalizationDef)
    enabled: list[str] = Field(default_factory=lambda: ["citizen", "employee"])

    @property
    def workflow_code(self) -> str:
        return self.workflow.business_service or f"{self.module}.{self.service}"

    @property
    def bill_code(self) -> str:
        bill = self.bill
        return (bill.code or bill.business_service if bill else None) or self.workflow_code

    @property
    def id_format(self) -> IdgenDef | None:
        return next((i for i in self.idgen if i.type.lower() == "application"), None)

    @property
    def id_name(self) -> str:
        found = self.id_format
        return (found.idname if found and found.idname else None) or f"{self.module}.{self.service}.app".lower()

    @property
    def label_prefix(self) -> str:
        return f"{self.module}_{self.service}".upper()

    def states(self) -> list[dict[str, Any]]:
        inline = self.workflow.inline()
        return [s for s in (inline or {}).get("states", []) if isinstance(s, dict)]

    def state(self, name: str | None) -> dict[str, Any] | None:
        return next((s for s in self.states() if s.get("state") == name), None)

    def start_state(self) -> dict[str, Any] | None:
        return next((s for s in self.states() if s.get("isStartState")), None)

    def roles_of(self, kind: str) -> list[str]:
        return self.access.of(kind)

    def pdf_of(self, kind: str) -> PdfDef | None:
        return next((p for p in self.pdf if p.type == kind), None)

    def status_for(self, state: str | None) -> str:
        """Studio's application status: ACTIVE / INACTIVE by the workflow's state lists, else INWORKFLOW."""
        if state in self.workflow.active:
            return "ACTIVE"
        if state in self.workflow.inactive:
            return "INACTIVE"
        return "INWORKFLOW"

    def leaves(self) -> dict[str, FieldDef]:
        """Every leaf by dotted path (`shop.shopName`; an array's leaves as `partners.partnerName`)."""
        found: dict[str, FieldDef] = {}

        def walk(fields: Sequence[FieldDef], prefix: str) -> None:
            for field in fields:
                path = f"{prefix}{field.name}"
                if field.is_section:
                    walk(field.children(), path + ".")
                else:
                    found[path] = field

        walk(self.fields, "")
        return found


def parse(data: Any) -> Definition:
    """The record's data as a Definition; a misfit -> 400 naming each bad key."""
    if not isinstance(data, dict):
        raise Invalid("INVALID_SERVICE_CONFIG", "the service configuration must be a JSON object")
    try:
        return Definition.model_validate(data)
    except ValidationError as error:
        faults = [
            ("INVALID_SERVICE_CONFIG", f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}") for e in error.errors()
        ]
        raise Invalid.many(faults) from None


# ----------------------------------------------------------------------------------------------- the form


def _leaf_schema(field: FieldDef, mdms_codes: Mapping[str, Sequence[str]]) -> dict[str, Any]:
    schema: dict[str, Any]
    if field.reference == "mdms" and field.schema_code:
        schema = {"type": "string", "enum": list(mdms_codes.get(field.schema_code, []))}
    elif field.type == "enum" or field.reference == "enum":
        schema = {"type": "string", "enum": field.choices()}
    elif field.type == "date":
        schema = {"type": "string", "format": "date"}
    elif field.type in ("number", "integer", "boolean"):
        schema = {"type": field.type}
    else:
        schema = {"type": "string"}
    if schema["type"] == "string" and "enum" not in schema:
        if field.min_length is not None:
            schema["minLength"] = field.min_length
        if field.max_length is not None:
            schema["maxLength"] = field.max_length
        if field.validation and field.validation.regex:
            schema["pattern"] = field.validation.regex
    if schema["type"] in ("number", "integer"):
        if field.minimum is not None:
            schema["minimum"] = field.minimum
        if field.maximum is not None:
            schema["maximum"] = field.maximum
    return schema


def _object_schema(fields: Sequence[FieldDef], mdms_codes: Mapping[str, Sequence[str]]) -> dict[str, Any]:
    properties: dict[str, Any] = {}
    required: list[str] = []
    for field in fields:
        if field.type == "object":
            properties[field.name] = _object_schema(field.children(), mdms_codes)
        elif field.type == "array":
            properties[field.name] = {"type": "array", "items": _object_schema(field.children(), mdms_codes)}
        else:
            properties[field.name] = _leaf_schema(field, mdms_codes)
        if field.required or (field.is_section and any(c.required for c in field.children())):
            required.append(field.name)
    schema: dict[str, Any] = {"type": "object", "properties": properties, "additionalProperties": False}
    if required:
        schema["required"] = required
    return schema


def form_schema(definition: Definition, mdms_codes: Mapping[str, Sequence[str]]) -> dict[str, Any]:
    """Draft-07 JSON Schema of `serviceDetails`, built from `fields[]` as Studio's backend builds it."""
    schema = _object_schema(definition.fields, mdms_codes)
    schema["$schema"] = "http://json-schema.org/draft-07/schema#"
    return schema


def collapse_codes(value: Any) -> Any:
    """Studio's UI sends `{code, name}` for choices; the form keeps the code."""
    if isinstance(value, dict):
        if "code" in value and set(value) <= {"code", "name", "i18nKey", "active"}:
            return value["code"]
        return {k: collapse_codes(v) for k, v in value.items()}
    if isinstance(value, list):
        return [collapse_codes(v) for v in value]
    return value


def validate_form(definition: Definition, schema: dict[str, Any], details: Any) -> Any:
    """Check `serviceDetails` against the form; 400 with one error per violation, each naming its field."""
    values = collapse_codes(details if details is not None else {})
    validator = Draft7Validator(schema, format_checker=Draft7Validator.FORMAT_CHECKER)
    violations = sorted(validator.iter_errors(values), key=lambda e: [str(p) for p in e.absolute_path])
    if not violations:
        return values
    leaves = definition.leaves()
    faults: list[ErrorDetail] = []
    for violation in violations:
        path = ".".join(str(p) for p in violation.absolute_path if not isinstance(p, int))
        where = "serviceDetails" + ("." + ".".join(str(p) for p in violation.absolute_path) if path else "")
        if violation.validator == "required" and isinstance(violation.instance, dict):
            missing = next((n for n in violation.validator_value if n not in violation.instance), "")
            where, path = f"{where}.{missing}", f"{path}.{missing}".lstrip(".")
        field = leaves.get(path)
        code = "INVALID_SERVICE_DETAILS"
        if violation.validator == "pattern" and field and field.validation and field.validation.message:
            code = field.validation.message
        message = f"{where}: {violation.message}"
        faults.append(ErrorDetail(code=code, message=message, description=message, params=[where]))
    first, *rest = faults
    error = Invalid(first.code, first.message, params=first.params)
    error.extra = rest
    raise error


# ----------------------------------------------------------------------------------------------- checks


def _check_fields(
    fields: Sequence[FieldDef], prefix: str, faults: list[tuple[str, str]], mdms_codes: Mapping[str, Sequence[str]]
) -> None:
    seen: set[str] = set()
    for field in fields:
        path = f"{prefix}{field.name}"
        if not NAME.match(field.name):
            faults.append(("INVALID_FIELD", f"fields: {path!r} is not a field name (letters, digits, _)"))
        if field.name in seen:
            faults.append(("INVALID_FIELD", f"fields: {path} appears twice"))
        seen.add(field.name)
        if field.is_section:
            if not field.children():
                faults.append(("INVALID_FIELD", f"fields: section {path} has no properties"))
            _check_fields(field.children(), path + ".", faults, mdms_codes)
            continue
        if field.type not in LEAF_TYPES:
            faults.append(("INVALID_FIELD", f"fields: {path} has the unknown type {field.type!r}"))
        if field.validation and field.validation.regex:
            try:
                re.compile(field.validation.regex)
            except re.error as error:
                faults.append(("INVALID_FIELD", f"fields: the regex of {path} does not compile ({error})"))
        if field.min_length is not None and field.max_length is not None and field.min_length > field.max_length:
            faults.append(("INVALID_FIELD", f"fields: {path} has minLength above maxLength"))
        if field.reference == "mdms":
            if not field.schema_code or "." not in field.schema_code:
                faults.append(("INVALID_FIELD", f"fields: {path} references MDMS without a schema <Module>.<Master>"))
            elif not mdms_codes.get(field.schema_code):
                faults.append(
                    ("INVALID_MDMS_REFERENCE", f"fields: {path} references {field.schema_code}, which has no records")
                )
        elif (field.type == "enum" or field.reference == "enum") and not field.choices():
            faults.append(("INVALID_FIELD", f"fields: the enum {path} lists no values"))


def _check_workflow(definition: Definition, known_roles: set[str], faults: list[tuple[str, str]]) -> None:
    workflow = definition.workflow
    states = definition.states()
    if not states:
        faults.append(("INVALID_WORKFLOW", "workflow: no states given (inline BusinessService states[] or details[])"))
        return
    names = {s.get("state") for s in states}
    actions: set[str] = set()
    for state in states:
        label = state.get("state") or "(start)"
        for action in state.get("actions") or []:
            if not isinstance(action, dict):
                faults.append(("INVALID_WORKFLOW", f"workflow: an action of state {label} is not an object"))
                continue
            name, target = action.get("action"), action.get("nextState")
            actions.add(str(name))
            if target not in names:
                faults.append(
                    (
                        "INVALID_WORKFLOW_NEXTSTATE",
                        f"workflow: action {name} of state {label} leads to the unknown state {target}",
                    )
                )
            for role in action.get("roles") or []:
                if role != "*" and role not in known_roles:
                    faults.append(
                        ("INVALID_WORKFLOW_ROLE", f"workflow: role {role} of action {name} in state {label} is unknown")
                    )
    for action in workflow.generate_demand_at:
        if action not in actions:
            faults.append(("INVALID_WORKFLOW", f"workflow.generateDemandAt: {action} is no action of the workflow"))
    for name in [*workflow.active, *workflow.inactive]:
        if name not in names:
            faults.append(("INVALID_WORKFLOW", f"workflow.ACTIVE/INACTIVE: {name} is no state of the workflow"))
    if workflow.generate_demand_at and PAY_ACTION not in actions:
        faults.append(("INVALID_WORKFLOW", "workflow: a demand is raised but no state has the PAY action"))


def _check_fees(definition: Definition, faults: list[tuple[str, str]]) -> None:
    bill = definition.bill
    heads = {str(h.get("code")) for h in (bill.tax_head if bill else [])}
    leaves = definition.leaves()
    slabs = definition.calculator.billing_slabs
    rules = definition.calculator.rules
    for slab in slabs:
        if slab.key not in heads:
            faults.append(("INVALID_FEE", f"calculator.billingSlabs: {slab.key} is no tax head of bill.taxHead"))
    for index, rule in enumerate(rules):
        for fault in fees.check_rule(rule, leaves=leaves, heads=heads):
            faults.append(("INVALID_FEE_RULE", f"calculator.rules[{index}]: {fault}"))
    if definition.workflow.generate_demand_at:
        if bill is None or not bill.tax_head:
            faults.append(("INVALID_BILL", "bill: a demand is raised at an action but no taxHead is given"))
        if bill is None or not bill.tax_period:
            faults.append(("INVALID_BILL", "bill: a demand is raised at an action but no taxPeriod is given"))
        if not slabs and not rules:
            faults.append(("INVALID_FEE", "calculator: a demand is raised but no fee (billingSlabs or rules) is given"))
    for period in bill.tax_period if bill else []:
        start, end = period.get("fromDate"), period.get("toDate")
        if not isinstance(start, int) or not isinstance(end, int) or start > end:
            faults.append(("INVALID_BILL", f"bill.taxPeriod {period.get('code')}: fromDate/toDate must be epoch ms"))


def _check_documents(definition: Definition, state_names: set[str | None], faults: list[tuple[str, str]]) -> None:
    for document in definition.documents:
        if not CODE.match(document.category):
            faults.append(("INVALID_DOCUMENT_CONFIG", f"documents: {document.category!r} is not a category code"))
        unknown = sorted({t.lower() for t in document.allowed_file_types} - FILE_TYPES)
        if unknown:
            faults.append(("INVALID_DOCUMENT_CONFIG", f"documents.{document.category}: unknown file types {unknown}"))
        if document.max_size_in_mb is not None and document.max_size_in_mb <= 0:
            faults.append(("INVALID_DOCUMENT_CONFIG", f"documents.{document.category}: maxSizeInMB must be positive"))
        for state in document.states or []:
            if state not in state_names:
                faults.append(("INVALID_DOCUMENT_CONFIG", f"documents.{document.category}: unknown state {state}"))


def check_definition(
    definition: Definition,
    *,
    known_roles: set[str],
    mdms_codes: Mapping[str, Sequence[str]],
    messages: Mapping[str, str],
) -> list[tuple[str, str]]:
    """Every fault of the definition, each naming what is wrong (empty: the definition is sound)."""
    faults: list[tuple[str, str]] = []
    for name, value in (("module", definition.module), ("service", definition.service)):
        if not CODE.match(value):
            faults.append(("INVALID_SERVICE_CONFIG", f"{name}: {value!r} is not a code (letters, digits, _ and -)"))
    _check_fields(definition.fields, "", faults, mdms_codes)
    try:
        Draft7Validator.check_schema(form_schema(definition, mdms_codes))
    except SchemaError as error:
        faults.append(("INVALID_FORM_SCHEMA", f"fields: the form's JSON Schema does not compile ({error.message})"))
    _check_workflow(definition, known_roles | set(_access_roles(definition)), faults)
    state_names = {s.get("state") for s in definition.states()}
    _check_documents(definition, state_names, faults)
    _check_fees(definition, faults)
    if definition.id_format is None or not definition.id_format.format:
        faults.append(("INVALID_IDGEN", "idgen: no entry of type application with a format"))
    for pdf in definition.pdf:
        for state in pdf.states:
            if state not in state_names:
                faults.append(("INVALID_PDF_CONFIG", f"pdf.{pdf.key}: unknown state {state}"))
    for channel in ("sms", "email", "event"):
        for message in getattr(definition.notification, channel):
            for state in message.states:
                if state not in state_names:
                    faults.append(("INVALID_NOTIFICATION", f"notification.{channel}: unknown state {state}"))
            if not message.template and (not message.code or message.code not in messages):
                faults.append(
                    (
                        "MISSING_LOCALIZATION",
                        f"notification.{channel}: no template and no localization message {message.code} "
                        f"in modules {definition.localization.modules}",
                    )
                )
    for kind in ("creator", "editor", "viewer"):
        for role in definition.roles_of(kind):
            if not CODE.match(role):
                faults.append(("INVALID_ACCESS", f"access.roles.{kind}: {role!r} is not a role code"))
    if not definition.roles_of("creator"):
        faults.append(("INVALID_ACCESS", "access.roles.creator: nobody may apply"))
    return faults


def _access_roles(definition: Definition) -> list[str]:
    return [r for kind in ("creator", "editor", "viewer") for r in definition.roles_of(kind)]


def access_roles(definition: Definition) -> list[str]:
    """The roles the definition grants, in order, each once."""
    return list(dict.fromkeys(_access_roles(definition)))


def mdms_references(definition: Definition) -> list[str]:
    """Schema codes (`Module.Master`) the form and the fee rules read."""
    codes = [f.schema_code for f in definition.leaves().values() if f.reference == "mdms" and f.schema_code]
    codes += fees.masters_of(definition.calculator.rules)
    return list(dict.fromkeys(codes))
