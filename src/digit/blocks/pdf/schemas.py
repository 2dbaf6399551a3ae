"""Wire models of pdf-service (DIGIT's lower-case field names)."""

from __future__ import annotations

import re

from pydantic import Field

from digit.kernel.envelope import ResponseInfo, WireModel
from digit.kernel.paging import Csv, SearchQuery

LOCALE = re.compile(r"[a-z]{2}_[A-Z]{2}")


class RenderQuery(SearchQuery):
    """`_create` and `_createnosave`: the template's key and, optionally, the language to print in."""

    key: str = Field(min_length=1)
    locale: str | None = Field(default=None, pattern=LOCALE.pattern)


class JobSearch(SearchQuery):
    """`_search` criteria: job ids (comma-separated and/or repeated) or an entity id the jobs printed."""

    jobid: Csv
    entityid: str | None = None


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
