"""FastAPI dependencies as named types: the platform, a transactional session, the caller."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.ext.asyncio import AsyncSession

from digit.kernel.envelope import UserInfo
from digit.kernel.errors import DomainError, Unauthenticated
from digit.kernel.events import write_events
from digit.kernel.platform import Platform
from digit.kernel.security import Actor


def platform_of(request: Request) -> Platform:
    platform: Platform = request.app.state.platform
    return platform


async def get_session(request: Request) -> AsyncIterator[AsyncSession]:
    """One transaction per request, committed before the response is sent (scope="function")."""
    platform = platform_of(request)
    async with platform.sessions() as session:
        try:
            yield session
            await write_events(session)  # the request's events in one prepared statement (else at commit)
            await session.commit()
        except BaseException:
            await session.rollback()
            raise


async def get_session_kept_on_refusal(request: Request) -> AsyncIterator[AsyncSession]:
    """Like `get_session`, but a refusal (a `DomainError`) commits too: what the refusal recorded must stick
    (failed logins, lockouts, a wrong OTP code counted against its OTP). Any other error rolls back."""
    async with platform_of(request).sessions() as session:
        try:
            yield session
        except DomainError:
            if session.is_active:
                await session.commit()
            raise
        except BaseException:
            await session.rollback()
            raise
        await session.commit()


async def get_read_session(request: Request) -> AsyncIterator[AsyncSession]:
    """Searches read a snapshot: they never wait for (or hold up) a writer."""
    async with platform_of(request).read_sessions() as session:
        yield session


def current_user(request: Request) -> UserInfo:
    user: UserInfo | None = getattr(request.state, "user", None)
    if user is None:
        raise Unauthenticated("UNAUTHORIZED", "You are not authorized to access this resource")
    return user


def optional_user(request: Request) -> UserInfo | None:
    user: UserInfo | None = getattr(request.state, "user", None)
    return user


def current_actor(request: Request) -> Actor:
    return Actor.of(current_user(request))


def optional_actor(request: Request) -> Actor | None:
    user = optional_user(request)
    return Actor.of(user) if user else None


# FastAPI runs a plain `def` dependency in a worker thread (a thread hop per dependency per request): the
# dependencies below only read request state, so they are coroutines and run on the event loop.


async def _platform(request: Request) -> Platform:
    return platform_of(request)


async def _current_user(request: Request) -> UserInfo:
    return current_user(request)


async def _current_actor(request: Request) -> Actor:
    return current_actor(request)


async def _optional_actor(request: Request) -> Actor | None:
    return optional_actor(request)


PlatformDep = Annotated[Platform, Depends(_platform)]
SessionDep = Annotated[AsyncSession, Depends(get_session, scope="function")]
SessionKeptOnRefusalDep = Annotated[AsyncSession, Depends(get_session_kept_on_refusal, scope="function")]
ReadSessionDep = Annotated[AsyncSession, Depends(get_read_session)]
CurrentUser = Annotated[UserInfo, Depends(_current_user)]
CurrentActor = Annotated[Actor, Depends(_current_actor)]
OptionalActor = Annotated[Actor | None, Depends(_optional_actor)]
