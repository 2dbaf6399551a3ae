"""A master's record as a form: fields from its JSON schema, the typed form back to a record, the API's errors
back to the field they concern.

No rule of MDMS lives here: what a field may hold is the schema's business and is checked by `/mdms-v2`; this
only decides which input shows a property (text, number, yes/no, choice, one value per line, raw JSON) and
turns what was typed into JSON of that kind. Text that is not a number is sent as typed, so the API's own
violation comes back to the field. A schema MDMS guessed (a master loaded without one has no `properties`)
gets its fields from the record's own values.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from digit.web.i18n import Translator

PREFIX = "f."  # form field names: f.<property>, apart from csrf_token and the page's own fields
FORM = "form"  # errors that concern no one field
_QUOTED = re.compile(r"'([^']+)'")


class Kind(StrEnum):
    TEXT = "text"
    NUMBER = "number"
    INTEGER = "integer"
    BOOLEAN = "boolean"
    CHOICE = "choice"
    LINES = "lines"  # array of strings, one a line
    JSON = "json"


@dataclass(frozen=True)
class Field:
    name: str
    kind: Kind
    required: bool = False
    unique: bool = False
    choices: tuple[str, ...] = ()
    description: str = ""

    @property
    def input_name(self) -> str:
        return PREFIX + self.name

    @property
    def input_id(self) -> str:
        return "f-" + re.sub(r"[^A-Za-z0-9_-]", "-", self.name)


def _kind_of_schema(prop: Mapping[str, Any]) -> tuple[Kind, tuple[str, ...]]:
    enum = prop.get("enum")
    if isinstance(enum, list) and enum and all(isinstance(v, str | int | float) for v in enum):
        return Kind.CHOICE, tuple(str(v) for v in enum)
    kind = prop.get("type")
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), None)
    if kind == "string":
        return Kind.TEXT, ()
    if kind == "integer":
        return Kind.INTEGER, ()
    if kind == "number":
        return Kind.NUMBER, ()
    if kind == "boolean":
        return Kind.BOOLEAN, ()
    items = prop.get("items")
    if kind == "array" and isinstance(items, dict) and items.get("type") == "string" and "enum" not in items:
        return Kind.LINES, ()
    return Kind.JSON, ()


def _kind_of_value(value: Any) -> Kind:
    if isinstance(value, bool):
        return Kind.BOOLEAN
    if isinstance(value, int):
        return Kind.INTEGER
    if isinstance(value, float):
        return Kind.NUMBER
    if isinstance(value, str):
        return Kind.TEXT
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return Kind.LINES
    return Kind.JSON


def unique_paths(definition: Mapping[str, Any]) -> list[str]:
    return [_top(str(p)) for p in definition.get("x-unique") or []]


def fields_of(definition: Mapping[str, Any], sample: Mapping[str, Any] | None = None) -> list[Field]:
    """The form's fields: the schema's properties in order, else (guessed schema) the sample record's keys."""
    required = {str(r) for r in definition.get("required") or []}
    unique = set(unique_paths(definition))
    properties = definition.get("properties")
    if isinstance(properties, dict) and properties:
        found = []
        for name, prop in properties.items():
            kind, choices = _kind_of_schema(prop if isinstance(prop, dict) else {})
            description = str(prop.get("description") or "") if isinstance(prop, dict) else ""
            found.append(Field(name, kind, name in required, name in unique, choices, description))
        return found
    keys = list(dict.fromkeys([*unique, *(sample or {}).keys()]))
    return [
        Field(name, _kind_of_value((sample or {}).get(name, "")), name in required or name in unique, name in unique)
        for name in keys
    ]


def shown(fields: Sequence[Field], data: Mapping[str, Any]) -> dict[str, str]:
    """A record's values as the form shows them (strings, as typed)."""
    values: dict[str, str] = {}
    for item in fields:
        value = data.get(item.name)
        if value is None:
            values[item.name] = ""
        elif item.kind == Kind.BOOLEAN:
            values[item.name] = "true" if value is True else ""
        elif item.kind == Kind.LINES and isinstance(value, list):
            values[item.name] = "\n".join(str(v) for v in value)
        elif item.kind == Kind.JSON or isinstance(value, dict | list):
            values[item.name] = json.dumps(value, ensure_ascii=False, indent=2)
        else:
            values[item.name] = str(value).lower() if isinstance(value, bool) else str(value)
    return values


def typed(form: Mapping[str, Any], fields: Sequence[Field]) -> dict[str, str]:
    """What was typed in each field (kept for showing the form again)."""
    return {f.name: str(form.get(f.input_name, "") or "") for f in fields}


