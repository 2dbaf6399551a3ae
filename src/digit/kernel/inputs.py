"""Hostile input is refused at the door, before any block sees it: one rule for every route.

`InputLimitsMiddleware` (pure ASGI, outside the router) enforces, on every request:
- body size: `DIGIT_MAX_BODY_BYTES` (multipart uploads: `DIGIT_MAX_UPLOAD_BYTES`) -> 413. A declared
  `Content-Length` past the limit is refused before one byte is read; a chunked body is counted while it
  streams and refused as soon as it passes the limit (never read whole into memory first);
- query string and path: no control character (C0) at all -> 400 naming the parameter;
- JSON bodies (and form-encoded ones, for characters): valid JSON of at most `DIGIT_MAX_JSON_DEPTH` levels;
  every number within the signed 64-bit range (what a BIGINT column holds; NaN and Infinity refused);
  no C0 control character in any text except tab, LF and CR, and none at all in identifiers and codes
  (keys like `id`, `tenantId`, `serviceCode`, `mobileNumber`); no lone surrogate (not valid Unicode);
  every text at most `DIGIT_MAX_FREE_TEXT_BYTES` bytes of UTF-8, and so is each free-form object
  (`additionalDetail(s)`, `additionalInfo`) as JSON -> 400 naming the field.

`check_integer_parameters` (an app-level dependency: it needs the matched route) refuses a path or query
parameter that the route declares as an integer when its value does not fit a signed 64-bit column.

Narrower fields bound themselves where they are declared: `EpochMs` for instants that become datetimes,
`Offset`/`PageNumber` for paging (an offset times a page size must still fit a column).
Errors are DIGIT's shape; messages name the field, never echo its value (it may be PII).
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from types import NoneType, UnionType
from typing import Annotated, Any, Union, get_args, get_origin
from urllib.parse import parse_qsl

from fastapi import FastAPI, Request
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute
from pydantic import BaseModel, Field
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from digit.kernel.envelope import ErrorDetail
from digit.kernel.errors import Invalid, PayloadTooLarge, error_response
from digit.kernel.settings import Settings

PARSED_JSON = "digit.parsed_json"
"""Where the middleware leaves a JSON body it has parsed and checked, for the access gate (ASGI scope key)."""
INT64_MIN = -(2**63)
INT64_MAX = 2**63 - 1
EPOCH_MS_MAX = 253_402_300_799_999  # 9999-12-31T23:59:59.999Z, the last instant a datetime can hold
PAGE_MAX = 1_000_000_000  # an offset or page number past this is no page anyone can read

EpochMs = Annotated[int, Field(ge=0, le=EPOCH_MS_MAX)]
"""An instant in UTC epoch milliseconds that fits a datetime (years 1970..9999)."""
Offset = Annotated[int, Field(ge=0, le=PAGE_MAX)]
PageNumber = Annotated[int, Field(ge=0, le=PAGE_MAX)]

_TEXT_FORBIDDEN = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff]")  # C0 but tab, LF, CR; lone surrogates
_CODE_FORBIDDEN = re.compile(r"[\x00-\x1f\ud800-\udfff]")  # identifiers and codes: no C0 at all
_IDENTIFIER_NAMES = frozenset({"id", "ids", "uuid", "uuids", "code", "codes", "key", "tenant_id"})
_IDENTIFIER_SUFFIXES = ("Id", "Ids", "ID", "Code", "Codes", "Uuid", "Uuids", "Number", "_id", "_code")
_FREE_FORM_NAMES = frozenset(
    {"additionalDetail", "additionalDetails", "additional_detail", "additional_details", "additionalInfo"}
)
_INTEGER = re.compile(r"[+-]?[0-9]+")


@dataclass(frozen=True)
class InputLimits:
    max_body_bytes: int
    max_upload_bytes: int
    max_free_text_bytes: int
    max_json_depth: int

    @classmethod
    def of(cls, settings: Settings) -> InputLimits:
        return cls(
            max_body_bytes=settings.max_body_bytes,
            max_upload_bytes=settings.max_upload_bytes,
            max_free_text_bytes=settings.max_free_text_bytes,
            max_json_depth=settings.max_json_depth,
        )


# ------------------------------------------------------------------------------------------------ checks


def _is_identifier(name: str) -> bool:
    return name in _IDENTIFIER_NAMES or name.endswith(_IDENTIFIER_SUFFIXES)


def _fault(code: str, field: str, message: str) -> ErrorDetail:
    text = f"{field}: {message}"
    return ErrorDetail(code=code, message=text, description=text, params=[field])


def _text_fault(text: str, *, field: str, identifier: bool, max_bytes: int) -> ErrorDetail | None:
    if (_CODE_FORBIDDEN if identifier else _TEXT_FORBIDDEN).search(text):
        what = "an identifier or code" if identifier else "text"
        return _fault("INVALID_CHARACTERS", field, f"control characters are not allowed in {what}")
    if len(text) * 4 > max_bytes and len(text.encode()) > max_bytes:
        return _fault("TEXT_TOO_LONG", field, f"longer than {max_bytes} bytes")
    return None


def _number_fault(number: int | float, *, field: str) -> ErrorDetail | None:
    if isinstance(number, float) and not math.isfinite(number):
        return _fault("NUMBER_OUT_OF_RANGE", field, "not a finite number")
    if not INT64_MIN <= number <= INT64_MAX:
        return _fault("NUMBER_OUT_OF_RANGE", field, "out of range (a number must fit a signed 64-bit integer)")
    return None


def _encoded_size(node: Any) -> int:
    # a lone surrogate (sent escaped) has no UTF-8 form: count it as its 3 bytes, its own fault comes later
    return len(json.dumps(node, ensure_ascii=False, separators=(",", ":")).encode("utf-8", "surrogatepass"))


def json_faults(document: Any, limits: InputLimits, *, most: int = 10) -> list[ErrorDetail]:
    """What is wrong with a parsed JSON body (at most `most` faults), walking it without recursion."""
    faults: list[ErrorDetail] = []
    stack: list[tuple[Any, str, int, bool]] = [(document, "", 1, False)]
    while stack and len(faults) < most:
        node, path, depth, identifier = stack.pop()
        field = path or "body"
        fault: ErrorDetail | None = None
        if isinstance(node, str):
            fault = _text_fault(node, field=field, identifier=identifier, max_bytes=limits.max_free_text_bytes)
        elif isinstance(node, bool) or node is None:
            pass
        elif isinstance(node, int | float):
            fault = _number_fault(node, field=field)
        elif depth > limits.max_json_depth:
            fault = _fault("JSON_TOO_DEEP", field, f"nested deeper than {limits.max_json_depth} levels")
        elif isinstance(node, dict):
            for key, value in node.items():
                child = f"{path}.{key}" if path else str(key)
                key_fault = _text_fault(key, field=child, identifier=True, max_bytes=limits.max_free_text_bytes)
                if key_fault is not None:
                    faults.append(key_fault)
                    continue
                free_form = key in _FREE_FORM_NAMES and isinstance(value, dict | list)
                if free_form and _encoded_size(value) > limits.max_free_text_bytes:
                    faults.append(_fault("TEXT_TOO_LONG", child, f"longer than {limits.max_free_text_bytes} bytes"))
                    continue
                stack.append((value, child, depth + 1, _is_identifier(key)))
        elif isinstance(node, list):
            for index, value in enumerate(node):
                stack.append((value, f"{path}.{index}" if path else str(index), depth + 1, identifier))
        if fault is not None:
            faults.append(fault)
    return faults


_RISKY_BYTES = re.compile(rb"[0-9]{19}|[eE][+-]?[0-9]{3}|\xed[\xa0-\xbf]")
"""What a number out of range (19 digits and more, an exponent of 3 digits) or a UTF-8-encoded surrogate
(which JSON decoding lets through as a lone surrogate) needs in the raw bytes."""


def plainly_fine(raw: bytes, limits: InputLimits) -> bool:
    """True when `json_faults` would find nothing in this (valid) JSON body, judged from its bytes alone in a
    few C-speed scans instead of a walk over every value (most bodies: a few KB, no escapes). Without a
    backslash no text holds an escaped control character or surrogate (raw ones are not valid JSON);
    without NUL bytes the body is UTF-8; a body eight times under the text limit holds no text, and no
    free-form object re-encoded (a float may grow from 3 to 24 characters), over it; no more brackets
    than the depth limit allows means no deeper nesting."""
    return (
        b"\\" not in raw
        and b"\x00" not in raw
        and len(raw) * 8 <= limits.max_free_text_bytes
        and raw.count(b"{") + raw.count(b"[") <= limits.max_json_depth
        and _RISKY_BYTES.search(raw) is None
    )


def pairs_faults(pairs: Iterable[tuple[str, str]], limits: InputLimits, *, where: str) -> list[ErrorDetail]:
    """Query-string or form pairs: no control characters (values of a query are identifiers and filters)."""
    faults = []
    for name, value in pairs:
        field = name if _CODE_FORBIDDEN.search(name) is None else where
        identifier = where == "query" or _is_identifier(name)
        for text in (name, value):
            fault = _text_fault(text, field=field, identifier=identifier, max_bytes=limits.max_free_text_bytes)
            if fault is not None:
                faults.append(fault)
                break
    return faults


class _MalformedJson(ValueError):
    pass


def _refuse_constant(name: str) -> Any:
    raise _MalformedJson(f"{name} is not a JSON number")


def parse_json(raw: bytes, limits: InputLimits) -> tuple[Any, list[ErrorDetail]]:
    """The document and its faults; a body that is not JSON at all is one INVALID_JSON fault."""
    try:
        return json.loads(raw, parse_constant=_refuse_constant), []
    except RecursionError:
        return None, [_fault("JSON_TOO_DEEP", "body", f"nested deeper than {limits.max_json_depth} levels")]
    except ValueError:  # JSONDecodeError, UnicodeDecodeError, NaN/Infinity, an integer of over 4300 digits
        return None, [ErrorDetail(code="INVALID_JSON", message="the request body is not valid JSON")]


# ------------------------------------------------------------------------------------------------ middleware


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers") or ():
        if key == name:
            return str(value.decode("latin-1"))
    return None


def _is_json(content_type: str | None) -> bool:
    if content_type is None:
        return True  # FastAPI parses a body without a content type as JSON
    media = content_type.split(";", 1)[0].strip().lower()
    return media == "application/json" or (media.startswith("application/") and media.endswith("+json"))


class InputLimitsMiddleware:
    """Refuses oversized bodies (413) and hostile text, numbers and nesting (400) before routing."""

    def __init__(self, app: ASGIApp, limits: InputLimits) -> None:
        self.app = app
        self.limits = limits

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        faults = self._url_faults(scope)
        if faults:
            await error_response(400, faults)(scope, receive, send)
            return
        content_type = _header(scope, b"content-type")
        is_upload = (content_type or "").lower().startswith("multipart/form-data")
        limit = self.limits.max_upload_bytes if is_upload else self.limits.max_body_bytes
        declared = _header(scope, b"content-length")
        if declared is not None and declared.strip().isdigit() and int(declared) > limit:
            await self._too_large(limit)(scope, receive, send)
            return
        media = (content_type or "").split(";", 1)[0].strip().lower()
        checked = _is_json(content_type) or media == "application/x-www-form-urlencoded"
        if not checked:
            await self.app(scope, _counting(receive, limit), send)
            return
        body = await _read_body(receive, limit)
        if body is None:
            await self._too_large(limit)(scope, receive, send)
            return
        faults = self._body_faults(
            scope, body, json_body=_is_json(content_type), declared_json=content_type is not None
        )
        if faults:
            await error_response(400, faults)(scope, receive, send)
            return
        await self.app(scope, _replay(body, receive), send)

    def _url_faults(self, scope: Scope) -> list[ErrorDetail]:
        path = scope.get("path", "")
        if _CODE_FORBIDDEN.search(path):
            return [_fault("INVALID_CHARACTERS", "path", "control characters are not allowed in the path")]
        query = scope.get("query_string", b"").decode("latin-1")
        if not query:
            return []
        return pairs_faults(parse_qsl(query, keep_blank_values=True), self.limits, where="query")

    def _body_faults(self, scope: Scope, body: bytes, *, json_body: bool, declared_json: bool) -> list[ErrorDetail]:
        if not body.strip():
            return []
        if not json_body:
            text = body.decode("latin-1")
            return pairs_faults(parse_qsl(text, keep_blank_values=True), self.limits, where="body")
        document, faults = parse_json(body, self.limits)
        if faults and not declared_json and faults[0].code == "INVALID_JSON":
            return []  # no content type and not JSON: the route decides what it makes of it
        faults = faults or ([] if plainly_fine(body, self.limits) else json_faults(document, self.limits))
        if not faults and declared_json:
            scope[PARSED_JSON] = document  # the access gate reads it from here instead of parsing again
        return faults

    @staticmethod
    def _too_large(limit: int) -> Callable[[Scope, Receive, Send], Awaitable[None]]:
        detail = ErrorDetail(
            code="REQUEST_TOO_LARGE", message=f"the request body is larger than {limit} bytes", params=["body"]
        )
        return error_response(413, [detail])


async def _read_body(receive: Receive, limit: int) -> bytes | None:
    """The whole body, or None as soon as it passes the limit (the rest is never read)."""
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] != "http.request":
            break
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            return None
        chunks.append(chunk)
        if not message.get("more_body", False):
            break
    return b"".join(chunks)


def _replay(body: bytes, receive: Receive) -> Receive:
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if sent:
            return await receive()  # http.disconnect, when the client goes
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    return replay


def _counting(receive: Receive, limit: int) -> Receive:
    """Passes the body through while it streams; past the limit the reader gets a 413 (DomainError)."""
    size = 0

    async def counted() -> Message:
        nonlocal size
        message = await receive()
        if message["type"] == "http.request":
            size += len(message.get("body", b""))
            if size > limit:
                raise PayloadTooLarge(
                    "REQUEST_TOO_LARGE", f"the request body is larger than {limit} bytes", params=["body"]
                )
        return message

    return counted


# ------------------------------------------------------------------------------------------------ integers


def _takes_integer(annotation: Any) -> bool:
    if annotation is int:
        return True
    origin = get_origin(annotation)
    if origin is Annotated:
        return _takes_integer(get_args(annotation)[0])
    if origin in (Union, UnionType, list, tuple, set, frozenset):
        return any(_takes_integer(a) for a in get_args(annotation) if a not in (NoneType, Ellipsis))
    return False


def _integer_names(route: APIRoute) -> tuple[frozenset[str], frozenset[str]]:
    """The path and query parameters (wire names) the route or its dependencies declare as integers."""
    path: set[str] = set()
    query: set[str] = set()
    pending: list[Dependant] = [route.dependant]
    while pending:
        dependant = pending.pop()
        pending.extend(dependant.dependencies)
        for found, params in ((path, dependant.path_params), (query, dependant.query_params)):
            for param in params:
                annotation = param.field_info.annotation
                if isinstance(annotation, type) and issubclass(annotation, BaseModel):  # a query model
                    fields = annotation.model_fields.items()
                    found.update(f.alias or name for name, f in fields if _takes_integer(f.annotation))
                elif _takes_integer(annotation):
                    found.add(param.alias)
    return frozenset(path), frozenset(query)


def _fits_int64(text: str) -> bool:
    """Whether an integer written in decimal fits (never converts a number of thousands of digits)."""
    digits = text.lstrip("+-").lstrip("0")
    return len(digits) <= 19 and INT64_MIN <= int(text) <= INT64_MAX


def _integer_faults(values: Iterable[tuple[str, str]]) -> list[ErrorDetail]:
    faults = []
    for name, value in values:
        text = value.strip()
        if _INTEGER.fullmatch(text) and not _fits_int64(text):
            faults.append(_fault("NUMBER_OUT_OF_RANGE", name, "out of range (must fit a signed 64-bit integer)"))
    return faults


async def check_integer_parameters(request: Request) -> None:
    """App-level dependency: an integer path or query parameter must fit a signed 64-bit column (else 400)."""
    route = request.scope.get("route")
    if not isinstance(route, APIRoute):
        return
    known: dict[tuple[str, frozenset[str]], tuple[frozenset[str], frozenset[str]]]
    known = request.app.state.integer_parameters
    key = (route.path, frozenset(route.methods or ()))
    if key not in known:
        known[key] = _integer_names(route)
    path_names, query_names = known[key]
    pairs = [(n, str(v)) for n, v in request.path_params.items() if n in path_names]
    pairs += [(n, v) for n, v in request.query_params.multi_items() if n in query_names]
    faults = _integer_faults(pairs)
    if faults:
        error = Invalid(faults[0].code, faults[0].message, params=faults[0].params)
        error.extra = faults[1:]
        raise error


def install_input_limits(app: FastAPI, settings: Settings) -> None:
    """Adds the middleware; `check_integer_parameters` must be among the app's dependencies."""
    app.state.integer_parameters = {}
    app.add_middleware(InputLimitsMiddleware, limits=InputLimits.of(settings))
