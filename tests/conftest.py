"""Test setup: every test runs on SQLite, and on PostgreSQL too when DIGIT_TEST_DATABASE_URL is set.

A template database is migrated and loaded with the demo data once per run; each test gets its own
copy (a file copy on SQLite, `CREATE DATABASE ... TEMPLATE` on PostgreSQL), so tests never see each
other's writes and never pay for migrations.

Safe under pytest-xdist (`make pytest` runs `-n auto`): each worker builds its own templates, named
after the worker (`<db>_gw0_tmpl`), so no two workers create, copy or drop the same database; the
PostgreSQL templates are dropped when the worker's session ends.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import os
import shutil
import sqlite3
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from asgi_lifespan import LifespanManager
from fastapi import FastAPI
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine

from digit.app import create_app
from digit.cli import seed_demo
from digit.kernel.clock import FrozenClock
from digit.kernel.migrate import upgrade
from digit.kernel.platform import Platform
from digit.kernel.settings import Environment, Settings

PG_URL = os.environ.get("DIGIT_TEST_DATABASE_URL", "")
_SAMPLES = Path(__file__).resolve().parents[2] / "shared" / "digit-samples"
if _SAMPLES.is_dir():  # DIGIT's sample data beside the checkout: the compatibility tests run by default
    os.environ.setdefault("DIGIT_SAMPLES_DIR", str(_SAMPLES))
_ALL_KINDS = ["sqlite", *(["postgresql"] if PG_URL else [])]
_ONLY = [k for k in os.environ.get("DIGIT_TEST_DATABASES", "").split(",") if k]
DB_KINDS = [k for k in _ALL_KINDS if not _ONLY or k in _ONLY]
_counter = itertools.count()
WORKER = os.environ.get("PYTEST_XDIST_WORKER", "main")  # gw0, gw1, ... under pytest-xdist

ApiFactory = Callable[..., Awaitable[httpx.AsyncClient]]


def base_settings(database_url: str, var_dir: Path, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "env": Environment.TEST,
        "database_url": database_url,
        "var_dir": var_dir,
        "run_background": False,
        "log_json": False,
        "password_hash_time_cost": 1,
        "password_hash_memory_kib": 1024,
        "mdms_cache_check_ms": 0,
    }
    values.update(overrides)
    return Settings(**values)


async def _build_template(database_url: str, var_dir: Path) -> None:
    settings = base_settings(database_url, var_dir)
    platform = Platform.build(settings)
    try:
        await upgrade(platform.engine)
    finally:
        await platform.close()
    await seed_demo(settings)


def _pg_admin_url() -> str:
    return make_url(PG_URL).set(database="postgres").render_as_string(hide_password=False)


async def _pg_execute(*statements: str) -> None:
    engine = create_async_engine(_pg_admin_url(), isolation_level="AUTOCOMMIT")
    try:
        async with engine.connect() as connection:
            for statement in statements:
                await connection.execute(text(statement))
    finally:
        await engine.dispose()


def pg_url(database: str) -> str:
    """The URL of another database on the test server."""
    return make_url(PG_URL).set(database=database).render_as_string(hide_password=False)


def pg_name(suffix: str) -> str:
    """A database name of this worker's own: `<test db>_<worker>_<suffix>`."""
    return f"{make_url(PG_URL).database}_{WORKER}_{suffix}"


@pytest.fixture(scope="session")
def templates(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """Migrated, demo-seeded template databases, one per kind, of this worker's own."""
    made: dict[str, str] = {}
    root = tmp_path_factory.mktemp("templates")
    if "sqlite" in DB_KINDS:
        sqlite_file = root / "template.db"
        asyncio.run(_build_template(f"sqlite+aiosqlite:///{sqlite_file}", root / "var"))
        with sqlite3.connect(sqlite_file) as connection:
            connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        made["sqlite"] = str(sqlite_file)
    if "postgresql" not in DB_KINDS:
        yield made
        return
    name = pg_name("tmpl")
    asyncio.run(_pg_execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)', f'CREATE DATABASE "{name}"'))
    try:
        asyncio.run(_build_template(pg_url(name), root / "var-pg"))
        made["postgresql"] = name
        yield made
    finally:
        asyncio.run(_pg_execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@contextlib.contextmanager
def database_copy(kind: str, templates: dict[str, str], folder: Path) -> Iterator[str]:
    """The URL of a fresh copy of the template database of this kind (PostgreSQL: dropped afterwards)."""
    if kind == "sqlite":
        target = folder / "digit.db"
        shutil.copyfile(templates["sqlite"], target)
        yield f"sqlite+aiosqlite:///{target}"
        return
    name = f"{make_url(PG_URL).database}_t{os.getpid()}_{next(_counter)}"
    asyncio.run(_pg_execute(f'CREATE DATABASE "{name}" TEMPLATE "{templates["postgresql"]}"'))
    try:
        yield pg_url(name)
    finally:
        asyncio.run(_pg_execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture(params=DB_KINDS)
def database_url(request: pytest.FixtureRequest, templates: dict[str, str], tmp_path: Path) -> Iterator[str]:
    """A fresh copy of the template database for this test."""
    with database_copy(request.param, templates, tmp_path) as url:
        yield url


@pytest.fixture
def is_postgres(database_url: str) -> bool:
    return database_url.startswith("postgresql")


@pytest.fixture
def clock() -> FrozenClock:
    """Starts at 2026-11-26 10:00 UTC and moves 1 ms per reading; tests turn it forward."""
    return FrozenClock(1_795_687_200_000, tick_ms=1)


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    return base_settings(database_url, tmp_path / "var")


@pytest.fixture
async def make_api(
    database_url: str, tmp_path: Path, clock: FrozenClock
) -> AsyncIterator[Callable[..., Awaitable[tuple[FastAPI, httpx.AsyncClient]]]]:
    """Start another app on this test's database (e.g. a second process), with settings overrides."""
    stack: list[tuple[LifespanManager, httpx.AsyncClient]] = []

    async def start(**overrides: Any) -> tuple[FastAPI, httpx.AsyncClient]:
        settings = base_settings(database_url, tmp_path / "var", **overrides)
        app = create_app(settings, clock=clock)
        manager = LifespanManager(app, startup_timeout=60, shutdown_timeout=60)
        await manager.__aenter__()
        client = httpx.AsyncClient(transport=httpx.ASGITransport(app=manager.app), base_url="http://digit.test")
        stack.append((manager, client))
        return app, client

    yield start
    for manager, client in reversed(stack):
        await client.aclose()
        await manager.__aexit__(None, None, None)


@pytest.fixture
async def app_and_api(
    make_api: Callable[..., Awaitable[tuple[FastAPI, httpx.AsyncClient]]],
) -> tuple[FastAPI, httpx.AsyncClient]:
    return await make_api()


@pytest.fixture
def app(app_and_api: tuple[FastAPI, httpx.AsyncClient]) -> FastAPI:
    return app_and_api[0]


@pytest.fixture
def api(app_and_api: tuple[FastAPI, httpx.AsyncClient]) -> httpx.AsyncClient:
    return app_and_api[1]


@pytest.fixture
def platform(app: FastAPI) -> Platform:
    platform: Platform = app.state.platform
    return platform
