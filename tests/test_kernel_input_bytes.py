"""The input check's byte-level shortcut never lets through what the full walk over a JSON body refuses.

`plainly_fine` skips the walk for bodies whose bytes show that no fault can be in them; here hostile and
ordinary bodies alike are judged both ways, and every body the shortcut passes has no fault in the walk."""

from __future__ import annotations

import json
import random
from typing import Any

import pytest

from digit.kernel.inputs import InputLimits, json_faults, parse_json, plainly_fine

LIMITS = InputLimits(max_body_bytes=1 << 20, max_upload_bytes=1 << 20, max_free_text_bytes=4096, max_json_depth=8)

HOSTILE = [
    '{"description": "a\\u0000b"}',
    '{"tenantId": "pb\\tamritsar"}',
    '{"name": "\\ud800"}',
    b'{"name": "\xed\xa0\x80"}',
    '{"n": 9223372036854775808}',
    '{"n": -9223372036854775809}',
    '{"n": 1e400}',
    '{"n": 12345678901234567890.5}',
    '{"additionalDetail": {"a": "\\ud800"}}',
    "[[[[[[[[[1]]]]]]]]]",
    '{"a": {"b": {"c": {"d": {"e": {"f": {"g": {"h": {}}}}}}}}}',
    json.dumps({"text": "x" * 5000}),
    '{"additionalDetail": {"v": [' + ",".join(["1e15"] * 300) + "]}}",  # 1.5 KB sent, 5.7 KB re-encoded
    json.dumps({"k\u0001": 1}),
]


def _both(raw: bytes) -> tuple[bool, list[Any]]:
    document, faults = parse_json(raw, LIMITS)
    assert faults == [], "only valid JSON reaches the walk"
    return plainly_fine(raw, LIMITS), json_faults(document, LIMITS)


@pytest.mark.parametrize("body", HOSTILE)
def test_a_hostile_body_is_never_passed_by_the_shortcut(body: str | bytes) -> None:
    raw = body if isinstance(body, bytes) else body.encode("utf-8", "surrogatepass")
    fine, faults = _both(raw)
    assert faults, "each body here is one the walk refuses"
    assert not fine


def test_an_ordinary_complaint_takes_the_shortcut() -> None:
    body = {
        "RequestInfo": {"apiId": "Rainmaker", "authToken": "8f1c7c1e-0d6b-4c0e-9a0b-0b9a6f2d9c11"},
        "service": {
            "tenantId": "pb.amritsar",
            "serviceCode": "StreetLightNotWorking",
            "description": "पथ प्रकाश काम नहीं कर रहा",
            "address": {"locality": {"code": "SUN04"}, "geoLocation": {"latitude": 31.63, "longitude": 74.87}},
            "additionalDetail": {},
        },
        "workflow": {"action": "APPLY", "assignes": [], "comments": "please"},
    }
    raw = json.dumps(body, ensure_ascii=False).encode()
    defaults = InputLimits(
        max_body_bytes=1 << 22, max_upload_bytes=1 << 22, max_free_text_bytes=1 << 16, max_json_depth=64
    )
    assert plainly_fine(raw, defaults)
    assert json_faults(json.loads(raw), defaults) == []


def _random_value(rng: random.Random, depth: int) -> Any:
    kind = rng.randrange(8 if depth < 10 else 5)
    if kind == 0:
        return rng.choice([0, -1, 2**63 - 1, -(2**63), 2**63, 10**25, 1.5, 1e15, 1e300, True, None])
    if kind in (1, 2, 3, 4):
        alphabet = 'ab \t\n\u0001\u001f\u00e9\u0928\ud800\u2028"\\/'
        return "".join(rng.choice(alphabet) for _ in range(rng.randrange(0, 12))) * rng.choice([1, 1, 400])
    if kind in (5, 6):
        keys = ["id", "name", "tenantId", "additionalDetail", "serviceCode", "note\u0002", "v"]
        return {rng.choice(keys): _random_value(rng, depth + 1) for _ in range(rng.randrange(0, 4))}
    return [_random_value(rng, depth + 1) for _ in range(rng.randrange(0, 4))]


def test_random_bodies_agree_with_the_walk() -> None:
    rng = random.Random(17)
    passed = 0
    for _ in range(3000):
        document = {"v": _random_value(rng, 1)}
        raw = json.dumps(document, ensure_ascii=rng.random() < 0.3).encode("utf-8", "surrogatepass")
        fine, faults = _both(raw)
        assert not (fine and faults), raw[:200]
        passed += fine
    assert passed > 100  # the shortcut is taken for a good share of the harmless bodies
