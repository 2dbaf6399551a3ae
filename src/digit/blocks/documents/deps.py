"""The blocks the document library is built from, fetched from the platform (their client interfaces only)."""

from __future__ import annotations

from dataclasses import dataclass

from digit.blocks.filestore.client import FILESTORE_CLIENT, FilestoreClient
from digit.blocks.idgen.client import IDGEN_CLIENT, IdgenClient
from digit.blocks.mdms.client import MDMS_CLIENT, MdmsClient
from digit.blocks.user.client import USER_CLIENT, UserClient
from digit.kernel.clock import Clock
from digit.kernel.platform import Platform


@dataclass(frozen=True)
class DocumentsDeps:
    mdms: MdmsClient
    idgen: IdgenClient
    files: FilestoreClient
    users: UserClient
    clock: Clock

    @classmethod
    def of(cls, platform: Platform) -> DocumentsDeps:
        return cls(
            mdms=platform.get(MDMS_CLIENT),
            idgen=platform.get(IDGEN_CLIENT),
            files=platform.get(FILESTORE_CLIENT),
            users=platform.get(USER_CLIENT),
            clock=platform.clock,
        )
