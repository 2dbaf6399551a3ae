"""Correlation ids, JSON logs and Prometheus metrics.

The correlation id comes from `RequestInfo.msgId`/`correlationId` (set by the access gate once it
has read the body) or the `x-correlation-id` header, and is written into every log line of the
request. Metrics live in a registry owned by the app, never in a module-level global.
"""

from __future__ import annotations

import logging
import re
import sys
import time
import uuid
from contextvars import ContextVar
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Histogram
from pythonjsonlogger.json import JsonFormatter
from starlette.types import ASGIApp, Message, Receive, Scope, Send

correlation_id: ContextVar[str | None] = ContextVar("correlation_id", default=None)

MAX_CORRELATION_ID = 128
_NOT_IN_CORRELATION_ID = re.compile(r"[^A-Za-z0-9._:@/+=~-]")


def clean_correlation_id(value: object) -> str:
    """What of a client's correlation id may go into a header or a log line: visible ASCII with no
    separators or control characters (a CR, LF or NUL would break the response or forge a log line)."""
    text = value if isinstance(value, str) else str(value) if isinstance(value, int) else ""
    return _NOT_IN_CORRELATION_ID.sub("", text[: MAX_CORRELATION_ID * 4])[:MAX_CORRELATION_ID]


def set_correlation_id(value: object) -> None:
    """Use this, not `correlation_id.set`, for a value from the client (RequestInfo.msgId/correlationId)."""
    cleaned = clean_correlation_id(value)
    if cleaned:
        correlation_id.set(cleaned)


class _CorrelationFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.correlation_id = clean_correlation_id(correlation_id.get()) or None
        return True


def configure_logging(*, level: str = "INFO", json_lines: bool = True) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.addFilter(_CorrelationFilter())
    if json_lines:
        handler.setFormatter(
            JsonFormatter(
                "%(asctime)s %(levelname)s %(name)s %(message)s %(correlation_id)s",
                rename_fields={"levelname": "level", "asctime": "time", "message": "event"},
            )
        )
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for noisy in ("uvicorn.access", "aiosqlite", "asyncio"):
        logging.getLogger(noisy).setLevel(logging.WARNING)


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "digit_http_requests_total", "HTTP requests", ["method", "route", "status"], registry=self.registry
        )
        self.latency = Histogram(
            "digit_http_request_seconds", "HTTP request latency", ["method", "route"], registry=self.registry
        )
        self._children: dict[tuple[str, str, int], tuple[Any, Any]] = {}

    def observe(self, method: str, route: str, status: int, seconds: float) -> None:
        """Count one request and its latency; the labelled children are looked up once per (method, route,
        status), as `labels()` builds and locks on every call."""
        key = (method, route, status)
        children = self._children.get(key)
        if children is None:
            children = (self.requests.labels(method, route, str(status)), self.latency.labels(method, route))
            self._children[key] = children
        children[0].inc()
        children[1].observe(seconds)


class RequestContextMiddleware:
    """Sets the correlation id for the request, echoes it back, and records metrics by route template."""

    def __init__(self, app: ASGIApp, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        incoming = clean_correlation_id(headers.get(b"x-correlation-id", b"").decode("latin-1"))
        token = correlation_id.set(incoming or uuid.uuid4().hex)
        started = time.perf_counter()
        status_holder = {"status": 500}

        async def send_with_context(message: Message) -> None:
            if message["type"] == "http.response.start":
                status_holder["status"] = message["status"]
                cid = clean_correlation_id(correlation_id.get()).encode("ascii")
                message.setdefault("headers", [])
                message["headers"] = [*message["headers"], (b"x-correlation-id", cid)]
            await send(message)

        try:
            await self.app(scope, receive, send_with_context)
        finally:
            route = scope.get("route")
            template = getattr(route, "path", None) or "unmatched"
            elapsed = time.perf_counter() - started
            self.metrics.observe(scope["method"], template, status_holder["status"], elapsed)
            correlation_id.reset(token)
