"""PDF: templates per key and tenant rendered in the caller's locale (Noto fonts, shaped Indic scripts, QR)."""

from __future__ import annotations

from digit.blocks.pdf.api import router
from digit.blocks.pdf.client import PDF_CLIENT, InProcessPdfClient
from digit.blocks.pdf.service import load_templates
from digit.kernel.blocks import Block, SeedContext
from digit.kernel.platform import Platform
from digit.kernel.security import SYSTEM_UUID


def install(platform: Platform) -> None:
    platform.provide(PDF_CLIENT, InProcessPdfClient(platform))


async def seed(platform: Platform, context: SeedContext) -> None:
    async with platform.sessions() as session, session.begin():
        count = await load_templates(
            session, context.demo_dir / "pdf", actor_uuid=SYSTEM_UUID, now_ms=platform.clock.now_ms()
        )
    context.report(f"{count} PDF templates loaded")


BLOCK = Block(name="pdf", routers=[router], depends=("mdms", "localization", "filestore"), install=install, seed=seed)
