"""Builds the ASGI app from the blocks named in settings (all of them by default)."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator

from fastapi import Depends, FastAPI, Request, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from digit import __version__
from digit.kernel.apidocs import install_docs
from digit.kernel.blocks import Block, discover_blocks
from digit.kernel.clock import Clock
from digit.kernel.dispatch import DISPATCHER
from digit.kernel.errors import NotFound, install_error_handlers
from digit.kernel.events import Subscriptions
from digit.kernel.inputs import check_integer_parameters, install_input_limits
from digit.kernel.network import client_address, is_address_in
from digit.kernel.observability import RequestContextMiddleware
from digit.kernel.openapi import install_openapi
from digit.kernel.periodic import BackgroundRunner
from digit.kernel.platform import Platform
from digit.kernel.routing import remember_routes
from digit.kernel.security import access_gate
from digit.kernel.settings import Settings
from digit.web import install as install_web

log = logging.getLogger(__name__)


def build_platform(settings: Settings, *, clock: Clock | None = None) -> tuple[Platform, list[Block]]:
    """The platform with every enabled block installed (clients and providers registered)."""
    platform = Platform.build(settings, clock=clock)
    blocks = discover_blocks(settings.blocks)
    for block in blocks:
        if block.install is not None:
            block.install(platform)
        platform.background.extend(block.background)
    platform.provide(Subscriptions, Subscriptions([c for b in blocks for c in b.consumers]))
    platform.background.append(DISPATCHER)
    return platform, blocks


def create_app(settings: Settings, *, clock: Clock | None = None) -> FastAPI:
    platform, blocks = build_platform(settings, clock=clock)

    @contextlib.asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        background = BackgroundRunner(platform, platform.background if settings.run_background else ())
        background.start()  # none when `digit worker` runs them (`run_background` off)
        log.info("platform_started", extra={"blocks": [b.name for b in blocks], "version": __version__})
        try:
            yield
        finally:
            await background.stop()
            await platform.close()

    app = FastAPI(
        title="digit-py",
        version=__version__,
        description="DIGIT's building blocks on DIGIT's wire contracts.",
        lifespan=lifespan,
        docs_url=None,  # install_docs: Swagger UI and ReDoc from the platform's own assets
        redoc_url=None,
        dependencies=[Depends(check_integer_parameters), Depends(access_gate)],
    )
    app.state.platform = platform
    app.state.blocks = blocks
    for block in blocks:
        settings.open_routes.extend(r for r in block.open_routes if r not in settings.open_routes)
        settings.anonymous_routes.extend(r for r in block.anonymous_routes if r not in settings.anonymous_routes)
        for router in block.routers:
            app.include_router(router)
    install_web(app, platform)  # the HTML UI: `GET /` and the citizen app under /digit-ui/citizen
    install_error_handlers(app)
    install_input_limits(app, settings)  # inside RequestContextMiddleware: refusals carry the correlation id
    app.add_middleware(RequestContextMiddleware, metrics=platform.metrics)

    @app.get("/health", tags=["platform"])
    async def health() -> dict[str, object]:
        """Liveness and the blocks this process serves."""
        return {"status": "UP", "version": __version__, "blocks": [b.name for b in blocks]}

    @app.get("/metrics", tags=["platform"], response_class=Response)
    async def metrics(request: Request) -> Response:
        """Prometheus text format, for the addresses in `metrics_allowed` only (others: 404)."""
        if not is_address_in(client_address(request, settings.trusted_proxies), settings.metrics_allowed):
            raise NotFound("NOT_FOUND", "Not Found")
        return Response(generate_latest(platform.metrics.registry), media_type=CONTENT_TYPE_LATEST)

    install_openapi(app, open_routes=settings.open_routes, anonymous_routes=settings.anonymous_routes)
    install_docs(app)
    remember_routes(app)  # last: every route is in place
    return app


def create_app_from_env() -> FastAPI:
    """Factory for `uvicorn --factory` and multi-worker serving: settings from DIGIT_* variables."""
    from digit.kernel.observability import configure_logging

    settings = Settings()
    configure_logging(level=settings.log_level, json_lines=settings.log_json)
    return create_app(settings)
