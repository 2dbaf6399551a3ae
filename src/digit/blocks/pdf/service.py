"""PDF rules: find the template (tenant, then its state), check the data, word it in the locale, render.

Templates are configuration held as data: `data/demo/pdf/<key>.json` files are loaded by the seed into
`eg_pdf_template` (one row per tenant and key; a city row overrides its state's). Labels are
localization codes: a message in the caller's locale wins, then the template's own `labels` for that
locale, then English.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jsonpath
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from digit.blocks.pdf.models import JobRow, TemplateRow
from digit.blocks.pdf.render import Line, Page, Table, font_dir, format_value, render
from digit.blocks.pdf.schemas import JobSearch
from digit.kernel.db import stamp
from digit.kernel.errors import Invalid
from digit.kernel.tenancy import lineage

log = logging.getLogger(__name__)
DEFAULT_LOCALE = "en_IN"
MAX_RECORDS = 100


@dataclass(frozen=True)
class Wording:
    """Label lookup for one render: localization in the locale, then template labels, then English."""

    in_locale: dict[str, str]
    fallback: dict[str, str]
    template_locale: dict[str, str]
    template_default: dict[str, str]

    def find(self, code: str) -> str | None:
        for source in (self.in_locale, self.template_locale, self.fallback, self.template_default):
            if code in source:
                return source[code]
        return None

    def __call__(self, code: str) -> str:
        return self.find(code) or code


def _values(path: str, record: Any) -> list[Any]:
    try:
        return list(jsonpath.findall(path, record))
    except jsonpath.JSONPathError:
        return []


def _first(path: str, record: Any) -> Any:
    found = _values(path, record)
    return found[0] if found else None


def _shown(path: str) -> str:
    return path.removeprefix("$").removeprefix(".")


async def find_template(session: AsyncSession, *, key: str, tenant_id: str) -> dict[str, Any]:
    """The most specific template for the tenant (city, then state); unknown key -> 400."""
    tenants = lineage(tenant_id)
    rows = {
        row.tenant_id: row
        for row in await session.scalars(
            select(TemplateRow).where(TemplateRow.key == key, TemplateRow.tenant_id.in_(tenants))
        )
    }
    for tenant in tenants:
        if tenant in rows:
            return rows[tenant].config
    raise Invalid("INVALID_KEY", f"no PDF template with key {key!r} for tenant {tenant_id}", params=["key"])


def records_of(template: dict[str, Any], data: dict[str, Any]) -> tuple[str, list[dict[str, Any]]]:
    """The list of records to print (one page each) and the body key it came from."""
    paths = template["baseKeyPath"]
    candidates = [paths] if isinstance(paths, str) else list(paths)
    for name in candidates:
        value = data.get(name)
        if isinstance(value, dict):
            value = [value]
        if isinstance(value, list) and value:
            if len(value) > MAX_RECORDS:
                raise Invalid("PDF_TOO_MANY_RECORDS", f"at most {MAX_RECORDS} records per PDF", params=[name])
            if not all(isinstance(v, dict) for v in value):
                raise Invalid("PDF_INVALID_DATA", f"{name} must hold objects", params=[name])
            return name, value
    raise Invalid("PDF_DATA_MISSING", f"missing data fields: {candidates[0]}", params=[candidates[0]])


def check_required(template: dict[str, Any], base: str, records: Sequence[dict[str, Any]]) -> None:
    """Every required field must be present and non-empty in every record; 400 naming the missing ones."""
    missing = []
    for index, record in enumerate(records):
        for field in template.get("lines", []):
            if field.get("required") and _first(field["path"], record) in (None, "", []):
                missing.append(f"{base}[{index}].{_shown(field['path'])}")
        for table in template.get("tables", []):
            if table.get("required") and not _values(table["path"], record):
                missing.append(f"{base}[{index}].{_shown(table['path'])}")
    if missing:
        raise Invalid("PDF_DATA_MISSING", f"missing data fields: {', '.join(missing)}", params=missing)


def label_codes(template: dict[str, Any]) -> list[str]:
    codes = [template.get("title", ""), template.get("qrCode", {}).get("caption", "")]
    codes += [f["label"] for f in template.get("lines", [])]
    for table in template.get("tables", []):
        codes += [table.get("title", "")] + [c["label"] for c in table.get("columns", [])]
    return [c for c in codes if c]


def _value(field: dict[str, Any], raw: Any, word: Wording) -> str:
    prefix = field.get("localizePrefix")
    if prefix is not None and raw not in (None, ""):
        return word.find(f"{prefix}{str(raw).upper().replace(' ', '_')}") or str(raw)
    return format_value(raw, field.get("format"))


def entity_id(template: dict[str, Any], record: dict[str, Any]) -> str:
    path = template.get("entityIdPath")
    value = _first(path, record) if path else None
    return "" if value is None else str(value)


def pages_of(
    template: dict[str, Any],
    records: Sequence[dict[str, Any]],
    *,
    word: Wording,
    tenant_id: str,
    subtitle: str,
    public_url: str,
) -> list[Page]:
    pages = []
    qr = template.get("qrCode")
    for record in records:
        lines = [Line(word(f["label"]), _value(f, _first(f["path"], record), word)) for f in template.get("lines", [])]
        tables = []
        for spec in template.get("tables", []):
            found = _values(spec["path"], record)
            items = found[0] if len(found) == 1 and isinstance(found[0], list) else found
            rows = [[_value(c, _first(c["path"], item), word) for c in spec["columns"]] for item in items]
            tables.append(
                Table(
                    word(spec.get("title", "")) if spec.get("title") else "",
                    [word(c["label"]) for c in spec["columns"]],
                    rows,
                )
            )
        qr_url = None
        if qr:
            qr_url = (
                qr["url"]
                .replace("{publicUrl}", public_url.rstrip("/"))
                .replace("{tenantId}", tenant_id)
                .replace("{key}", template["key"])
                .replace("{entityId}", entity_id(template, record))
            )
        caption = word(qr["caption"]) if qr and qr.get("caption") else ""
        pages.append(Page(word(template.get("title", template["key"])), subtitle, lines, tables, qr_url, caption))
    return pages


async def render_pdf(pages: Sequence[Page], *, configured_font_dir: str) -> bytes:
    """fpdf2 is CPU-bound and blocking: run it in a worker thread."""
    return await asyncio.to_thread(render, pages, fonts=font_dir(configured_font_dir))


async def record_job(
    session: AsyncSession,
    *,
    job_id: str,
    key: str,
    tenant_id: str,
    entity_ids: list[str],
    filestore_ids: list[str],
    actor_uuid: str,
    now_ms: int,
) -> JobRow:
    row = JobRow(
        id=job_id,
        tenant_id=tenant_id,
        key=key,
        entity_ids=entity_ids,
        filestore_ids=filestore_ids,
        total_count=len(entity_ids),
        end_time=now_ms,
    )
    stamp(row, actor_uuid=actor_uuid, now_ms=now_ms)
    session.add(row)
    await session.flush()
    return row


async def search_jobs(session: AsyncSession, *, tenant_id: str, criteria: JobSearch) -> list[JobRow]:
    """The tenant's jobs of some ids, or that printed an entity, newest first."""
    if not criteria.jobid and not criteria.entityid:
        raise Invalid("INVALID_SEARCH", "give jobid or entityid", params=["jobid"])
    query = select(JobRow).where(JobRow.tenant_id == tenant_id)
    if criteria.jobid:
        query = query.where(JobRow.id.in_(criteria.jobid))
    rows = list(await session.scalars(query.order_by(JobRow.created_time.desc())))
    if criteria.entityid:
        rows = [r for r in rows if criteria.entityid in r.entity_ids]
    return rows


def read_templates(directory: Path) -> list[dict[str, Any]]:
    return [json.loads(p.read_text(encoding="utf-8")) for p in sorted(directory.glob("*.json"))]


async def load_templates(session: AsyncSession, directory: Path, *, actor_uuid: str, now_ms: int) -> int:
    """Upsert every `<key>.json` template in the folder (its `tenantId` says whose it is)."""
    count = 0
    for config in await asyncio.to_thread(read_templates, directory):
        tenant_id, key = config["tenantId"], config["key"]
        row = await session.scalar(
            select(TemplateRow).where(TemplateRow.tenant_id == tenant_id, TemplateRow.key == key)
        )
        if row is None:
            row = TemplateRow(tenant_id=tenant_id, key=key, config=config)
            session.add(row)
        row.config = config
        stamp(row, actor_uuid=actor_uuid, now_ms=now_ms)
        count += 1
    return count
