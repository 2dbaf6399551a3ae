"""The blocks Studio's configured services are built from, fetched once from the platform (client interfaces only)."""

from __future__ import annotations

from dataclasses import dataclass

from digit.blocks.billing.client import BILLING_CLIENT, BillingClient
from digit.blocks.boundary.client import BOUNDARY_CLIENT, BoundaryClient
from digit.blocks.encryption.client import ENCRYPTION_CLIENT, EncryptionClient
from digit.blocks.filestore.client import FILESTORE_CLIENT, FilestoreClient
from digit.blocks.idgen.client import IDGEN_CLIENT, IdgenClient
from digit.blocks.localization.client import LOCALIZATION_CLIENT, LocalizationClient
from digit.blocks.mdms.client import MDMS_CLIENT, MdmsClient
from digit.blocks.notification.client import NOTIFICATION_CLIENT, NotificationClient
from digit.blocks.pdf.client import PDF_CLIENT, PdfClient
from digit.blocks.user.client import USER_CLIENT, UserClient
from digit.blocks.workflow.client import WORKFLOW_CLIENT, WorkflowClient
from digit.kernel.platform import Platform


@dataclass(frozen=True)
class StudioDeps:
    mdms: MdmsClient
    users: UserClient
    idgen: IdgenClient
    workflow: WorkflowClient
    files: FilestoreClient
    billing: BillingClient
    localization: LocalizationClient
    pdf: PdfClient
    boundaries: BoundaryClient
    encryption: EncryptionClient
    notification: NotificationClient
    public_url: str

    @classmethod
    def of(cls, platform: Platform) -> StudioDeps:
        return cls(
            mdms=platform.get(MDMS_CLIENT),
            users=platform.get(USER_CLIENT),
            idgen=platform.get(IDGEN_CLIENT),
            workflow=platform.get(WORKFLOW_CLIENT),
            files=platform.get(FILESTORE_CLIENT),
            billing=platform.get(BILLING_CLIENT),
            localization=platform.get(LOCALIZATION_CLIENT),
            pdf=platform.get(PDF_CLIENT),
            boundaries=platform.get(BOUNDARY_CLIENT),
            encryption=platform.get(ENCRYPTION_CLIENT),
            notification=platform.get(NOTIFICATION_CLIENT),
            public_url=platform.settings.public_url.rstrip("/"),
        )