def _number(text: str) -> int | float | str:
    for parse in (int, float):
        try:
            return parse(text)
        except ValueError:
            continue
    return text  # not a number: sent as typed, the API says what is wrong with it, at the field


def record_of(
    values: Mapping[str, str], fields: Sequence[Field], base: Mapping[str, Any] | None = None
) -> tuple[dict[str, Any], dict[str, str]]:
    """The record to send (the stored record's other keys kept) and the fields whose JSON could not be read."""
    record: dict[str, Any] = dict(base or {})
    unreadable: dict[str, str] = {}
    for item in fields:
        text = values.get(item.name, "")
        record.pop(item.name, None)
        if item.kind == Kind.BOOLEAN:
            record[item.name] = text == "true"
            continue
        if not text.strip():
            continue  # left empty: absent, so a required field is the schema's `required` error
        if item.kind == Kind.TEXT or item.kind == Kind.CHOICE:
            record[item.name] = text.strip()
        elif item.kind in (Kind.NUMBER, Kind.INTEGER):
            record[item.name] = _number(text.strip())
        elif item.kind == Kind.LINES:
            record[item.name] = [line.strip() for line in text.splitlines() if line.strip()]
        else:
            try:
                record[item.name] = json.loads(text)
            except json.JSONDecodeError as error:
                unreadable[item.name] = error.msg
    return record, unreadable


@dataclass
class FieldErrors:
    """The API's errors keyed by the field they concern ("form" for the rest): (code, detail) each."""

    by_field: dict[str, list[tuple[str, str]]] = field(default_factory=dict)

    def add(self, name: str, code: str, detail: str) -> None:
        self.by_field.setdefault(name, []).append((code, detail))


def _top(path: str) -> str:
    """'$.department' / 'items.0.code' / '/code' -> the top-level property the form shows."""
    path = path.removeprefix("$").lstrip("./")
    return re.split(r"[.\[/]", path, maxsplit=1)[0] if path else ""


def errors_by_field(
    details: Sequence[Mapping[str, Any]], fields: Sequence[Field], unique: Sequence[str]
) -> FieldErrors:
    """Each DIGIT error to the field it names: schema violations by their path, x-unique and x-ref-schema by params."""
    names = {f.name for f in fields}
    found = FieldErrors()
    for error in details:
        code = str(error.get("code") or "")
        message = str(error.get("message") or "")
        params = [str(p) for p in error.get("params") or []]
        target = FORM
        detail = message
        if code.startswith("INVALID_REQUEST_") and ": " in message:
            where, detail = message.split(": ", 1)
            target = _top(where) if where != "data" else FORM
            if target == FORM and code.startswith("INVALID_REQUEST_REQUIRED"):
                quoted = _QUOTED.search(detail)
                target = quoted.group(1) if quoted else FORM
        if code in ("REFERENCE_VALIDATION_ERR", "UNIQUE_IDENTIFIER_EMPTY_ERR") and params:
            target = _top(params[0])
        elif code in ("DUPLICATE_RECORD", "UNIQUE_KEY_UPDATE_ERR") and unique:
            target = unique[0]
        elif code == "MASTER_DATA_VALIDATION_ERR" and len(details) > 1:
            continue  # the summary of the violations that follow it
        elif code == "REFERENCE_VALIDATION_ERR":
            detail = params[1] if len(params) > 1 else detail
        found.add(target if target in names else FORM, code, detail)
    return found


MESSAGE_OF_CODE = {
    "DUPLICATE_RECORD": "EU_ERR_MDMS_DUPLICATE",
    "UNIQUE_KEY_UPDATE_ERR": "EU_ERR_MDMS_UNIQUE_FIXED",
    "REFERENCE_VALIDATION_ERR": "EU_ERR_MDMS_REFERENCE",
    "UNIQUE_IDENTIFIER_EMPTY_ERR": "EU_ERR_MDMS_REQUIRED",
    "STALE_DATA": "EU_ERR_MDMS_STALE",
    "JSON": "EU_ERR_MDMS_JSON",
}


def error_texts(found: FieldErrors, fields: Sequence[Field], t: Translator) -> dict[str, str]:
    """Errors as the page shows them, keyed by the input's id (or "form"), each in the reader's language."""
    ids = {f.name: f.input_id for f in fields}
    texts: dict[str, str] = {}
    for name, errors in found.by_field.items():
        key = ids.get(name, FORM)
        lines = [t(MESSAGE_OF_CODE.get(code, "EU_ERR_MDMS_INVALID"), detail=detail) for code, detail in errors]
        texts[key] = " ".join([texts[key], *lines] if key in texts else lines)
    return texts
