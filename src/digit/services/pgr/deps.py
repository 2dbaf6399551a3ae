"""The blocks PGR is built from, fetched once from the platform (their client interfaces only)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from digit.blocks.boundary.client import BOUNDARY_CLIENT, BoundaryClient
from digit.blocks.encryption.client import ENCRYPTION_CLIENT, EncryptionClient
from digit.blocks.filestore.client import FILESTORE_CLIENT, FilestoreClient
from digit.blocks.hrms.client import HRMS_CLIENT, HrmsClient
from digit.blocks.idgen.client import IDGEN_CLIENT, IdgenClient
from digit.blocks.mdms.client import MDMS_CLIENT, MdmsClient
from digit.blocks.urlshortener.client import URL_SHORTENER_CLIENT, UrlShortenerClient
from digit.blocks.user.client import USER_CLIENT, UserClient
from digit.blocks.workflow.client import WORKFLOW_CLIENT, WorkflowClient
from digit.kernel.platform import Platform


@dataclass(frozen=True)
class PgrDeps:
    mdms: MdmsClient
    users: UserClient
    idgen: IdgenClient
    workflow: WorkflowClient
    files: FilestoreClient
    hrms: HrmsClient
    boundaries: BoundaryClient
    encryption: EncryptionClient
    shortener: UrlShortenerClient
    public_url: str

    @classmethod
    def of(cls, platform: Platform) -> PgrDeps:
        return cls(
            mdms=platform.get(MDMS_CLIENT),
            users=platform.get(USER_CLIENT),
            idgen=platform.get(IDGEN_CLIENT),
            workflow=platform.get(WORKFLOW_CLIENT),
            files=platform.get(FILESTORE_CLIENT),
            hrms=platform.get(HRMS_CLIENT),
            boundaries=platform.get(BOUNDARY_CLIENT),
            encryption=platform.get(ENCRYPTION_CLIENT),
            shortener=platform.get(URL_SHORTENER_CLIENT),
            public_url=platform.settings.public_url.rstrip("/"),
        )

    async def track_url(self, tenant_id: str, service_request_id: str, session: AsyncSession | None = None) -> str:
        """A short link to the citizen's page for the complaint (for SMS and in-app messages)."""
        target = f"{self.public_url}/digit-ui/citizen/pgr/complaints/{service_request_id}?tenantId={tenant_id}"
        return await self.shortener.shorten(target, session=session)
