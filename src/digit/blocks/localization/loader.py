"""Reads DIGIT's message files: a folder of `<locale>/<module>.json`, each a JSON list of
`{code, message, module, locale}` (the layout of DIGIT's default-data-handler `localisations/`).

A record that cannot be taken is named (file, index, reason) and skipped; the good records of the
same file still load, each file in one transaction, so nothing is ever stored half-way.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from digit.blocks.localization import service
from digit.blocks.localization.schemas import Message


@dataclass
class FileContent:
    path: Path
    messages: list[Message]
    faults: list[str]


@dataclass
class LoadReport:
    counts: dict[tuple[str, str], int] = field(default_factory=dict)  # (locale, module) -> records loaded
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    faults: list[str] = field(default_factory=list)

    @property
    def loaded(self) -> int:
        return sum(self.counts.values())


def _reason(error: ValidationError) -> str:
    parts = []
    for detail in error.errors():
        where = ".".join(str(p) for p in detail.get("loc", ())) or "record"
        parts.append(f"{where}: {detail.get('msg', 'invalid')}")
    return "; ".join(parts)


def read_message_file(path: Path) -> FileContent:
    """The valid, distinct messages of one file, and a line per record it cannot take."""
    content = FileContent(path=path, messages=[], faults=[])
    try:
        records = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as error:
        content.faults.append(f"{path}: not readable JSON ({error})")
        return content
    if not isinstance(records, list):
        content.faults.append(f"{path}: not a DIGIT message file (a JSON list of {{code, message, module, locale}})")
        return content
    first_index: dict[tuple[str, str, str], int] = {}
    for index, record in enumerate(records):
        if not isinstance(record, dict):
            content.faults.append(f"{path} [{index}]: not a JSON object")
            continue
        try:
            message = Message.model_validate(record)
        except ValidationError as error:
            content.faults.append(f"{path} [{index}] code={record.get('code')!r}: {_reason(error)}")
            continue
        key = (message.locale, message.module, message.code)
        if key in first_index:
            content.faults.append(
                f"{path} [{index}] code={message.code!r}: the same locale, module and code as record "
                f"{first_index[key]}; the first one is kept"
            )
            continue
        first_index[key] = index
        content.messages.append(message)
    return content


def walk(directory: Path) -> Iterator[Path]:
    yield from sorted(p for p in directory.rglob("*.json") if p.is_file())


async def load_directory(
    sessions: async_sessionmaker[AsyncSession],
    directory: Path,
    *,
    tenant_id: str,
    actor_uuid: str,
    now_ms: int,
    on_file: Callable[[Path, int], None] | None = None,
) -> LoadReport:
    """Upsert every message file under `directory` at `tenant_id`, one transaction per file."""
    report = LoadReport()
    files = list(walk(directory))
    for path in files:
        if on_file is not None:
            on_file(path, len(files))
        content = read_message_file(path)
        report.faults.extend(content.faults)
        if not content.messages:
            continue
        async with sessions() as session, session.begin():
            result = await service.write_messages(
                session, tenant_id=tenant_id, messages=content.messages, actor_uuid=actor_uuid, now_ms=now_ms
            )
        report.created += result.created
        report.updated += result.updated
        report.unchanged += result.unchanged
        for message in content.messages:
            key = (message.locale, message.module)
            report.counts[key] = report.counts.get(key, 0) + 1
    return report
