"""DIGIT search criteria as query models: one place for list parameters, pages and sort order.

A route declares its criteria once, as a model (`criteria: Annotated[PaymentSearch, Query()]`), instead of a
dozen `Query(...)` parameters passed down through helpers. The wire stays DIGIT's: camelCase names only
(a snake_case name is ignored, as it always was), list parameters comma-separated and/or repeated
(`?ids=a,b&ids=c`, via `split_values`), FastAPI's validation errors on the same `query` locations. The tenant
is not part of a criteria model: it comes from `digit.kernel.request_tenants`, where the access gate put it.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Any, TypeVar

from pydantic import AfterValidator, BaseModel, ConfigDict, Field
from pydantic.alias_generators import to_camel
from sqlalchemy import Select

from digit.kernel.envelope import split_values

S = TypeVar("S", bound=Select[Any])

Csv = Annotated[list[str], AfterValidator(split_values), Field(default_factory=list)]
"""A DIGIT list parameter: `?ids=a,b&ids=c` is `["a", "b", "c"]`; absent or blank is `[]`."""


class SearchQuery(BaseModel):
    """Base of every criteria model: wire names are the camelCase aliases, unknown parameters ignored."""

    model_config = ConfigDict(alias_generator=to_camel, validate_by_name=False, validate_by_alias=True)


def page_limit(*, default: int, maximum: int, minimum: int = 1) -> Any:
    """The `limit` field of a route's criteria: its default and bounds (a limit above `maximum` is a 400)."""
    return Field(default=default, ge=minimum, le=maximum)


class SortOrder(StrEnum):
    ASC = "ASC"
    DESC = "DESC"


class Paged(SearchQuery):
    """`offset` and `limit` as DIGIT's searches take them; subclasses narrow `limit` with `page_limit`."""

    offset: int = Field(default=0, ge=0)
    limit: int = page_limit(default=100, maximum=500)

    def page(self, query: S) -> S:
        """The query restricted to this page (order it first: pages of an unordered query are not stable)."""
        return query.offset(self.offset).limit(self.limit)
