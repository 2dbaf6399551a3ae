"""egov-filestore: files checked by content, kept in a local folder or S3-compatible storage, signed links."""

from __future__ import annotations

from digit.blocks.filestore.api import router
from digit.blocks.filestore.client import FILESTORE_CLIENT, InProcessFilestoreClient
from digit.blocks.filestore.service import DOWNLOAD_PATH
from digit.blocks.filestore.storage import storage_for
from digit.kernel.blocks import Block
from digit.kernel.platform import Platform

URL_PATH = "/filestore/v1/files/url"


def install(platform: Platform) -> None:
    client = InProcessFilestoreClient(platform, storage_for(platform.settings))
    platform.provide(FILESTORE_CLIENT, client)


BLOCK = Block(
    name="filestore",
    routers=[router],
    depends=("mdms",),
    install=install,
    open_routes=(DOWNLOAD_PATH,),
    anonymous_routes=(URL_PATH,),  # DIGIT's UI asks for file links by their (unguessable) ids without a token
)
