"""Idempotency-Key on creates: a retried create answers what the first one made instead of making it twice.

A client that lost the response of a create sends it again with the same `Idempotency-Key` header. The key is
scoped to the caller (actor uuid) and the tenant; reused for another request (another operation, or a body that
differs) it is refused with 409 `IDEMPOTENCY_KEY_REUSED`.

How it holds under races: the create claims the key (inserts its row) in the request's own transaction, before
doing its work, and records a reference to what it made (ids, never PII) before commit. A concurrent retry's
insert waits on the unique key (PostgreSQL) or for the write lock (SQLite) and then finds the committed row; if
the first request failed, its row rolled back with everything else and the retry makes the thing itself.

A retry answers the thing as it is now (read again by its ids), not a stored copy of the first response: a
response would hold PII, which is kept only encrypted by its owner block. Keys are kept (no expiry yet).

Usage, in the create's service (or its route when the block's service is not yours to change):

    claim = await idempotency.claim(session, key=key, operation="pgr.create", tenant_id=tenant_id,
                                    caller=actor.uuid, request=body_without_request_info, now_ms=now_ms)
    if claim.reference is not None:
        return await read_again(claim.reference["serviceRequestId"])
    made = await make_it()
    await idempotency.remember(session, claim, {"serviceRequestId": made.id})
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Annotated, Any, TypeVar

from fastapi import Header
from sqlalchemy import String, UniqueConstraint, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from digit.kernel.db import Audited, Base, new_id
from digit.kernel.errors import Conflict

T = TypeVar("T")

HEADER = "Idempotency-Key"
MAX_KEY_LENGTH = 200

IdempotencyKey = Annotated[
    str | None,
    Header(alias=HEADER, min_length=1, max_length=MAX_KEY_LENGTH, pattern=r"^[\x20-\x7e]+$"),
]
"""A route parameter: the request's `Idempotency-Key` header, printable ASCII, if any."""


class IdempotencyRow(Audited, Base):
    """One key of one caller in one tenant: the request it stood for and what that request made."""

    __tablename__ = "eg_idempotency_key"
    __table_args__ = (UniqueConstraint("tenant_id", "caller", "key"),)

    id: Mapped[str] = mapped_column(primary_key=True, default=new_id)
    caller: Mapped[str] = mapped_column(String(64))
    key: Mapped[str] = mapped_column(String(MAX_KEY_LENGTH))
    operation: Mapped[str] = mapped_column(String(100))
    request_sha256: Mapped[str] = mapped_column(String(64))
    reference: Mapped[dict[str, Any] | None] = mapped_column(default=None)


@dataclass(frozen=True)
class Claim:
    """The outcome of claiming a key: a first call (`row`, or nothing when no key was sent) or a retry."""

    row: IdempotencyRow | None = None
    reference: dict[str, Any] | None = None  # set on a retry: what the first call recorded

    @property
    def is_retry(self) -> bool:
        return self.reference is not None


def fingerprint(request: Any) -> str:
    """SHA-256 of the request's canonical JSON (keys sorted): equal bodies, equal fingerprints."""
    canonical = json.dumps(request, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


async def _find(session: AsyncSession, *, tenant_id: str, caller: str, key: str) -> IdempotencyRow | None:
    return await session.scalar(
        select(IdempotencyRow)
        .where(IdempotencyRow.tenant_id == tenant_id, IdempotencyRow.caller == caller, IdempotencyRow.key == key)
        .execution_options(populate_existing=True)
    )


def _retry(row: IdempotencyRow, *, operation: str, digest: str) -> Claim:
    if row.operation != operation or row.request_sha256 != digest:
        raise Conflict("IDEMPOTENCY_KEY_REUSED", f"this {HEADER} was used for a different request")
    if row.reference is None:  # the first call records its reference before it commits; defensive only
        raise Conflict("IDEMPOTENCY_KEY_IN_USE", f"the request with this {HEADER} has not finished; retry later")
    return Claim(reference=dict(row.reference))


async def claim(
    session: AsyncSession,
    *,
    key: str | None,
    operation: str,
    tenant_id: str,
    caller: str,
    request: Any,
    now_ms: int,
) -> Claim:
    """Claim the key for this request in the caller's transaction, or tell that this is a retry."""
    if key is None:
        return Claim()
    digest = fingerprint({"operation": operation, "request": request})
    existing = await _find(session, tenant_id=tenant_id, caller=caller, key=key)
    if existing is not None:
        return _retry(existing, operation=operation, digest=digest)
    row = IdempotencyRow(
        id=new_id(),
        tenant_id=tenant_id,
        caller=caller,
        key=key,
        operation=operation,
        request_sha256=digest,
        created_by=caller,
        created_time=now_ms,
        last_modified_by=caller,
        last_modified_time=now_ms,
    )
    try:
        async with session.begin_nested():
            session.add(row)
            await session.flush()
    except IntegrityError:  # a concurrent request with this key committed first
        existing = await _find(session, tenant_id=tenant_id, caller=caller, key=key)
        if existing is None:
            raise
        return _retry(existing, operation=operation, digest=digest)
    return Claim(row=row)


async def remember(session: AsyncSession, claim: Claim, reference: dict[str, Any]) -> None:
    """Record what the first call made (ids only), in its transaction; no-op when no key was sent."""
    if claim.row is None:
        return
    claim.row.reference = reference
    await session.flush()


async def once(
    session: AsyncSession,
    *,
    key: str | None,
    operation: str,
    tenant_id: str,
    caller: str,
    request: Any,
    now_ms: int,
    create: Callable[[], Awaitable[T]],
    reference: Callable[[T], dict[str, Any]],
    replay: Callable[[dict[str, Any]], Awaitable[T]],
) -> T:
    """`claim`, then `create` and `remember` its `reference` (a first call), or `replay` the reference (a retry)."""
    claimed = await claim(
        session, key=key, operation=operation, tenant_id=tenant_id, caller=caller, request=request, now_ms=now_ms
    )
    if claimed.reference is not None:
        return await replay(claimed.reference)
    made = await create()
    await remember(session, claimed, reference(made))
    return made
