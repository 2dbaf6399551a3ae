"""Boundary wire models: egov-location v11 (from MDMS) and boundary-service v2, with DIGIT's field names."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from digit.kernel.envelope import RequestInfo, ResponseInfo, WireModel
from digit.kernel.paging import Csv, Paged, SearchQuery, page_limit


class Geometry(WireModel):
    type: str = Field(min_length=1)
    coordinates: list[Any]


class Boundary(WireModel):
    tenant_id: str = Field(min_length=1, max_length=256)
    code: str = Field(min_length=1, max_length=256)
    geometry: Geometry | None = None
    additional_details: dict[str, Any] | None = None


class CreateBoundariesRequest(WireModel):
    request_info: RequestInfo = Field(default_factory=RequestInfo, alias="RequestInfo")
    boundary: list[Boundary] = Field(alias="Boundary", min_length=1)


class BoundariesResponse(WireModel):
    response_info: ResponseInfo = Field(alias="ResponseInfo")
    boundary: list[dict[str, Any]] = Field(alias="Boundary")


class HierarchyLevel(WireModel):
    boundary_type: str = Field(min_length=1, max_length=128)
    parent_boundary_type: str | None = None
    active: bool = True


class BoundaryHierarchy(WireModel):
    tenant_id: str = Field(min_length=1, max_length=256)
    hierarchy_type: str = Field(min_length=1, max_length=128)
    boundary_hierarchy: list[HierarchyLevel] = Field(min_length=1)


class CreateHierarchyRequest(WireModel):
    request_info: RequestInfo = Field(default_factory=RequestInfo, alias="RequestInfo")
    boundary_hierarchy: BoundaryHierarchy = Field(alias="BoundaryHierarchy")


class HierarchySearchCriteria(WireModel):
    tenant_id: str = Field(min_length=1, max_length=256)
    hierarchy_type: str | None = None
    offset: int = Field(default=0, ge=0)
    limit: int = Field(default=10, ge=1, le=1000)


class SearchHierarchyRequest(WireModel):
    request_info: RequestInfo = Field(default_factory=RequestInfo, alias="RequestInfo")
    boundary_type_hierarchy_search_criteria: HierarchySearchCriteria = Field(
        alias="BoundaryTypeHierarchySearchCriteria"
    )


class HierarchyResponse(WireModel):
    response_info: ResponseInfo = Field(alias="ResponseInfo")
    total_count: int | None = None
    boundary_hierarchy: list[dict[str, Any]] = Field(alias="BoundaryHierarchy")


class BoundaryRelationship(WireModel):
    tenant_id: str = Field(min_length=1, max_length=256)
    code: str = Field(min_length=1, max_length=256)
    hierarchy_type: str = Field(min_length=1, max_length=128)
    boundary_type: str = Field(min_length=1, max_length=128)
    parent: str | None = None


class CreateRelationshipRequest(WireModel):
    request_info: RequestInfo = Field(default_factory=RequestInfo, alias="RequestInfo")
    boundary_relationship: BoundaryRelationship = Field(alias="BoundaryRelationship")


class TenantBoundaryResponse(WireModel):
    response_info: ResponseInfo = Field(alias="ResponseInfo")
    tenant_boundary: list[dict[str, Any]] = Field(alias="TenantBoundary")


class LocationSearch(SearchQuery):
    """egov-location v11 `boundarys/_search` criteria: a hierarchy, a boundary type, codes."""

    hierarchy_type_code: str | None = None
    boundary_type: str | None = None
    codes: Csv


class BoundarySearch(Paged):
    """boundary-service `boundary/_search` criteria: codes, a page of at most 1000."""

    codes: Csv
    limit: int = page_limit(default=100, maximum=1000)


class RelationshipSearch(SearchQuery):
    """boundary-service `boundary-relationships/_search` criteria: which part of a hierarchy's tree."""

    hierarchy_type: str = Field(min_length=1)
    boundary_type: str | None = None
    codes: Csv
    include_children: bool = False
    include_parents: bool = False
    parent: str | None = Field(default=None, description="only the children of this boundary code")
