"""A service's apply form, made from its definition's `fields[]` and `documents[]`, and read back.

Each leaf becomes one input named `sd.<path>` (`sd.tradeDetails.tradeName`; a repeating section's row `n` is
`sd.parents.<n>.parentName`, a fixed number of rows, empty rows dropped); MDMS-referenced leaves and enums
become selects. The values read back are typed as the schema asks (a number that does not parse is sent as
typed, for the server to name). The server's errors name `serviceDetails.<path>`, `documents`, `address.<x>`;
`field_errors` puts each next to its input.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from starlette.datastructures import FormData

from digit.services.studio.client import DocumentDef, FieldDef
from digit.web.backend import ApiError
from digit.web.i18n import Translator, code_of
from digit.web.services.common import ServiceForm, choice_label, document_label, field_label

DETAILS = "sd"
ARRAY_ROWS = 2
WIDGETS = {"number": "number", "integer": "number", "date": "date", "boolean": "checkbox"}
_WHERE = re.compile(r"^(serviceDetails(?:\.[A-Za-z0-9_]+)*|documents(?:\[\d+\])?|address\.[A-Za-z0-9_]+|applicants\S*)")


@dataclass
class Widget:
    name: str  # the form field's name
    label: str
    kind: str  # text, number, date, checkbox, select
    required: bool = False
    options: list[tuple[str, str]] = field(default_factory=list)
    minimum: float | None = None
    maximum: float | None = None
    min_length: int | None = None
    max_length: int | None = None
    step: str | None = None

    @property
    def id(self) -> str:
        return "f-" + self.name.replace(".", "-")


@dataclass
class Section:
    label: str
    widgets: list[Widget] = field(default_factory=list)
    rows: list[list[Widget]] = field(default_factory=list)  # a repeating section's rows


@dataclass
class DocumentSlot:
    category: str
    label: str
    required: bool
    types: list[tuple[str, str]]
    accept: str
    hint: str

    @property
    def id(self) -> str:
        return "doc-" + self.category.lower()


def _widget(t: Translator, form: ServiceForm, leaf: FieldDef, name: str, path: str, *, in_row: bool) -> Widget:
    kind = WIDGETS.get(leaf.type, "text")
    options: list[tuple[str, str]] = []
    if leaf.reference == "mdms" and leaf.schema_code:
        kind = "select"
        codes = [str(r.get("code")) for r in form.references.get(leaf.schema_code, [])]
        options = [(c, choice_label(t, form, path, leaf, c)) for c in codes]
    elif leaf.type == "enum" or leaf.reference == "enum":
        kind = "select"
        options = [(c, choice_label(t, form, path, leaf, c)) for c in leaf.choices()]
    return Widget(
        name=name,
        label=field_label(t, form.prefix, leaf.name, leaf.label),
        kind=kind,
        required=leaf.required and not in_row,
        options=options,
        minimum=leaf.minimum,
        maximum=leaf.maximum,
        min_length=leaf.min_length,
        max_length=leaf.max_length,
        step="1" if leaf.type == "integer" else "any",
    )


def sections(t: Translator, form: ServiceForm) -> list[Section]:
    """The form's sections in the definition's order: loose leaves first (Studio's "Service Details" step)."""
    loose = Section(label=t("CU_SVC_DETAILS"))
    found: list[Section] = []
    for item in form.definition.fields:
        label = field_label(t, form.prefix, item.name, item.label)
        children = sorted(item.children(), key=lambda f: f.order_number or 0)
        if item.type == "object":
            found.append(
                Section(
                    label=label,
                    widgets=[
                        _widget(t, form, c, f"{DETAILS}.{item.name}.{c.name}", f"{item.name}.{c.name}", in_row=False)
                        for c in children
                    ],
                )
            )
        elif item.type == "array":
            rows = [
                [
                    _widget(t, form, c, f"{DETAILS}.{item.name}.{n}.{c.name}", f"{item.name}.{c.name}", in_row=True)
                    for c in children
                ]
                for n in range(ARRAY_ROWS)
            ]
            found.append(Section(label=label, rows=rows))
        else:
            loose.widgets.append(_widget(t, form, item, f"{DETAILS}.{item.name}", item.name, in_row=False))
    return ([loose] if loose.widgets else []) + found


def documents(t: Translator, form: ServiceForm, state: str | None = None) -> list[DocumentSlot]:
    """One upload per active document category asked for at the start."""
    slots = []
    for document in form.definition.documents:
        if not document.active or (document.states and state not in document.states):
            continue
        slots.append(_slot(t, form, document))
    return slots


def _slot(t: Translator, form: ServiceForm, document: DocumentDef) -> DocumentSlot:
    types = [(k, document_label(t, form.prefix, f"{document.category}.{k}")) for k in document.document_types]
    allowed = sorted({x.lower() for x in document.allowed_file_types})
    hint = t(
        "CU_SVC_FILE_HINT",
        types=", ".join(allowed) or "*",
        size=f"{document.max_size_in_mb:g}" if document.max_size_in_mb else "-",
    )
    return DocumentSlot(
        category=document.category,
        label=document_label(t, form.prefix, document.category),
        required=document.is_mandatory,
        types=types,
        accept=",".join(f".{x}" for x in allowed),
        hint=hint,
    )


def _typed(leaf: FieldDef, raw: str) -> Any:
    """The value as the schema types it; text that does not parse stays text for the server to refuse."""
    if leaf.type in ("number", "integer"):
        try:
            number = float(raw)
        except ValueError:
            return raw
        return int(number) if leaf.type == "integer" and number.is_integer() else number
    if leaf.type == "boolean":
        return raw in ("true", "on", "1")
    return raw


def read(form: ServiceForm, posted: FormData) -> tuple[dict[str, Any], dict[str, str]]:
    """(serviceDetails, the raw values to show again): empty inputs and empty rows are left out."""
    raw = {k: str(v).strip() for k, v in posted.items() if isinstance(v, str)}
    details: dict[str, Any] = {}
    for item in form.definition.fields:
        if item.type == "object":
            values = {
                c.name: _typed(c, raw[key])
                for c in item.children()
                if (key := f"{DETAILS}.{item.name}.{c.name}") in raw and raw[key] != ""
            }
            if values:
                details[item.name] = values
        elif item.type == "array":
            rows = []
            for n in range(ARRAY_ROWS):
                row = {
                    c.name: _typed(c, raw[key])
                    for c in item.children()
                    if (key := f"{DETAILS}.{item.name}.{n}.{c.name}") in raw and raw[key] != ""
                }
                if row:
                    rows.append(row)
            if rows:
                details[item.name] = rows
        elif raw.get(f"{DETAILS}.{item.name}", "") != "":
            details[item.name] = _typed(item, raw[f"{DETAILS}.{item.name}"])
        elif item.type == "boolean":
            details[item.name] = False
    return details, raw


def field_errors(t: Translator, error: ApiError, *, documents_sent: list[str], default: str = "form") -> dict[str, str]:
    """The server's errors by the input they concern (DIGIT's `Errors[]` name the field in params/message).

    `documents_sent` are the categories of the documents sent, in order (`documents[1]` is the second)."""
    found: dict[str, str] = {}
    details = error.details or [{"code": error.code, "message": error.message}]
    for detail in details:
        params = detail.get("params") or []
        message = str(detail.get("message") or "")
        where = str(params[0]) if params else ""
        matched = _WHERE.match(where) or _WHERE.match(message)
        name = _input_of(matched.group(1) if matched else "", message, documents_sent) or default
        code = str(detail.get("code") or "")
        text = t(code) if code and t.has(code) else t(f"CU_ERR_{code}") if t.has(f"CU_ERR_{code}") else ""
        if not text:
            text = message.split(": ", 1)[1] if ": " in message else message or t("CU_ERR_GENERIC")
        found.setdefault(name, text)
    return found


def _input_of(where: str, message: str, documents_sent: list[str]) -> str | None:
    if where.startswith("serviceDetails."):
        return DETAILS + where[len("serviceDetails") :]
    if where.startswith("documents["):
        index = int(where[len("documents[") : where.index("]")])
        return f"doc.{documents_sent[index]}" if index < len(documents_sent) else "documents"
    if where.startswith("documents"):
        category = next((c for c in re.findall(r"[A-Z][A-Z0-9_]+", message.split(":", 1)[-1])), None)
        return f"doc.{category}" if category else "documents"
    if where.startswith("address."):
        return where
    if where.startswith("applicants"):
        return "applicants"
    return None


def label_code(prefix: str, name: str) -> str:
    return f"{prefix}_{code_of(name)}"
