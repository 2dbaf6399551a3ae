"""/docs (Swagger UI) and /redoc served with assets from the platform itself, so they work offline.

The assets are the ones the `fastapi-offline` package ships (pinned in pyproject.toml): nothing is fetched at
run time and the pages name no other host. Like FastAPI's own docs routes these are plain routes, outside the
access gate (the OpenAPI document they read is public too).
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from fastapi import FastAPI
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
from starlette.requests import Request
from starlette.responses import HTMLResponse
from starlette.staticfiles import StaticFiles

ASSETS_PATH = "/docs/assets"
ASSETS_PACKAGE = "fastapi_offline"


def assets_dir() -> Path:
    return Path(str(resources.files(ASSETS_PACKAGE) / "static"))


def install_docs(app: FastAPI) -> None:
    """Add /docs, /redoc and their assets; create the app with `docs_url=None, redoc_url=None`."""
    title = f"{app.title} - API"
    openapi_url = app.openapi_url or "/openapi.json"

    async def swagger_ui(_request: Request) -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url=openapi_url,
            title=title,
            swagger_js_url=f"{ASSETS_PATH}/swagger-ui-bundle.js",
            swagger_css_url=f"{ASSETS_PATH}/swagger-ui.css",
            swagger_favicon_url=f"{ASSETS_PATH}/favicon.png",
        )

    async def redoc(_request: Request) -> HTMLResponse:
        return get_redoc_html(
            openapi_url=openapi_url,
            title=title,
            redoc_js_url=f"{ASSETS_PATH}/redoc.standalone.js",
            redoc_favicon_url=f"{ASSETS_PATH}/favicon.png",
            with_google_fonts=False,
        )

    app.mount(ASSETS_PATH, StaticFiles(directory=assets_dir()), name="docs-assets")
    app.add_route("/docs", swagger_ui, include_in_schema=False)
    app.add_route("/redoc", redoc, include_in_schema=False)
