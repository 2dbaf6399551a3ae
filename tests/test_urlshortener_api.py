"""URL shortener through HTTP: plain-text short URL, stable codes, expiry, no open redirect (block: urlshortener)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from urllib.parse import urlsplit

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import func, select

from digit.blocks.urlshortener.client import URL_SHORTENER_CLIENT
from digit.blocks.urlshortener.models import ShortUrlRow
from digit.kernel.clock import FrozenClock
from digit.kernel.platform import Platform
from tests.builders import login

SHORTEN = "/egov-url-shortening/shortener"
TARGET = "http://127.0.0.1:8000/digit-ui/citizen/pgr/complaints/PB-PGR-1"


@pytest.fixture
async def gro(api: httpx.AsyncClient) -> dict[str, str]:
    return await login(api, "GRO_AMR", "pb.amritsar")


def path_of(short_url: str) -> str:
    return urlsplit(short_url).path


async def rows(platform: Platform) -> int:
    async with platform.sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(ShortUrlRow)) or 0)


async def test_shorten_answers_a_plain_text_short_url_that_redirects(
    api: httpx.AsyncClient, gro: dict[str, str]
) -> None:
    response = await api.post(SHORTEN, json={"url": TARGET}, headers=gro)
    redirect = await api.get(path_of(response.text))

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    assert response.text.startswith("http://127.0.0.1:8000/egov-url-shortening/")
    assert 0 < len(response.text.rsplit("/", 1)[-1]) <= 12
    assert redirect.status_code == 302
    assert redirect.headers["location"] == TARGET


async def test_same_url_gets_the_same_code(api: httpx.AsyncClient, gro: dict[str, str], platform: Platform) -> None:
    first = await api.post(SHORTEN, json={"url": TARGET}, headers=gro)
    second = await api.post(SHORTEN, json={"url": TARGET}, headers=gro)

    assert first.text == second.text
    assert await rows(platform) == 1


async def test_url_to_a_host_off_the_allow_list_is_400_and_not_stored(
    api: httpx.AsyncClient, gro: dict[str, str], platform: Platform
) -> None:
    response = await api.post(SHORTEN, json={"url": "https://evil.example/phish"}, headers=gro)

    assert response.status_code == 400
    assert [e["code"] for e in response.json()["Errors"]] == ["URL_HOST_NOT_ALLOWED"]
    assert await rows(platform) == 0


@pytest.mark.parametrize(
    "url",
    ["javascript:alert(1)", "//evil.example/x", "http://127.0.0.1@evil.example/", "ftp://127.0.0.1/file", "/relative"],
)
async def test_url_that_could_redirect_elsewhere_is_400(api: httpx.AsyncClient, gro: dict[str, str], url: str) -> None:
    response = await api.post(SHORTEN, json={"url": url}, headers=gro)

    assert response.status_code == 400


async def test_configured_allowed_host_is_accepted(
    make_api: Callable[..., Awaitable[tuple[FastAPI, httpx.AsyncClient]]],
) -> None:
    _, client = await make_api(url_shortener_allowed_hosts=["pay.example.gov.in"])
    headers = await login(client, "GRO_AMR", "pb.amritsar")

    response = await client.post(SHORTEN, json={"url": "https://pay.example.gov.in/receipt/1"}, headers=headers)

    assert response.status_code == 200


async def test_expired_short_url_is_410(api: httpx.AsyncClient, gro: dict[str, str], clock: FrozenClock) -> None:
    valid_till = clock.now_ms() + 60_000
    short = (await api.post(SHORTEN, json={"url": TARGET, "validTill": valid_till}, headers=gro)).text
    clock.advance(minutes=2)

    redirect = await api.get(path_of(short))

    assert redirect.status_code == 410
    assert [e["code"] for e in redirect.json()["Errors"]] == ["URL_EXPIRED"]


async def test_unknown_code_is_404(api: httpx.AsyncClient) -> None:
    response = await api.get("/egov-url-shortening/NOPE1234")

    assert response.status_code == 404


async def test_shorten_without_token_is_401(api: httpx.AsyncClient) -> None:
    response = await api.post(SHORTEN, json={"url": TARGET})

    assert response.status_code == 401


async def test_client_shortens_for_other_blocks(platform: Platform, api: httpx.AsyncClient) -> None:
    short = await platform.get(URL_SHORTENER_CLIENT).shorten(TARGET)

    redirect = await api.get(path_of(short))

    assert redirect.headers["location"] == TARGET


async def test_a_link_made_in_a_rolled_back_transaction_is_never_handed_out(
    api: httpx.AsyncClient, platform: Platform
) -> None:
    client = platform.get(URL_SHORTENER_CLIENT)
    url = TARGET + "?rolled=back"
    async with platform.sessions() as session:
        await client.shorten(url, session=session)
        await session.rollback()

    again = await client.shorten(url)
    redirect = await api.get(urlsplit(again).path)

    assert redirect.status_code == 302  # before: the cached code of the undone row, a 404
    assert redirect.headers["location"] == url
