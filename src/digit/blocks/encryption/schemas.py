"""egov-enc-service wire models (DIGIT's enc-service contract: bare answers, no ResponseInfo)."""

from __future__ import annotations

from pydantic import Field, JsonValue, RootModel

from digit.kernel.envelope import RequestInfo, WireModel


class EncReqObject(WireModel):
    tenant_id: str = Field(min_length=1, max_length=256)
    type: str = "Normal"  # Normal | Imp | Important (all AES-256-GCM here)
    value: JsonValue  # a string, an array or an object: every leaf is encrypted, keys are kept


class EncryptRequest(WireModel):
    request_info: RequestInfo | None = Field(default=None, alias="RequestInfo")
    encryption_requests: list[EncReqObject] = Field(min_length=1, max_length=1000)


class SignRequest(WireModel):
    request_info: RequestInfo | None = Field(default=None, alias="RequestInfo")
    tenant_id: str = Field(min_length=1, max_length=256)
    value: str


class SignResponse(WireModel):
    value: str
    signature: str


class VerifyRequest(WireModel):
    request_info: RequestInfo | None = Field(default=None, alias="RequestInfo")
    tenant_id: str | None = None  # DIGIT's contract has none; when given, the signing key must be this state's
    value: str
    signature: str


class VerifyResponse(WireModel):
    verified: bool


class RotateKeyRequest(WireModel):
    request_info: RequestInfo | None = Field(default=None, alias="RequestInfo")
    tenant_id: str = Field(min_length=1, max_length=256)


class RotateAllKeysRequest(WireModel):
    request_info: RequestInfo | None = Field(default=None, alias="RequestInfo")


class RotateKeyResponse(WireModel):
    acknowledged: bool


class DecryptRequest(RootModel[JsonValue]):
    """Any JSON: DIGIT's `_decrypt` takes the `_encrypt` answer as it came (a top-level RequestInfo is ignored)."""
