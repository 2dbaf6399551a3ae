"""Builders for analytics tests: a getChartV2 body, and a small grievance + revenue history with known numbers."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import httpx

from digit.kernel.clock import FrozenClock
from digit.kernel.dispatch import drain
from digit.kernel.platform import Platform
from tests.builders import citizen_login, login
from tests.pgr_helpers import RI, act, complaint, file_complaint, localities, service_of
from tests.test_billing_support import admin, create_demand, employee, pay, the_bill

AMRITSAR, JALANDHAR = "pb.amritsar", "pb.jalandhar"
CHART = "/dashboard-analytics/dashboard/getChartV2"
HOUR_MS = 3_600_000


def ms(year: int, month: int, day: int) -> int:
    return int(datetime(year, month, day, tzinfo=UTC).timestamp() * 1000)


NOVEMBER = (ms(2026, 11, 1), ms(2026, 12, 1) - 1)  # the test clock starts on 2026-11-26


def chart_body(
    code: str,
    tenants: list[str] | None = None,
    *,
    dates: tuple[int, int] = NOVEMBER,
    filters: dict[str, Any] | None = None,
    interval: str | None = None,
    state: str = "pb",
) -> dict[str, Any]:
    request_date: dict[str, Any] = {"startDate": str(dates[0]), "endDate": str(dates[1]), "title": "test"}
    if interval:
        request_date["interval"] = interval
    return {
        "RequestInfo": RI,
        "headers": {"tenantId": state},
        "aggregationRequestDto": {
            "visualizationType": "METRIC",
            "visualizationCode": code,
            "queryType": "",
            "moduleLevel": "PGR",
            "filters": {"tenantId": tenants if tenants is not None else [AMRITSAR], **(filters or {})},
            "requestDate": request_date,
        },
    }


async def chart(
    api: httpx.AsyncClient, headers: dict[str, str], code: str, *args: Any, **kwargs: Any
) -> httpx.Response:
    return await api.post(CHART, json=chart_body(code, *args, **kwargs), headers=headers)


async def value(api: httpx.AsyncClient, headers: dict[str, str], code: str, *args: Any, **kwargs: Any) -> float | None:
    response = await chart(api, headers, code, *args, **kwargs)
    assert response.status_code == 200, response.text
    header_value: float | None = response.json()["responseData"]["data"][0]["headerValue"]
    return header_value


async def pie(
    api: httpx.AsyncClient, headers: dict[str, str], code: str, *args: Any, **kwargs: Any
) -> dict[str, float]:
    response = await chart(api, headers, code, *args, **kwargs)
    assert response.status_code == 200, response.text
    return {p["name"]: p["value"] for p in response.json()["responseData"]["data"][0]["plots"]}


async def table(
    api: httpx.AsyncClient, headers: dict[str, str], code: str, *args: Any, **kwargs: Any
) -> dict[str, dict[str, Any]]:
    """Row key -> {column name: value} (text columns by label)."""
    response = await chart(api, headers, code, *args, **kwargs)
    assert response.status_code == 200, response.text
    return {
        row["headerName"]: {p["name"]: (p["label"] if p["symbol"] == "text" else p["value"]) for p in row["plots"]}
        for row in response.json()["responseData"]["data"]
    }


async def commissioner(api: httpx.AsyncClient, state: bool = False) -> dict[str, str]:
    return await login(api, "COMM_PB", "pb") if state else await login(api, "COMM_AMR", AMRITSAR)


async def lme_uuid(api: httpx.AsyncClient, department: str = "DEPT_1") -> tuple[str, str]:
    hr = await login(api, "HR_AMR", AMRITSAR)
    response = await api.post(
        f"/egov-hrms/employees/_search?tenantId={AMRITSAR}&roles=PGR_LME", json={"RequestInfo": RI}, headers=hr
    )
    assert response.status_code == 200, response.text
    for person in response.json()["Employees"]:
        if department in {a["department"] for a in person["assignments"]}:
            return person["user"]["userName"], person["uuid"]
    raise AssertionError(f"no demo LME in {department}")


async def grievances(
    api: httpx.AsyncClient, platform: Platform, clock: FrozenClock, *, resolve_after_hours: int = 12
) -> list[str]:
    """Three street-light complaints in Amritsar (localities L0, L1, L0): the first rejected, the second
    assigned and resolved `resolve_after_hours` after filing, the third left open. Returns the localities."""
    places = await localities(api, AMRITSAR)
    citizen = await citizen_login(api)
    gro = await login(api, "GRO_AMR", AMRITSAR)
    filed = [service_of(await file_complaint(api, citizen, complaint(AMRITSAR, places[i % 2]))) for i in range(3)]
    service_of(await act(api, gro, filed[0], "REJECT", comments="duplicate"))
    user_name, uuid = await lme_uuid(api)
    assigned = service_of(await act(api, gro, filed[1], "ASSIGN", assignes=[uuid], comments="please fix"))
    clock.advance(hours=resolve_after_hours)
    lme = await login(api, user_name, AMRITSAR)
    service_of(await act(api, lme, assigned, "RESOLVE", comments="replaced the bulb"))
    await drain(platform)
    return places[:2]


async def collections(
    api: httpx.AsyncClient, platform: Platform, amounts: list[int], code: str = "TL-DASH-1"
) -> dict[str, Any]:
    """A TL demand of Σ amounts (TL_TAX) and one counter payment per amount; returns the last payment."""
    await create_demand(api, await admin(api), code, [("TL_TAX", sum(amounts))])
    clerk = await employee(api)
    payment: dict[str, Any] = {}
    for amount in amounts:
        bill = await the_bill(api, clerk, code)
        response = await pay(api, clerk, bill, amount)
        assert response.status_code == 200, response.text
        payment = response.json()["Payments"][0]
    await drain(platform)
    return payment


async def licences(
    api: httpx.AsyncClient, platform: Platform, clock: FrozenClock, *, approve_after_hours: int = 36
) -> str:
    """Two Studio trade-licence applications in Amritsar (address AMR_LOC_001): the first paid at the counter
    (TL_TAX 400 + TL_ADHOC_PENALTY 40 = 440), inspected and approved `approve_after_hours` after it was
    submitted; the second left waiting for payment. Returns the first one's application number."""
    from tests.studio_helpers import act, apply, employee_with, service_code, studio
    from tests.test_studio_tradelicence import documents_of, tl_application

    citizen = await citizen_login(api)
    code = await service_code(api, citizen, "Tradelicence")
    inspector = await employee_with(api, "TL_INSP_D", "9123400301", "TL_FIELD_INSPECTOR")
    approver = await employee_with(api, "TL_APPR_D", "9123400302", "TL_APPROVER")
    numbers: list[str] = []
    for _ in range(2):
        response = await apply(api, citizen, code, tl_application(await documents_of(api, citizen)))
        assert response.status_code == 200, response.text
        numbers.append(response.json()["Application"]["applicationNumber"])
    collector = await login(api, "COLL_AMR", AMRITSAR)
    fetched = await api.post(
        "/billing-service/bill/v2/_fetchbill",
        params={"tenantId": AMRITSAR, "consumerCode": numbers[0], "businessService": "TL"},
        json={"RequestInfo": RI},
        headers=collector,
    )
    bill = fetched.json()["Bill"][0]
    assert bill["totalAmount"] == 440, bill
    detail = {"billId": bill["id"], "totalDue": 440, "totalAmountPaid": 440, "businessService": "TL"}
    payment = {
        "tenantId": AMRITSAR,
        "totalDue": 440,
        "totalAmountPaid": 440,
        "paymentMode": "CASH",
        "payerName": "Demo Citizen",
        "paidBy": "OWNER",
        "mobileNumber": "9999999999",
        "paymentDetails": [detail],
    }
    paid = await api.post(
        "/collection-services/payments/_create", json={"RequestInfo": RI, "Payment": payment}, headers=collector
    )
    assert paid.status_code == 200, paid.text
    await drain(platform)
    clock.advance(hours=approve_after_hours)

    async def found(headers: dict[str, str]) -> dict[str, Any]:
        response = await api.get(
            f"/public-service/v1/application/{code}",
            params={"applicationNumber": numbers[0]},
            headers=studio(headers),
        )
        application: dict[str, Any] = response.json()["Application"][0]
        return application

    inspected = await act(api, inspector, code, await found(inspector), "INSPECT")
    assert inspected.status_code == 200, inspected.text
    approved = await act(api, approver, code, inspected.json()["Application"], "APPROVE")
    assert approved.status_code == 200, approved.text
    await drain(platform)
    return numbers[0]
