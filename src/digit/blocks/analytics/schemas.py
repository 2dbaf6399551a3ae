"""dashboard-analytics wire models: DIGIT DSS's getChartV2 / getDashboardConfig request and response shapes."""

from __future__ import annotations

from typing import Any

from pydantic import Field, field_validator

from digit.kernel.envelope import RequestInfo, WireModel


class RequestDate(WireModel):
    """Epoch ms; DIGIT's DTO holds them as strings, numbers are accepted too."""

    start_date: int | None = None
    end_date: int | None = None
    interval: str | None = Field(default=None, max_length=16)
    title: str | None = Field(default=None, max_length=200)

    @field_validator("start_date", "end_date", mode="before")
    @classmethod
    def _epoch_ms(cls, value: Any) -> Any:
        if isinstance(value, str):
            return int(value) if value.strip().lstrip("-").isdigit() else value
        return value


class AggregationRequest(WireModel):
    """Only `visualizationCode` decides what runs (as in DIGIT); `visualizationType`, `queryType` are echoes."""

    visualization_type: str | None = Field(default=None, max_length=64)
    visualization_code: str = Field(min_length=1, max_length=128)
    query_type: str | None = Field(default=None, max_length=64)
    module_level: str | None = Field(default=None, max_length=64)
    aggregation_factors: Any = None
    filters: dict[str, Any] = Field(default_factory=dict)
    request_date: RequestDate = Field(default_factory=RequestDate)
    request_id: str | None = Field(default=None, max_length=128)


class ChartHeaders(WireModel):
    tenant_id: str | None = Field(default=None, max_length=256)


class ChartRequest(WireModel):
    request_info: RequestInfo | None = Field(default=None, alias="RequestInfo")
    headers: ChartHeaders = Field(default_factory=ChartHeaders)
    aggregation_request_dto: AggregationRequest


class Plot(WireModel):
    label: str | None = None
    name: str
    value: float | None = None
    str_value: str | None = None
    symbol: str


class Insight(WireModel):
    name: str = "INSIGHTS"
    value: str
    indicator: str
    color_code: str


class Data(WireModel):
    """A chart's series or row; a metric's also carries `priorValue`, its value over the previous period."""

    header_name: str
    header_value: float | str | None = None
    header_symbol: str
    insight: Insight | None = None
    prior_value: float | None = None
    plots: list[Plot] = Field(default_factory=list)


class FilterKey(WireModel):
    key: str
    column: str


class ChartData(WireModel):
    """DIGIT's `responseData`, plus our `definition` (the KPI's definition text), `asOf` and `chartName` (the
    chart's localization key from its config, so a UI titles every chart, not only metrics, in the user's language)."""

    chart_type: str
    visualization_code: str
    chart_name: str | None = None
    chart_format: str | None = None
    drill_down_chart_id: str = "none"
    custom_data: Any = None
    dates: Any = None
    filter: list[FilterKey] | None = None
    data: list[Data]
    definition: str | None = None
    as_of: int | None = None


class StatusInfo(WireModel):
    status_code: int = 200
    status_message: str = "success"
    error_message: str = ""


class ChartResponse(WireModel):
    status_info: StatusInfo = Field(default_factory=StatusInfo)
    response_data: ChartData


class DashboardResponse(WireModel):
    status_info: StatusInfo = Field(default_factory=StatusInfo)
    response_data: list[dict[str, Any]]
