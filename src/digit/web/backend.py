"""The web UI's way into the platform: DIGIT's own HTTP API, called in-process.

Pages never touch tables or services: every read and write is the same call a DIGIT client makes
(same access gate, same role-action checks, same validation), sent through an ASGI transport to the
app this process serves. The caller's address goes along, so per-client limits see the real browser.
Errors come back as `ApiError` with DIGIT's code, for the page to show next to the field concerned.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Iterable
from dataclasses import dataclass, field
from typing import Any

import httpx
from fastapi import FastAPI

log = logging.getLogger(__name__)

CLIENT_BASIC = "Basic ZWdvdi11c2VyLWNsaWVudDo="  # egov-user-client:, as DIGIT's UI sends it
REQUEST_INFO = {"apiId": "digit-web"}


@dataclass
class ApiError(Exception):
    """A 4xx answer from the platform: DIGIT's first error code and message, and the status."""

    status: int
    code: str
    message: str
    codes: list[str] = field(default_factory=list)
    details: list[dict[str, Any]] = field(default_factory=list)  # every error as sent: code, message, params

    def __str__(self) -> str:
        return f"{self.status} {self.code}"


async def answered(calls: Iterable[Awaitable[dict[str, Any]]]) -> list[dict[str, Any]]:
    """Independent calls (one per city) made at once rather than one after another: the answers of those that
    succeeded, in order; one the platform refuses (ApiError) is left out, anything else is raised."""
    results = await asyncio.gather(*calls, return_exceptions=True)
    for result in results:
        if isinstance(result, BaseException) and not isinstance(result, ApiError):
            raise result
    return [r for r in results if isinstance(r, dict)]


def _error_of(response: httpx.Response) -> ApiError:
    codes: list[str] = []
    details: list[dict[str, Any]] = []
    message = ""
    try:
        body = response.json()
    except ValueError:
        body = None
    if isinstance(body, dict):
        errors = body.get("Errors") or body.get("errors") or []
        for error in errors if isinstance(errors, list) else []:
            if isinstance(error, dict) and error.get("code"):
                codes.append(str(error["code"]))
                details.append(error)
                message = message or str(error.get("message") or "")
    code = codes[0] if codes else f"HTTP_{response.status_code}"
    return ApiError(status=response.status_code, code=code, message=message, codes=codes, details=details)


class Backend:
    """One page's calls to the platform, as the logged-in citizen (or anonymously)."""

    def __init__(self, app: FastAPI, *, token: str | None, client: tuple[str, int] | None) -> None:
        self._app = app
        self.token = token
        self._client = client

    def _http(self) -> httpx.AsyncClient:
        transport = httpx.ASGITransport(app=self._app, client=self._client or ("127.0.0.1", 0))
        return httpx.AsyncClient(transport=transport, base_url="http://digit.internal", timeout=60)

    def _headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"} if self.token else {}

    async def post(
        self, path: str, body: dict[str, Any] | None = None, *, headers: dict[str, str] | None = None, **params: Any
    ) -> dict[str, Any]:
        """POST a DIGIT envelope (extra headers e.g. Idempotency-Key); the JSON answer, or ApiError on any 4xx/5xx."""
        request_info = dict(REQUEST_INFO, authToken=self.token) if self.token else dict(REQUEST_INFO)
        payload = {"RequestInfo": request_info, **(body or {})}
        query = {k: v for k, v in params.items() if v is not None}
        async with self._http() as http:
            response = await http.post(path, json=payload, params=query, headers=self._headers() | (headers or {}))
        return self._json(response)

    async def call(
        self,
        method: str,
        path: str,
        body: dict[str, Any] | None = None,
        *,
        headers: dict[str, str] | None = None,
        params: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        """Any JSON call (Studio's GET searches and PUT updates, with its X-Tenant-Id header); a body gets the
        RequestInfo envelope. The JSON answer, or ApiError."""
        payload = None
        if body is not None:
            request_info = dict(REQUEST_INFO, authToken=self.token) if self.token else dict(REQUEST_INFO)
            payload = {"RequestInfo": request_info, **body}
        query = {k: v for k, v in (params or {}).items() if v is not None}
        async with self._http() as http:
            response = await http.request(
                method, path, json=payload, params=query, headers=self._headers() | (headers or {})
            )
        return self._json(response)

    async def post_form(self, path: str, form: dict[str, str], *, headers: dict[str, str]) -> dict[str, Any]:
        async with self._http() as http:
            response = await http.post(path, data=form, headers=headers)
        return self._json(response)

    async def upload(self, path: str, *, fields: dict[str, str], files: list[tuple[str, bytes, str]]) -> dict[str, Any]:
        """Multipart upload (filestore): each file as (name, bytes, content type)."""
        parts = [("file", (name, content, ctype)) for name, content, ctype in files]
        async with self._http() as http:
            response = await http.post(path, data=fields, files=parts, headers=self._headers())
        return self._json(response)

    async def post_bytes(self, path: str, body: dict[str, Any] | None = None, **params: Any) -> httpx.Response:
        """POST a DIGIT envelope whose answer is a file (PDF); the raw response, or ApiError."""
        request_info = dict(REQUEST_INFO, authToken=self.token) if self.token else dict(REQUEST_INFO)
        query = {k: v for k, v in params.items() if v is not None}
        async with self._http() as http:
            response = await http.post(
                path, json={"RequestInfo": request_info, **(body or {})}, params=query, headers=self._headers()
            )
        if response.status_code >= 400:
            raise _error_of(response)
        return response

    async def get_bytes(self, path: str, **params: Any) -> httpx.Response:
        async with self._http() as http:
            response = await http.get(path, params=params, headers=self._headers())
        if response.status_code >= 400:
            raise _error_of(response)
        return response

    @staticmethod
    def _json(response: httpx.Response) -> dict[str, Any]:
        if response.status_code >= 400:
            error = _error_of(response)
            log.info("web_api_refused", extra={"status": error.status, "code": error.code})
            raise error
        body = response.json()
        return body if isinstance(body, dict) else {"items": body}
