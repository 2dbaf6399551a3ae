"""Who a token belongs to and who a user is, cached per process, dropped everywhere when users change.

Every request presents a token and most name users (a complaint's citizen, an assignee); reading
them from the database each time was a third of the hot path's statements. The caches hang on the
kernel's `user-auth` counter (`kernel/versions.py`): a logout, a revoked token family, a changed
password or role, a deactivation, any change of a user row bumps it in the writer's transaction, so
this process forgets at once and every other within `cache_check_ms`.

User rows and their roles are watched through the ORM (any flushed change of a `UserRow` or `RoleRow`
counts), so no write path can forget to bump; token revocations are bulk updates and bump explicitly.

A cached user is shared by every caller, so what the client hands out is `detached`: a caller that changes
its user (or that user's role list) changes nothing the next caller gets.
"""

from __future__ import annotations

from typing import Any

from pydantic import ConfigDict
from sqlalchemy import event
from sqlalchemy.orm import Session, UOWTransaction

from digit.blocks.user.models import RoleRow, UserRow
from digit.kernel.db import VERSIONS_INFO
from digit.kernel.envelope import Role, UserInfo
from digit.kernel.versions import bump_in_flush

USER_AUTH = "user-auth"
"""The counter of every change that can alter what a token or a user id stands for."""


class SealedRole(Role):
    """A role nobody can change (assigning a field raises), so detached users may share it."""

    model_config = ConfigDict(frozen=True)


def detached(cached: UserInfo) -> UserInfo:
    """A copy of a cached user that its receiver may change freely: its own model and role list, the roles
    sealed and shared. A shallow copy (a few microseconds, a fifth of a deep copy); the cached user's roles
    are sealed in place the first time it is handed out, so later copies build no role at all."""
    roles = cached.roles
    if not all(type(role) is SealedRole for role in roles):
        roles[:] = [SealedRole(code=role.code, name=role.name, tenant_id=role.tenant_id) for role in roles]
    return cached.model_copy(update={"roles": list(roles)})


def _touches_users(session: Session) -> bool:
    for row in session.dirty:
        if isinstance(row, (UserRow, RoleRow)) and session.is_modified(row):
            return True
    # a new user is not cached anywhere yet; a new role of an existing user changes what they may do
    new_users = {id(row) for row in session.new if isinstance(row, UserRow)}
    for row in session.new:
        if isinstance(row, RoleRow) and id(row.__dict__.get("user")) not in new_users:
            return True
    return any(isinstance(row, (UserRow, RoleRow)) for row in session.deleted)


@event.listens_for(Session, "after_flush")
def _count_user_changes(session: Session, _context: UOWTransaction) -> None:
    if not _touches_users(session):
        return
    bump_in_flush(session.connection(), USER_AUTH)
    watch: Any = session.info.get(VERSIONS_INFO)
    if watch is not None:
        watch.changed_here(USER_AUTH)
