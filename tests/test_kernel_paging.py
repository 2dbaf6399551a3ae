"""Search criteria as query models (kernel/paging.py): DIGIT's list parameters, pages, wire names, errors."""

from __future__ import annotations

from typing import Annotated, Any

import httpx
import pytest
from fastapi import FastAPI, Query
from pydantic import ValidationError
from sqlalchemy import column, select, table

from digit.blocks.collection.schemas import ModulePaymentSearch, PaymentSearch
from digit.blocks.hrms.schemas import MAX_LIMIT, EmployeeSearch
from digit.blocks.notification.schemas import EventSearch
from digit.kernel.paging import Csv, Paged, page_limit
from tests.test_billing_support import RI, TENANT, employee


class WidgetSearch(Paged):
    widget_ids: Csv
    colour: str | None = None
    limit: int = page_limit(default=10, maximum=20)


def _echo_app() -> FastAPI:
    app = FastAPI()

    @app.post("/widgets/_search")
    async def search(criteria: Annotated[WidgetSearch, Query()]) -> dict[str, Any]:
        return criteria.model_dump()

    return app


async def _echo(query: str) -> httpx.Response:
    transport = httpx.ASGITransport(app=_echo_app())
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        return await client.post(f"/widgets/_search?{query}")


async def test_list_parameter_comma_separated_and_repeated_is_one_list() -> None:
    response = await _echo("widgetIds=a,b&widgetIds=c&widgetIds=")

    assert response.status_code == 200
    assert response.json()["widget_ids"] == ["a", "b", "c"]


async def test_absent_parameters_take_their_defaults() -> None:
    response = await _echo("")

    assert response.json() == {"offset": 0, "limit": 10, "widget_ids": [], "colour": None}


async def test_snake_case_parameter_name_is_ignored() -> None:
    response = await _echo("widget_ids=a")

    assert response.json()["widget_ids"] == []


async def test_limit_above_the_route_maximum_is_refused_on_the_limit_parameter() -> None:
    response = await _echo("limit=21")

    assert response.status_code == 422  # the bare app; the platform turns this into DIGIT's 400 (below)
    assert response.json()["detail"][0]["loc"] == ["query", "limit"]


def test_page_of_an_ordered_query_applies_offset_and_limit() -> None:
    rows = table("rows", column("id"))
    criteria = WidgetSearch.model_validate({"offset": "5", "limit": "7"})

    paged = criteria.page(select(rows).order_by(rows.c.id))

    assert (paged._offset, paged._limit) == (5, 7)


def test_negative_offset_is_refused() -> None:
    with pytest.raises(ValidationError):
        WidgetSearch.model_validate({"offset": -1})


def test_payment_search_takes_digit_names_and_module_search_has_no_business_services() -> None:
    criteria = PaymentSearch.model_validate({"billIds": ["b1,b2"], "businessServices": ["TL"], "payerIds": ["u"]})

    assert (criteria.bill_ids, criteria.business_services, criteria.payer_ids) == (["b1", "b2"], ["TL"], ["u"])
    assert "businessServices" not in {f.alias for f in ModulePaymentSearch.model_fields.values()}


def test_event_search_keeps_digit_names_userids_and_status() -> None:
    criteria = EventSearch.model_validate({"userids": ["u1,u2"], "status": ["ACTIVE"], "referenceIds": ["r"]})

    assert (criteria.user_ids, criteria.statuses, criteria.reference_ids) == (["u1", "u2"], ["ACTIVE"], ["r"])
    assert criteria.limit == 200


def test_employee_search_allows_hrms_large_pages() -> None:
    assert EmployeeSearch.model_validate({"limit": MAX_LIMIT}).limit == MAX_LIMIT
    with pytest.raises(ValidationError):
        EmployeeSearch.model_validate({"limit": MAX_LIMIT + 1})


async def test_payment_search_with_limit_over_500_is_400_in_digit_shape(api: httpx.AsyncClient) -> None:
    clerk = await employee(api)

    response = await api.post(
        f"/collection-services/payments/_search?tenantId={TENANT}&limit=501", json={"RequestInfo": RI}, headers=clerk
    )

    assert response.status_code == 400
    assert response.json()["Errors"]


async def test_payment_search_with_from_date_past_64_bits_is_400_naming_from_date(api: httpx.AsyncClient) -> None:
    clerk = await employee(api)

    response = await api.post(
        f"/collection-services/payments/_search?tenantId={TENANT}&fromDate={2**63}",
        json={"RequestInfo": RI},
        headers=clerk,
    )

    assert response.status_code == 400
    assert [e["code"] for e in response.json()["Errors"]] == ["NUMBER_OUT_OF_RANGE"]


async def test_payment_search_by_comma_separated_receipt_numbers_answers_200(api: httpx.AsyncClient) -> None:
    clerk = await employee(api)

    response = await api.post(
        f"/collection-services/payments/_search?tenantId={TENANT}&receiptNumbers=R1,R2&receiptNumbers=R3",
        json={"RequestInfo": RI},
        headers=clerk,
    )

    assert response.status_code == 200, response.text
    assert response.json()["Payments"] == []
