"""Kernel: /metrics only for the allowed addresses, /docs and /redoc served offline (block: kernel)."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable

import httpx
from fastapi import FastAPI

MakeApi = Callable[..., Awaitable[tuple[FastAPI, httpx.AsyncClient]]]


async def test_metrics_from_an_outside_address_behind_a_trusted_proxy_is_404(make_api: MakeApi) -> None:
    _, api = await make_api(trusted_proxies=["127.0.0.1"])

    response = await api.get("/metrics", headers={"X-Forwarded-For": "10.2.2.2"})

    assert response.status_code == 404


async def test_metrics_from_loopback_behind_a_trusted_proxy_is_served(make_api: MakeApi) -> None:
    _, api = await make_api(trusted_proxies=["127.0.0.1"])

    response = await api.get("/metrics", headers={"X-Forwarded-For": "127.0.0.1"})

    assert response.status_code == 200


async def test_metrics_from_an_address_outside_metrics_allowed_is_404(make_api: MakeApi) -> None:
    _, api = await make_api(metrics_allowed=["10.0.0.0/8"])

    response = await api.get("/metrics")

    assert response.status_code == 404


async def test_docs_page_names_no_other_host(api: httpx.AsyncClient) -> None:
    response = await api.get("/docs")

    assert response.status_code == 200
    assert re.findall(r"""(?:src|href)=["']?(?:https?:)?//""", response.text) == []


async def test_docs_assets_are_served_by_the_platform(api: httpx.AsyncClient) -> None:
    page = (await api.get("/docs")).text
    assets = re.findall(r"""(?:src|href)=["']([^"']+)["']""", page)

    statuses = [(await api.get(asset)).status_code for asset in assets]

    assert len(assets) == 3
    assert statuses == [200, 200, 200]


async def test_redoc_page_loads_its_script_from_the_platform(api: httpx.AsyncClient) -> None:
    page = (await api.get("/redoc")).text
    [script] = re.findall(r"""<script src=["']([^"']+)["']""", page)

    response = await api.get(script)

    assert script.startswith("/")
    assert response.status_code == 200
