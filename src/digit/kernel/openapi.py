"""The OpenAPI document for people who write clients: how to authenticate, and DIGIT's own request bodies.

- `components.securitySchemes.bearer`: the access token from `POST /user/oauth/token`, sent as
  `Authorization: Bearer <token>` (DIGIT clients may put it in `RequestInfo.authToken` instead; both work).
  Swagger UI shows an Authorize button. Open routes declare no security; routes that also answer
  anonymously (kernel/anonymous.py) declare the token optional.
- `requestBody` examples for the calls a client makes first, as DIGIT's UI sends them.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from fastapi import FastAPI

from digit.kernel.security import is_open_route

BEARER = "bearer"
RI = {"apiId": "Rainmaker", "ver": ".01", "msgId": "1700000000000|en_IN", "authToken": "<access_token>"}

EXAMPLES: dict[tuple[str, str], dict[str, Any]] = {
    ("post", "/user-otp/v1/_send"): {
        "otp": {"mobileNumber": "9999999999", "tenantId": "pb", "userType": "citizen", "type": "login"}
    },
    ("post", "/pgr-services/v2/request/_create"): {
        "RequestInfo": RI,
        "service": {
            "tenantId": "pb.amritsar",
            "serviceCode": "StreetLightNotWorking",
            "description": "The street light near the park is off",
            "source": "web",
            "address": {
                "city": "pb.amritsar",
                "landmark": "Opposite the gurudwara gate",
                "locality": {"code": "AMR_LOC_001", "name": "Ajit Nagar"},
                "geoLocation": {"latitude": 31.63, "longitude": 74.87},
            },
        },
        "workflow": {"action": "APPLY", "verificationDocuments": []},
    },
    ("post", "/pgr-services/v2/request/_update"): {
        "RequestInfo": RI,
        "service": {"...": "the service object exactly as _search returned it"},
        "workflow": {
            "action": "ASSIGN",
            "assignes": ["<uuid of an LME>"],
            "comments": "Please attend",
            "verificationDocuments": [{"documentType": "PHOTO", "fileStoreId": "", "documentUid": ""}],
        },
    },
    ("post", "/inbox/v2/_search"): {
        "RequestInfo": RI,
        "inbox": {
            "tenantId": "pb.amritsar",
            "processSearchCriteria": {"businessService": ["PGR"], "moduleName": "rainmaker-pgr", "tenantId": "pb"},
            "moduleSearchCriteria": {"assignee": "<uuid>", "locality": ["AMR_LOC_001"]},
            "limit": 10,
            "offset": 0,
        },
    },
    ("post", "/billing-service/demand/_create"): {
        "RequestInfo": RI,
        "Demands": [
            {
                "tenantId": "pb.amritsar",
                "consumerCode": "TL-2026-0001",
                "consumerType": "TL",
                "businessService": "TL",
                "taxPeriodFrom": 1775001600000,
                "taxPeriodTo": 1806537599999,
                "demandDetails": [{"taxHeadMasterCode": "TL_TAX", "taxAmount": 300, "collectionAmount": 0}],
            }
        ],
    },
    ("post", "/collection-services/payments/_create"): {
        "RequestInfo": RI,
        "Payment": {
            "tenantId": "pb.amritsar",
            "paymentMode": "CASH",
            "totalDue": 300,
            "totalAmountPaid": 300,
            "payerName": "Demo Citizen",
            "paidBy": "OWNER",
            "mobileNumber": "9999999999",
            "paymentDetails": [
                {"businessService": "TL", "billId": "<bill id>", "totalDue": 300, "totalAmountPaid": 300}
            ],
        },
    },
    ("post", "/user-preference/v1/_upsert"): {
        "RequestInfo": RI,
        "preference": {
            "userId": "<your uuid>",
            "tenantId": "pb",
            "preferenceCode": "USER_NOTIFICATION_PREFERENCES",
            "payload": {"consent": {"SMS": {"enabled": True}}, "preferredLanguage": "en_IN"},
        },
    },
    ("post", "/config-service/config/v1/_search"): {
        "RequestInfo": RI,
        "criteria": {"schemaCode": "NotificationChannel", "tenantId": "pb"},
    },
}


def _security(path: str, open_routes: Iterable[str], anonymous_routes: Iterable[str]) -> list[dict[str, list[str]]]:
    if is_open_route(path, open_routes):
        return []
    if is_open_route(path, anonymous_routes):
        return [{}, {BEARER: []}]
    return [{BEARER: []}]


def describe(schema: dict[str, Any], *, open_routes: Iterable[str], anonymous_routes: Iterable[str]) -> dict[str, Any]:
    """Add the bearer scheme, each operation's security and the request examples to a generated document."""
    components = schema.setdefault("components", {})
    components.setdefault("securitySchemes", {})[BEARER] = {
        "type": "http",
        "scheme": "bearer",
        "description": "access_token from POST /user/oauth/token (citizens: the OTP goes in `password`); "
        "DIGIT clients may send it as RequestInfo.authToken instead",
    }
    open_list, anonymous_list = list(open_routes), list(anonymous_routes)
    for path, item in schema.get("paths", {}).items():
        for method, operation in item.items():
            if not isinstance(operation, dict):
                continue
            operation["security"] = _security(path, open_list, anonymous_list)
            example = EXAMPLES.get((method, path))
            content = (operation.get("requestBody") or {}).get("content", {}).get("application/json")
            if example is not None and content is not None:
                content["example"] = example
    return schema


def install_openapi(app: FastAPI, *, open_routes: list[str], anonymous_routes: list[str]) -> None:
    """Describe security and examples in the app's OpenAPI document (built once, on first request)."""
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = describe(generate(), open_routes=open_routes, anonymous_routes=anonymous_routes)
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
