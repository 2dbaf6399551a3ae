"""egov-document-uploader: officials publish documents (files or links) that citizens look up."""

from __future__ import annotations

from digit.blocks.documents.api import router
from digit.blocks.documents.client import DOCUMENTS_CLIENT, InProcessDocumentsClient
from digit.kernel.blocks import Block
from digit.kernel.platform import Platform


def install(platform: Platform) -> None:
    platform.provide(DOCUMENTS_CLIENT, InProcessDocumentsClient(platform))


BLOCK = Block(
    name="documents",
    routers=[router],
    depends=("mdms", "idgen", "filestore", "user"),
    install=install,
)
