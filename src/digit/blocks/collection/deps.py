"""The blocks collection is built from, handed to its rules once, at install (their client interfaces only).

Declared in `depends`: billing (bills settled in the payment's transaction), MDMS (which modes a business
service accepts), idgen (receipt numbers) and encryption (payer name and mobile number stored encrypted).
Declared in `optional`: pdf; without it a payment simply has no receipt PDF (`pdf` is None).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends

from digit.blocks.billing.client import BILLING_CLIENT, BillingClient
from digit.blocks.encryption.client import ENCRYPTION_CLIENT, EncryptionClient
from digit.blocks.idgen.client import IDGEN_CLIENT, IdgenClient
from digit.blocks.mdms.client import MDMS_CLIENT, MdmsClient
from digit.blocks.pdf.client import PDF_CLIENT, PdfClient
from digit.kernel.deps import PlatformDep
from digit.kernel.platform import Key, Platform


@dataclass(frozen=True)
class CollectionDeps:
    platform: Platform  # clock and read sessions
    billing: BillingClient
    mdms: MdmsClient
    idgen: IdgenClient
    encryption: EncryptionClient
    pdf: PdfClient | None  # optional block

    @classmethod
    def of(cls, platform: Platform) -> CollectionDeps:
        return cls(
            platform=platform,
            billing=platform.get(BILLING_CLIENT),
            mdms=platform.get(MDMS_CLIENT),
            idgen=platform.get(IDGEN_CLIENT),
            encryption=platform.get(ENCRYPTION_CLIENT),
            pdf=platform.find(PDF_CLIENT),
        )


COLLECTION_DEPS = Key[CollectionDeps](CollectionDeps)
"""The platform key of collection's `CollectionDeps`, provided at install."""


async def collection_deps(platform: PlatformDep) -> CollectionDeps:
    return platform.get(COLLECTION_DEPS)


CollectionDepsDep = Annotated[CollectionDeps, Depends(collection_deps)]
"""Route handlers receive collection's dependencies as a parameter of this type."""
