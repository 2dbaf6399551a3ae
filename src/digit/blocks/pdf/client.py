"""What other blocks use to print: render a template to PDF bytes, or render and store in the filestore."""

from __future__ import annotations

from typing import Any, Protocol

from sqlalchemy.ext.asyncio import AsyncSession

from digit.blocks.filestore.client import FILESTORE_CLIENT
from digit.blocks.localization.client import LOCALIZATION_CLIENT
from digit.blocks.mdms.client import MDMS_CLIENT
from digit.blocks.pdf import service
from digit.blocks.pdf.models import JobRow
from digit.kernel.db import new_id
from digit.kernel.platform import Key, Platform
from digit.kernel.security import Actor


class PdfClient(Protocol):
    async def render(self, *, key: str, tenant_id: str, locale: str, data: dict[str, Any]) -> bytes: ...

    async def create(
        self,
        *,
        session: AsyncSession | None = None,
        key: str,
        tenant_id: str,
        locale: str,
        data: dict[str, Any],
        actor: Actor,
    ) -> list[str]:
        """Render and store; returns fileStoreIds. Pass your session when you hold a write transaction."""
        ...


class InProcessPdfClient:
    """`PdfClient` in this process. Its methods restate the Protocol's signatures on purpose: the Protocol is
    the interface other blocks type against, this class one implementation of it."""

    def __init__(self, platform: Platform) -> None:
        self.platform = platform

    async def _wording(self, template: dict[str, Any], *, tenant_id: str, locale: str) -> service.Wording:
        localization = self.platform.get(LOCALIZATION_CLIENT)
        modules = template.get("modules", [])
        labels = template.get("labels", {})
        fallback = await localization.get_messages(
            tenant_id=tenant_id, locale=service.DEFAULT_LOCALE, modules=modules, codes=()
        )
        if locale == service.DEFAULT_LOCALE:
            in_locale = fallback
        else:
            found = await localization.get_messages(tenant_id=tenant_id, locale=locale, modules=modules, codes=())
            in_locale = {code: text for code, text in found.items() if fallback.get(code) != text}
        return service.Wording(
            in_locale=in_locale,
            fallback=fallback,
            template_locale=labels.get(locale, {}),
            template_default=labels.get(service.DEFAULT_LOCALE, {}),
        )

    async def _subtitle(self, tenant_id: str, word: service.Wording) -> str:
        tenant = await self.platform.get(MDMS_CLIENT).get_tenant(tenant_id)
        code = "TENANT_TENANTS_" + tenant_id.upper().replace(".", "_")
        name = word(code)
        if name == code:
            name = (tenant.name if tenant else None) or tenant_id
        return name

    async def prepare(self, *, key: str, tenant_id: str, locale: str, data: dict[str, Any]) -> tuple[bytes, list[str]]:
        """The PDF and the entity ids it prints (receipt numbers, complaint numbers)."""
        async with self.platform.read_sessions() as session:
            template = await service.find_template(session, key=key, tenant_id=tenant_id)
        base, records = service.records_of(template, data)
        service.check_required(template, base, records)
        word = await self._wording(template, tenant_id=tenant_id, locale=locale or service.DEFAULT_LOCALE)
        pages = service.pages_of(
            template,
            records,
            word=word,
            tenant_id=tenant_id,
            subtitle=await self._subtitle(tenant_id, word),
            public_url=self.platform.settings.public_url,
        )
        content = await service.render_pdf(pages, configured_font_dir=self.platform.settings.pdf_font_dir)
        return content, [service.entity_id(template, r) for r in records]

    async def render(self, *, key: str, tenant_id: str, locale: str, data: dict[str, Any]) -> bytes:
        content, _ = await self.prepare(key=key, tenant_id=tenant_id, locale=locale, data=data)
        return content

    async def create_job(
        self,
        session: AsyncSession,
        *,
        key: str,
        tenant_id: str,
        locale: str,
        data: dict[str, Any],
        actor: Actor,
    ) -> JobRow:
        content, entity_ids = await self.prepare(key=key, tenant_id=tenant_id, locale=locale, data=data)
        job_id = new_id()
        filestore = self.platform.get(FILESTORE_CLIENT)
        stored = await filestore.store(
            session=session,
            tenant_id=tenant_id,
            module="pdfgen",
            tag=key,
            filename=f"{key}-{job_id}.pdf",
            content=content,
            actor=actor,
        )
        return await service.record_job(
            session,
            job_id=job_id,
            key=key,
            tenant_id=tenant_id,
            entity_ids=entity_ids,
            filestore_ids=[stored.file_store_id],
            actor_uuid=actor.uuid,
            now_ms=self.platform.clock.now_ms(),
        )

    async def create(
        self,
        *,
        session: AsyncSession | None = None,
        key: str,
        tenant_id: str,
        locale: str,
        data: dict[str, Any],
        actor: Actor,
    ) -> list[str]:
        if session is not None:
            job = await self.create_job(session, key=key, tenant_id=tenant_id, locale=locale, data=data, actor=actor)
        else:
            async with self.platform.sessions() as own, own.begin():
                job = await self.create_job(own, key=key, tenant_id=tenant_id, locale=locale, data=data, actor=actor)
        return list(job.filestore_ids)


PDF_CLIENT = Key[PdfClient](PdfClient)
"""The platform key of `PdfClient`."""
