"""Route lookup that does not scan every block's router on every request.

FastAPI matches a request by asking each included router in turn whether one of its routes fits, and the
router that fits matches again to pick the route. With some thirty blocks, a PGR call paid about 0.75 ms of
CPU for that scan, more than its SQL. The first route that fully matches a (method, path) never changes while
the process runs (routes are added at start-up only), so it is remembered and asked first next time; a miss,
a partial match (wrong method), a redirect or a 404 goes through FastAPI's own routing, unchanged.
"""

from __future__ import annotations

from fastapi import FastAPI
from starlette.routing import BaseRoute, Match, Router
from starlette.types import Receive, Scope, Send

MEMO_LIMIT = 20_000
"""Paths with parameters (a file id, a complaint id) each take an entry: past this many, new ones are not
remembered, so a stream of distinct ids cannot grow the memo without bound."""


class RememberedRoutes:
    """The innermost ASGI app of the router: the remembered route first, FastAPI's routing otherwise."""

    def __init__(self, router: Router) -> None:
        self._router = router
        self._memo: dict[tuple[str, str], BaseRoute] = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self._router.app(scope, receive, send)
            return
        key = (scope["method"], scope["path"])
        route = self._memo.get(key) or self._first_full_match(scope, key)
        if route is None:
            await self._router.app(scope, receive, send)
            return
        match, child_scope = route.matches(scope)
        if match is not Match.FULL:  # cannot happen while routes are fixed; FastAPI decides if it does
            await self._router.app(scope, receive, send)
            return
        scope.setdefault("router", self._router)
        scope.update(child_scope)
        await route.handle(scope, receive, send)

    def _first_full_match(self, scope: Scope, key: tuple[str, str]) -> BaseRoute | None:
        for route in self._router.routes:
            match, _ = route.matches(scope)
            if match is Match.FULL:
                if len(self._memo) < MEMO_LIMIT:
                    self._memo[key] = route
                return route
            if match is Match.PARTIAL:
                return None  # e.g. the path exists for another method: FastAPI answers (405 or a later match)
        return None


def remember_routes(app: FastAPI) -> None:
    """Put `RememberedRoutes` where the router dispatches (after every route is added)."""
    app.router.middleware_stack = RememberedRoutes(app.router)
