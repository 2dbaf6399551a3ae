"""Users as another block shows them: PII masked by default, clear values only through the PII access audit.

Other blocks read people through the user client as decrypted `UserInfo` (internal use only). What they
put on the wire goes through a `PiiView` instead, so the rule is written once here:

- `shown(user, viewer=...)`: the view a viewer gets without asking, masked (the kernel's masking pattern)
  unless the viewer is that user (one's own data is not audited);
- `unmasked(client, session, views, viewer=..., purpose=...)`: the same views in clear, for callers whose
  own rule lets the viewer see them (HRMS's HR roles, an application's owner in Studio); every other
  person's non-empty PII so shown is one `eg_user_pii_audit` row naming the viewer and the purpose.

Who may unmask stays the caller's rule; that an unmasked read of someone else is audited is this module's.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from digit.blocks.user.pii import MASKED_FIELDS
from digit.kernel.envelope import UserInfo
from digit.kernel.masking import mask_lines
from digit.kernel.security import Actor

if TYPE_CHECKING:  # the client module re-exports this one: only its type is needed here
    from sqlalchemy.ext.asyncio import AsyncSession

    from digit.blocks.user.client import UserClient

CONTACT_FIELDS = ("name", "mobileNumber", "emailId")
"""The PII most blocks show of a person (a complaint's citizen, an application's applicants)."""


def _masked(value: Any) -> Any:
    """Non-empty text masked line by line (DIGIT's regex); anything else (None, "", numbers) as it is."""
    return mask_lines(value) if isinstance(value, str) and value else value


@dataclass(frozen=True, slots=True)
class PiiView:
    """One user as a viewer sees them; `fields` (wire names) are masked unless `clear`.

    Make it with `shown` (or `unmasked`), never directly: a clear view of someone else must be audited.
    """

    user: UserInfo = field(repr=False)
    clear: bool
    fields: tuple[str, ...] = MASKED_FIELDS
    tenant_id: str = ""
    """The tenant an unmasked read is audited in (the user's own when not given)."""

    @property
    def uuid(self) -> str:
        return self.user.uuid

    def _text(self, value: str | None, key: str) -> str | None:
        return value if self.clear or not value or key not in self.fields else mask_lines(value)

    @property
    def name(self) -> str | None:
        return self._text(self.user.name, "name")

    @property
    def mobile_number(self) -> str | None:
        return self._text(self.user.mobile_number, "mobileNumber")

    @property
    def email_id(self) -> str | None:
        return self._text(self.user.email_id, "emailId")

    def wire(self) -> dict[str, Any]:
        """DIGIT's User JSON as this viewer sees it."""
        data = self.user.wire()
        if not self.clear:
            for key in self.fields:
                if key in data:
                    data[key] = _masked(data[key])
        return data

    def shown_fields(self) -> list[str]:
        """The PII fields with a value, in `fields` order: what an unmasked read of this user reveals."""
        data = self.user.wire()
        return [key for key in self.fields if data.get(key)]


def shown(
    user: UserInfo, *, viewer: Actor, tenant_id: str | None = None, fields: Iterable[str] = MASKED_FIELDS
) -> PiiView:
    """`user` as `viewer` sees them unasked: clear if it is the viewer themself, else masked (never audited)."""
    return PiiView(
        user=user,
        clear=viewer.uuid == user.uuid,
        fields=tuple(fields),
        tenant_id=tenant_id or user.tenant_id,
    )


async def unmasked(
    client: UserClient,
    session: AsyncSession,
    views: Sequence[PiiView],
    *,
    viewer: Actor,
    purpose: str,
) -> list[PiiView]:
    """`views` in clear, each other person's revealed fields audited in `session` under `purpose`.

    The caller has checked that `viewer` may see them; views already clear (the viewer's own) are not audited,
    and nothing is written (no statement at all) when no one else's PII is revealed.
    """
    reads = [(v.uuid, v.tenant_id, v.shown_fields()) for v in views if not v.clear and v.uuid != viewer.uuid]
    reads = [read for read in reads if read[2]]
    if reads:
        await client.record_pii_access(session, actor=viewer, reads=reads, purpose=purpose)
    return [v if v.clear else replace(v, clear=True) for v in views]
