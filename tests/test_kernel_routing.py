"""kernel/routing: a remembered route answers exactly as FastAPI's own routing would (block: kernel)."""

from __future__ import annotations

import httpx
from fastapi import APIRouter, FastAPI

from digit.kernel.routing import MEMO_LIMIT, RememberedRoutes, remember_routes


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
