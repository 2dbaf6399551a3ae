"""Anonymous calls: the few routes DIGIT's UI calls without a token, each with a narrow scope, rate-limited.

DIGIT's UI calls some routes with no token at all (open payment by consumer code, file URLs by id,
the logged-out home page's events). A block lists such a route in `Block(anonymous_routes=...)`
(they land in `Settings.anonymous_routes`). The access gate then treats the route in two ways:

- with a token, exactly as any other route: the caller is authenticated and must hold a mapped role;
- without one, the call goes through as anonymous (`OptionalActor` is None in the handler), counted
  per client address (`kernel/network.py`, which believes `X-Forwarded-For` only from trusted
  proxies); past `anonymous_max_per_address` calls in `anonymous_window_seconds` it is a 429.

What an anonymous caller may see is the handler's rule, and always narrower than a token's: a bill
only by its consumer code, a file only by its unguessable id, public events only, no PII.

The counts live in the database (`eg_kernel_anonymous_hit`), so every API process counts the same
calls; a refused call is not counted; each counted call also forgets that address's hits older than
the window, so the table holds at most one window of calls per address.
"""

from __future__ import annotations

import logging

from fastapi import Request
from sqlalchemy import String, delete, func, select
from sqlalchemy.orm import Mapped, mapped_column

from digit.kernel.db import Audited, Base, new_id, stamp
from digit.kernel.errors import TooManyRequests
from digit.kernel.network import client_address
from digit.kernel.platform import Platform
from digit.kernel.security import Actor

log = logging.getLogger(__name__)

ANONYMOUS_UUID = "anonymous"
ANONYMOUS_TYPE = "ANONYMOUS"


class AnonymousHitRow(Audited, Base):
    """One anonymous call from one client address (`tenant_id` is the route's template, not a tenant)."""

    __tablename__ = "eg_kernel_anonymous_hit"

    id: Mapped[str] = mapped_column(String(64), primary_key=True, default=new_id)
    address: Mapped[str] = mapped_column(String(64), index=True)


def anonymous_actor(tenant_id: str) -> Actor:
    """Who stamps what an anonymous call writes (a bill built on fetch, a payment transaction)."""
    return Actor(uuid=ANONYMOUS_UUID, type=ANONYMOUS_TYPE, tenant_id=tenant_id)


def is_anonymous(actor: Actor | None) -> bool:
    return actor is None or actor.type == ANONYMOUS_TYPE


async def count_anonymous_call(platform: Platform, request: Request, *, route: str) -> None:
    """Count one anonymous call of the client address, or refuse it with 429 once the window is full."""
    settings = platform.settings
    address = client_address(request, settings.trusted_proxies)[:64]
    now_ms = platform.clock.now_ms()
    since_ms = now_ms - settings.anonymous_window_seconds * 1000
    async with platform.sessions() as session, session.begin():
        used = await session.scalar(
            select(func.count()).where(AnonymousHitRow.address == address, AnonymousHitRow.created_time > since_ms)
        )
        if settings.anonymous_max_per_address > 0 and int(used or 0) >= settings.anonymous_max_per_address:
            log.warning("anonymous_throttled", extra={"route": route})
            raise TooManyRequests(
                "TOO_MANY_REQUESTS", "too many calls without a token from this address; log in or try again later"
            )
        await session.execute(
            delete(AnonymousHitRow).where(AnonymousHitRow.address == address, AnonymousHitRow.created_time <= since_ms)
        )
        hit = AnonymousHitRow(address=address, tenant_id=route[:255])
        stamp(hit, actor_uuid=ANONYMOUS_UUID, now_ms=now_ms)
        session.add(hit)
