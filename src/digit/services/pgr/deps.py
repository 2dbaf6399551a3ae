"""The blocks PGR is built from, fetched once from the platform (their client interfaces only)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from digit.blocks.boundary.client import BoundaryClient
from digit.blocks.encryption.client import EncryptionClient
from digit.blocks.filestore.client import FilestoreClient
from digit.blocks.hrms.client import HrmsClient
from digit.blocks.idgen.client import IdgenClient
from digit.blocks.mdms.client import MdmsClient
from digit.blocks.urlshortener.client import UrlShortenerClient
from digit.blocks.user.client import UserClient
from digit.blocks.workflow.client import WorkflowClient
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
            mdms=platform.get(MdmsClient),  # type: ignore[type-abstract]
            users=platform.get(UserClient),  # type: ignore[type-abstract]
            idgen=platform.get(IdgenClient),  # type: ignore[type-abstract]
            workflow=platform.get(WorkflowClient),  # type: ignore[type-abstract]
            files=platform.get(FilestoreClient),  # type: ignore[type-abstract]
            hrms=platform.get(HrmsClient),  # type: ignore[type-abstract]
            boundaries=platform.get(BoundaryClient),  # type: ignore[type-abstract]
            encryption=platform.get(EncryptionClient),  # type: ignore[type-abstract]
            shortener=platform.get(UrlShortenerClient),  # type: ignore[type-abstract]
            public_url=platform.settings.public_url.rstrip("/"),
        )

    async def track_url(self, tenant_id: str, service_request_id: str, session: AsyncSession | None = None) -> str:
        """A short link to the citizen's page for the complaint (for SMS and in-app messages)."""
        target = f"{self.public_url}/digit-ui/citizen/pgr/complaints/{service_request_id}?tenantId={tenant_id}"
        return await self.shortener.shorten(target, session=session)
