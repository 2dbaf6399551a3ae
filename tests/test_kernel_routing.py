"""kernel/routing: a remembered route answers exactly as FastAPI's own routing would (block: kernel)."""

from __future__ import annotations

import inspect
from collections.abc import Iterator

import httpx
from fastapi import APIRouter, FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute

from digit.app import create_app
from digit.kernel.routing import MEMO_LIMIT, RememberedRoutes, remember_routes
from digit.kernel.settings import Settings


def _app() -> FastAPI:
    first, second, third = APIRouter(), APIRouter(), APIRouter()

    @first.get("/things")
    async def list_things() -> dict[str, str]:
        return {"by": "first-get"}

    @second.post("/things")
    async def add_thing() -> dict[str, str]:
        return {"by": "second-post"}

    @second.get("/things/{thing_id}")
    async def one_thing(thing_id: str) -> dict[str, str]:
        return {"by": "second-one", "id": thing_id}

    @third.get("/things/special")
    async def special() -> dict[str, str]:  # shadowed by /things/{thing_id}, as in FastAPI
        return {"by": "third-special"}

    app = FastAPI()
    for router in (first, second, third):
        app.include_router(router)
    remember_routes(app)
    return app


async def _get(app: FastAPI, method: str, path: str) -> httpx.Response:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test") as client:
        return await client.request(method, path)


async def test_the_same_request_twice_reaches_the_same_route() -> None:
    app = _app()
    answers = [(await _get(app, "GET", "/things")).json() for _ in range(2)]
    posts = [(await _get(app, "POST", "/things")).json() for _ in range(2)]

    assert answers == [{"by": "first-get"}] * 2
    assert posts == [{"by": "second-post"}] * 2


async def test_path_parameters_come_from_each_request() -> None:
    app = _app()

    one, two = (await _get(app, "GET", "/things/1")).json(), (await _get(app, "GET", "/things/2")).json()
    shadowed = (await _get(app, "GET", "/things/special")).json()

    assert (one["id"], two["id"]) == ("1", "2")
    assert shadowed == {"by": "second-one", "id": "special"}


async def test_wrong_method_and_unknown_path_answer_as_fastapi_does() -> None:
    app = _app()
    await _get(app, "GET", "/things")  # remembered for GET only

    assert (await _get(app, "DELETE", "/things")).status_code == 405
    assert (await _get(app, "GET", "/nothing")).status_code == 404
    assert (await _get(app, "DELETE", "/things")).status_code == 405


async def test_the_memo_stops_growing_at_its_limit() -> None:
    app = _app()
    memo = app.router.middleware_stack
    assert isinstance(memo, RememberedRoutes)
    memo._memo.update({("GET", f"/filler/{n}"): app.router.routes[0] for n in range(MEMO_LIMIT)})

    answer = await _get(app, "GET", "/things/beyond")

    assert answer.json()["id"] == "beyond"
    assert ("GET", "/things/beyond") not in memo._memo


def _routes(router: object) -> Iterator[APIRoute]:
    for route in getattr(router, "routes", ()):
        if hasattr(route, "original_router"):  # an included router
            yield from _routes(route.original_router)
        elif isinstance(route, APIRoute):
            yield route


def _thread_dependencies(dependant: Dependant) -> Iterator[str]:
    for dependency in dependant.dependencies:
        call = dependency.call
        target = call if inspect.isroutine(call) or inspect.isclass(call) else type(call).__call__
        if not (inspect.iscoroutinefunction(target) or inspect.isasyncgenfunction(target)):
            yield f"{getattr(call, '__module__', '')}.{getattr(call, '__qualname__', call)}"
        yield from _thread_dependencies(dependency)


def test_no_route_has_a_dependency_that_fastapi_would_run_in_a_worker_thread(settings: Settings) -> None:
    """A plain `def` (or class) dependency costs a thread hop per request; ours only read request state."""
    app = create_app(settings)

    found = {name for route in _routes(app.router) for name in _thread_dependencies(route.dependant)}

    assert sum(1 for _ in _routes(app.router)) > 200
    assert found == set()
