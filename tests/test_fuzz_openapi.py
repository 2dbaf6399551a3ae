"""Property-based fuzzing of every operation in the app's /openapi.json (block: kernel, all routes).

Schemathesis generates requests from the OpenAPI document the app itself serves, both valid and invalid
ones (mode "all"), and sends them over real HTTP to the platform on a uvicorn port of this test's own, as
the superuser ADMIN (token in `Authorization` and in `RequestInfo.authToken`) with the demo tenants `pb` and
`pb.amritsar` in the tenant fields (one tenant per request; one request in five keeps the generated value). Every
operation must answer below 500 and never drop the connection.

Bounded for CI: DIGIT_FUZZ_EXAMPLES (default 8) generated requests per operation and database, from a
fixed seed, so a failure reproduces and the run takes about a minute per database. To explore longer:
`DIGIT_FUZZ_EXAMPLES=300 DIGIT_FUZZ_SEED=random .venv/bin/pytest tests/test_fuzz_openapi.py -n auto`.
"""

from __future__ import annotations

import copy
import os
import re
import socket
import tempfile
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import requests
import schemathesis
import uvicorn
from hypothesis import strategies as st

from digit.app import create_app
from tests.builders import CLIENT_BASIC, DEMO_PASSWORD, TOKEN_PATH
from tests.conftest import DB_KINDS, base_settings, database_copy

EXAMPLES = int(os.environ.get("DIGIT_FUZZ_EXAMPLES", "8"))
SEED = os.environ.get("DIGIT_FUZZ_SEED", "20261126")
TENANTS = ("pb", "pb.amritsar")
TENANT_FIELDS = frozenset({"tenantId", "tenantid", "tenant_id", "jurisdiction_id"})
PLAIN_TEXT = "^[^\\x00-\\x1f\\x7f]*$"
INT64 = {"minimum": -(2**63), "maximum": 2**63 - 1}
ANY_SCALAR = {"type": ["string", "integer", "boolean", "null"], "pattern": PLAIN_TEXT, **INT64}
MAX_ITEMS = 3
SCHEMA_KEYWORDS = frozenset({"type", "$ref", "anyOf", "oneOf", "allOf", "not", "enum", "const", "properties", "items"})


def _kernel_bounded(node: Any) -> Any:
    """A JSON Schema narrowed to what the kernel lets through to a handler, so that valid cases reach it.

    The kernel refuses, before any handler runs, control characters in any string or key and numbers past
    a signed 64-bit integer. Free-form strings and keys get a pattern without control characters, unbounded
    numbers the int64 range, and "anything" (a free-form value) a plain scalar; a model gets no extra keys.
    Invalid cases break these bounds, so they still send control characters, huge numbers and unknown keys.
    Lists are kept short: generating long nested lists of objects is what costs time.
    """
    if node is True:
        return ANY_SCALAR
    if not isinstance(node, dict):
        return node
    if not node.keys() & SCHEMA_KEYWORDS:  # anything at all
        return {**node, **ANY_SCALAR}
    node = dict(node)
    for key in ("properties", "patternProperties", "$defs"):
        if isinstance(node.get(key), dict):
            node[key] = {name: _kernel_bounded(child) for name, child in node[key].items()}
    for key in ("items", "additionalProperties", "not", "contains", "propertyNames"):
        if key in node:
            node[key] = _kernel_bounded(node[key])
    for key in ("anyOf", "oneOf", "allOf", "prefixItems"):
        if isinstance(node.get(key), list):
            node[key] = [_kernel_bounded(child) for child in node[key]]
    kind = node.get("type")
    if kind == "string" and not node.keys() & {"pattern", "format", "enum", "const"}:
        node["pattern"] = PLAIN_TEXT
    if kind in ("integer", "number"):
        node = {**INT64, **node}
    if kind == "array":  # long lists only make generation slow
        node.setdefault("maxItems", MAX_ITEMS)
    if kind == "object" and "properties" in node:  # a model: its own fields (extra keys only in invalid cases)
        node.setdefault("additionalProperties", False)
    elif kind == "object":  # a free-form map
        node.setdefault("propertyNames", {"pattern": PLAIN_TEXT})
        node.setdefault("additionalProperties", ANY_SCALAR)
    return node


def _fuzzable(document: dict[str, Any]) -> dict[str, Any]:
    """The OpenAPI document with every request schema `_kernel_bounded` (responses are not generated)."""
    components = document.get("components", {}).get("schemas", {})
    for name, component in components.items():
        components[name] = _kernel_bounded(component)
    for methods in document["paths"].values():
        for operation in methods.values():
            for parameter in operation.get("parameters", []):
                parameter["schema"] = _kernel_bounded(parameter.get("schema", {}))
            for media in operation.get("requestBody", {}).get("content", {}).values():
                if "schema" in media:
                    media["schema"] = _kernel_bounded(media["schema"])
    return document


def _openapi() -> dict[str, Any]:
    """The document the app serves at /openapi.json (building the app touches no database)."""
    with tempfile.TemporaryDirectory() as folder:
        app = create_app(base_settings(f"sqlite+aiosqlite:///{folder}/openapi.db", Path(folder) / "var"))
        return app.openapi()


