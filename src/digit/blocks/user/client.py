"""What other blocks use to read and write users (decrypted `UserInfo`, for internal use only)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from typing import Protocol

from sqlalchemy.ext.asyncio import AsyncSession

from digit.blocks.user import profile, service, tokens
from digit.blocks.user.caching import USER_AUTH as USER_AUTH  # the counter other blocks' caches also follow
from digit.blocks.user.caching import detached
from digit.blocks.user.schemas import NewUser, RoleIn, UserChanges
from digit.blocks.user.service import Identity, SearchCriteria
from digit.blocks.user.view import CONTACT_FIELDS, PiiView, shown, unmasked
from digit.kernel.envelope import UserInfo, UserType
from digit.kernel.platform import Key
from digit.kernel.security import Actor

__all__ = [  # the types of the interface travel with it: other blocks import only this module
    "CONTACT_FIELDS",
    "OTP_SENDER",
    "TOKEN_AUTHENTICATOR",
    "USER_AUTH",
    "USER_CLIENT",
    "InProcessTokenAuthenticator",
    "InProcessUserClient",
    "NewUser",
    "OtpSender",
    "PiiView",
    "RoleIn",
    "TokenAuthenticator",
    "UserChanges",
    "UserClient",
    "UserInfo",
    "shown",
    "unmasked",
]


class UserClient(Protocol):
    async def get_users(self, uuids: Sequence[str]) -> dict[str, UserInfo]: ...

    async def find_by_mobile(
        self, *, tenant_id: str, mobile_number: str, user_type: str = UserType.CITIZEN
    ) -> UserInfo | None: ...

    async def search_users(
        self,
        *,
        tenant_id: str,
        role_codes: Sequence[str] = (),
        user_type: str | None = None,
        uuids: Sequence[str] = (),
    ) -> list[UserInfo]: ...

    async def create_user(self, session: AsyncSession | None, *, user: NewUser, actor: Actor) -> UserInfo: ...

    async def update_user(
        self, session: AsyncSession | None, *, uuid: str, changes: UserChanges, actor: Actor
    ) -> UserInfo:
        """Change the fields `changes` sets, nothing else."""
        ...

    async def record_pii_access(
        self,
        session: AsyncSession,
        *,
        actor: Actor,
        reads: Sequence[tuple[str, str, Sequence[str]]],
        purpose: str | None,
    ) -> None:
        """Audit another block's unmasked reads of people's PII: (subject uuid, subject tenant, fields).

        Blocks showing people call `unmasked` (which calls this) on `shown` views rather than this directly."""
        ...


class TokenAuthenticator(Protocol):
    """Used by the access block's gate: the user behind a live access token."""

    async def authenticate(self, token: str) -> UserInfo | None: ...


class InProcessUserClient:
    """Reads go through `platform.read_sessions` (never wait for a writer); writes use the caller's
    session when given (pass it whenever you hold a write transaction), else their own transaction.

    Users are cached per process and shared: every user handed out is `detached`, the caller's own copy.
    Its methods restate `UserClient`'s signatures on purpose (the Protocol is what other blocks type against)."""

    def __init__(self, identity: Identity) -> None:
        self._identity = identity

    @asynccontextmanager
    async def _session(self, session: AsyncSession | None) -> AsyncIterator[AsyncSession]:
        if session is not None:
            yield session
            return
        async with self._identity.platform.sessions() as own:
            try:
                yield own
                await own.commit()
            except BaseException:
                await own.rollback()
                raise

    async def get_users(self, uuids: Sequence[str]) -> dict[str, UserInfo]:
        found: dict[str, UserInfo] = {}
        for uuid in uuids:
            cached = await self._identity.people.get(uuid)
            if cached is not None:
                found[uuid] = detached(cached)
        missing = [uuid for uuid in uuids if uuid not in found]
        if not missing:
            return found
        async with self._identity.platform.read_sessions() as session:
            rows = await service.search_users(
                session, self._identity, SearchCriteria(uuids=missing, active=None, limit=len(missing))
            )
            for row in rows:
                kept = detached(await service.user_info(self._identity, row))
                self._identity.people.put(row.uuid, kept)
                found[row.uuid] = detached(kept)
        return found

    async def find_by_mobile(
        self, *, tenant_id: str, mobile_number: str, user_type: str = UserType.CITIZEN
    ) -> UserInfo | None:
        async with self._identity.platform.read_sessions() as session:
            row = await service.find_by_mobile(
                session, self._identity, mobile_number=mobile_number, tenant_id=tenant_id, user_type=user_type
            )
            return detached(await service.user_info(self._identity, row)) if row is not None else None

    async def search_users(
        self,
        *,
        tenant_id: str,
        role_codes: Sequence[str] = (),
        user_type: str | None = None,
        uuids: Sequence[str] = (),
    ) -> list[UserInfo]:
        criteria = SearchCriteria(
            tenant_id=tenant_id, role_codes=list(role_codes), user_type=user_type, uuids=list(uuids), limit=10_000
        )
        async with self._identity.platform.read_sessions() as session:
            rows = await service.search_users(session, self._identity, criteria)
            return [detached(await service.user_info(self._identity, row)) for row in rows]

    async def create_user(self, session: AsyncSession | None, *, user: NewUser, actor: Actor) -> UserInfo:
        fields = user.model_dump(by_alias=True, exclude_none=True)  # DIGIT's User, as the user API takes it
        async with self._session(session) as active:
            row = await service.create_user(active, self._identity, user=fields, actor=actor)
            return detached(await service.user_info(self._identity, row))

    async def update_user(
        self, session: AsyncSession | None, *, uuid: str, changes: UserChanges, actor: Actor
    ) -> UserInfo:
        fields = changes.model_dump(by_alias=True, exclude_unset=True)
        async with self._session(session) as active:
            row = await profile.update_user(active, self._identity, uuid=uuid, changes=fields, actor=actor)
            return detached(await service.user_info(self._identity, row))

    async def record_pii_access(
        self,
        session: AsyncSession,
        *,
        actor: Actor,
        reads: Sequence[tuple[str, str, Sequence[str]]],
        purpose: str | None,
    ) -> None:
        await service.record_pii_access(session, self._identity, actor=actor, reads=reads, purpose=purpose)


class InProcessTokenAuthenticator:
    def __init__(self, identity: Identity) -> None:
        self._identity = identity

    async def authenticate(self, token: str) -> UserInfo | None:
        _, cached = await tokens.cached_user(self._identity, token)
        if cached is None:
            async with self._identity.platform.read_sessions() as session:
                cached = await tokens.authenticate(session, self._identity, token)
        return detached(cached) if cached is not None else None


TOKEN_AUTHENTICATOR = Key[TokenAuthenticator](TokenAuthenticator)
"""The platform key of `TokenAuthenticator`."""


USER_CLIENT = Key[UserClient](UserClient)
"""The platform key of `UserClient`."""


class OtpSender(Protocol):
    """What the user block needs to deliver an OTP: an SMS sent once the caller's transaction commits.

    The notification block (which depends on the user block) provides it at install, so the user block
    never imports the notification block: the dependency points one way.
    """

    async def send_sms(
        self, *, session: AsyncSession | None = None, tenant_id: str, mobile_number: str, message: str, category: str
    ) -> object: ...


OTP_SENDER = Key[OtpSender](OtpSender)
"""The platform key of `OtpSender` (absent when no notification block is installed: OTPs are then not sent)."""
