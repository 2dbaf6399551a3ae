"""ID generation wire models, DIGIT's names: `idRequests` in, `responseInfo` + `idResponses` out."""

from __future__ import annotations

from pydantic import Field

from digit.kernel.envelope import RequestInfo, ResponseInfo, WireModel

MAX_COUNT = 1000  # ids per idRequest
MAX_REQUESTS = 100  # idRequests per call


class IdRequest(WireModel):
    id_name: str = Field(max_length=200)
    tenant_id: str = Field(min_length=1, max_length=200)
    format: str | None = Field(default=None, max_length=200)
    count: int | None = Field(default=None, ge=1, le=MAX_COUNT)


class IdGenerationRequest(WireModel):
    request_info: RequestInfo = Field(alias="RequestInfo")
    id_requests: list[IdRequest] = Field(min_length=1, max_length=MAX_REQUESTS)


class IdResponse(WireModel):
    id: str


class IdGenerationResponse(WireModel):
    response_info: ResponseInfo = Field(alias="responseInfo")
    id_responses: list[IdResponse]