OPENAPI = _openapi()
schema = schemathesis.openapi.from_dict(
    _fuzzable(copy.deepcopy(OPENAPI)),
    config=schemathesis.Config.from_dict(
        {
            **({} if SEED == "random" else {"seed": int(SEED)}),
            "suppress-health-check": ["all"],
            "generation": {"mode": "all", "max-examples": EXAMPLES, "database": "none"},
            "phases": {"coverage": {"enabled": False}, "stateful": {"enabled": False}},
        }
    ),
)


def _with_tenant(node: Any, tenant_id: str) -> Any:
    """The same data with every string tenant field set to one tenant."""
    if isinstance(node, dict):
        return {
            key: tenant_id if key in TENANT_FIELDS and isinstance(value, str) else _with_tenant(value, tenant_id)
            for key, value in node.items()
        }
    if isinstance(node, list):
        return [_with_tenant(item, tenant_id) for item in node]
    return node


@schema.hook
def flatmap_case(
    context: schemathesis.HookContext, case: schemathesis.Case[Any]
) -> st.SearchStrategy[schemathesis.Case[Any]]:
    """Mostly a demo tenant, the same one in body and query, so that requests pass the access gate."""

    def use(tenant_id: str | None) -> schemathesis.Case[Any]:
        if tenant_id is not None:
            case.body = _with_tenant(case.body, tenant_id)
            case.query = _with_tenant(case.query, tenant_id)
        return case

    return st.sampled_from([*TENANTS, *TENANTS, None]).map(use)  # None: keep the generated value


@dataclass
class Target:
    base_url: str
    http: requests.Session
    token: str = ""


def _login(base_url: str) -> str:
    form = {
        "username": "ADMIN",
        "password": DEMO_PASSWORD,
        "grant_type": "password",
        "scope": "read",
        "tenantId": "pb",
        "userType": "EMPLOYEE",
    }
    response = requests.post(base_url + TOKEN_PATH, data=form, headers={"Authorization": CLIENT_BASIC}, timeout=30)
    assert response.status_code == 200, response.text
    token: str = response.json()["access_token"]
    return token


@pytest.fixture(scope="module", params=DB_KINDS)
def target(
    request: pytest.FixtureRequest, templates: dict[str, str], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Target]:
    """The platform on a real port (a fresh database copy for the module), background work off."""
    folder = tmp_path_factory.mktemp(f"fuzz-{request.param}")
    with database_copy(request.param, templates, folder) as database_url:
        listener = socket.socket()
        listener.bind(("127.0.0.1", 0))
        port = listener.getsockname()[1]
        app = create_app(base_settings(database_url, folder / "var", port=port))
        server = uvicorn.Server(uvicorn.Config(app, log_config=None, access_log=False))
        thread = threading.Thread(target=server.run, kwargs={"sockets": [listener]}, daemon=True)
        thread.start()
        while not server.started and thread.is_alive():
            thread.join(0.05)
        assert server.started, "the platform did not start (its traceback is above)"
        with requests.Session() as http:
            yield Target(base_url=f"http://127.0.0.1:{port}", http=http)
        server.should_exit = True
        thread.join(30)
        listener.close()


@pytest.fixture
def admin_token(target: Target) -> str:
    """A token of ADMIN (SUPERUSER @ pb); a new one if a fuzzed request (a logout) revoked the last."""
    if target.token:
        details = f"{target.base_url}/user/_details"
        if target.http.post(details, params={"access_token": target.token}, timeout=30).status_code == 200:
            return target.token
    target.token = _login(target.base_url)
    return target.token


def _describe(case: schemathesis.Case[Any]) -> str:
    return case.as_curl_command(headers={"Authorization": "Bearer <ADMIN>"})


@schema.parametrize()
def test_fuzz_operation_answers_below_500_and_keeps_the_connection(
    case: schemathesis.Case[Any], target: Target, admin_token: str
) -> None:
    request_info = case.body.get("RequestInfo") if isinstance(case.body, dict) else None
    if isinstance(request_info, dict):  # DIGIT clients send the token there; the gate reads it first
        request_info["authToken"] = admin_token
    try:
        response = case.call(
            base_url=target.base_url,
            session=target.http,
            headers={"Authorization": f"Bearer {admin_token}"},
            timeout=60,
        )
    except (requests.ConnectionError, requests.exceptions.ChunkedEncodingError) as error:  # no or half an answer
        pytest.fail(f"the server dropped the connection ({type(error).__name__}):\n{_describe(case)}")

    assert response.status_code < 500, f"{response.status_code} {response.text[:400]}\n{_describe(case)}"


def _patterns(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        if isinstance(node.get("pattern"), str):
            yield node["pattern"]
        for value in node.values():
            yield from _patterns(value)
    elif isinstance(node, list):
        for item in node:
            yield from _patterns(item)


def test_openapi_patterns_carry_no_inline_regex_flags() -> None:
    """JSON Schema patterns are ECMA-262 regexes, which have no `(?i)`: clients and the fuzzer could not use them."""
    patterns = set(_patterns(OPENAPI))

    assert [p for p in patterns if re.search(r"\(\?[aiLmsux]", p)] == []
