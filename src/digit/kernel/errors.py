"""Domain errors and their DIGIT error bodies.

Blocks raise `DomainError` subclasses; one handler per kind turns them into
`{"ResponseInfo":..., "Errors":[{code, message, description, params}]}` with a 4xx status.
Only the last handler answers 500, and it logs the traceback once.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.orm.exc import StaleDataError
from starlette.exceptions import HTTPException as StarletteHTTPException

from digit.kernel.envelope import ErrorDetail, ErrorResponse, response_info

log = logging.getLogger(__name__)


class DomainError(Exception):
    status_code = 400

    def __init__(self, code: str, message: str, *, description: str | None = None, params: Sequence[str] = ()) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.description = description
        self.params = list(params)
        self.extra: list[ErrorDetail] = []

    def details(self) -> list[ErrorDetail]:
        first = ErrorDetail(
            code=self.code, message=self.message, description=self.description or self.message, params=self.params
        )
        return [first, *self.extra]


class Invalid(DomainError):
    status_code = 400

    @classmethod
    def many(cls, faults: Sequence[tuple[str, str]]) -> Invalid:
        """One error per fault, as DIGIT's CustomException(map) does."""
        first, *rest = faults
        error = cls(*first)
        error.extra = [ErrorDetail(code=code, message=msg, description=msg) for code, msg in rest]
        return error


class Unauthenticated(DomainError):
    status_code = 401


class Forbidden(DomainError):
    status_code = 403


class NotFound(DomainError):
    status_code = 404


class Conflict(DomainError):
    status_code = 409


class PayloadTooLarge(DomainError):
    """The request body is past the size limit of its kind (kernel/inputs.py)."""

    status_code = 413


class TooManyRequests(DomainError):
    """A throttle refused the call; the same caller may try again once its window has passed."""

    status_code = 429


def error_response(status_code: int, details: list[ErrorDetail]) -> JSONResponse:
    body = ErrorResponse(response_info=response_info(None, status="failed"), errors=details)
    return JSONResponse(status_code=status_code, content=body.wire())


def _field_path(loc: Sequence[Any]) -> str:
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "header", "form")]
    return ".".join(parts) or "body"


async def _on_domain_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, DomainError)
    return error_response(exc.status_code, exc.details())


async def _on_validation_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    details = []
    for error in exc.errors():
        field = _field_path(error.get("loc", ()))
        if error.get("type") == "json_invalid":
            details.append(ErrorDetail(code="INVALID_JSON", message="the request body is not valid JSON"))
            continue
        message = f"{field}: {error.get('msg', 'invalid')}"
        details.append(ErrorDetail(code="INVALID_REQUEST", message=message, description=message, params=[field]))
    return error_response(400, details or [ErrorDetail(code="INVALID_REQUEST", message="invalid request")])


async def _on_http_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    codes = {404: "NOT_FOUND", 405: "METHOD_NOT_ALLOWED", 401: "UNAUTHORIZED", 403: "FORBIDDEN"}
    code = codes.get(exc.status_code, "HTTP_ERROR")
    message = exc.detail if isinstance(exc.detail, str) else code
    return error_response(exc.status_code, [ErrorDetail(code=code, message=message)])


async def _on_stale_data(_request: Request, _exc: Exception) -> JSONResponse:
    message = "the record was changed by someone else; search again and retry"
    return error_response(409, [ErrorDetail(code="STALE_DATA", message=message)])


async def _on_anything_else(request: Request, exc: Exception) -> JSONResponse:
    """The traceback goes to the log (once, here); the body names no exception class and no internals."""
    log.error("unhandled_error", exc_info=exc, extra={"path": request.url.path})
    return error_response(500, [ErrorDetail(code="INTERNAL_ERROR", message="internal error")])


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(DomainError, _on_domain_error)
    app.add_exception_handler(RequestValidationError, _on_validation_error)
    app.add_exception_handler(StarletteHTTPException, _on_http_error)
    app.add_exception_handler(StaleDataError, _on_stale_data)
    app.add_exception_handler(Exception, _on_anything_else)
