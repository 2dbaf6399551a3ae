"""Wire models of pdf-service (DIGIT's lower-case field names)."""

from __future__ import annotations

from pydantic import Field

from digit.kernel.envelope import ResponseInfo, WireModel


class PdfJob(WireModel):
    filestoreids: list[str] = Field(alias="filestoreids")
    jobid: str = Field(alias="jobid")
    tenantid: str = Field(alias="tenantid")
    key: str
    totalcount: int = Field(alias="totalcount")
    createdtime: int = Field(alias="createdtime")
    endtime: int | None = Field(default=None, alias="endtime")
    entityids: list[str] = Field(default_factory=list, alias="entityids")


class CreateResponse(WireModel):
    response_info: ResponseInfo = Field(alias="ResponseInfo")
    message: str = "Success"
    filestore_ids: list[str] = Field(alias="filestoreIds")
    jobid: str = Field(alias="jobid")
    createdtime: int = Field(alias="createdtime")
    endtime: int = Field(alias="endtime")
    tenantid: str = Field(alias="tenantid")
    totalcount: int = Field(alias="totalcount")
    key: str


class SearchResponse(WireModel):
    response_info: ResponseInfo = Field(alias="ResponseInfo")
    message: str = "Success"
    searchresult: list[PdfJob]
