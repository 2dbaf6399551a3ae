"""Studio: a second service, the birth certificate, from its definition alone (service: studio)."""

from __future__ import annotations

from typing import Any

import httpx

from digit.kernel.dispatch import drain
from digit.kernel.platform import Platform
from tests.builders import citizen_login, login
from tests.studio_helpers import CITY, RI, act, apply, employee_with, service_code, studio, upload

MODULE = "CivilRegistration"


def birth(proof: str, copies: int = 3) -> dict[str, Any]:
    return {
        "serviceDetails": {
            "child": {"childName": "Asha", "dateOfBirth": "2026-10-02", "gender": "FEMALE", "placeOfBirth": "HOSPITAL"},
            "parents": [{"parentName": "Demo Citizen", "relation": "MOTHER"}],
            "copies": copies,
        },
        "applicants": [{"name": "Demo Citizen", "mobileNumber": "9999999999"}],
        "documents": [{"documentType": "BIRTH_PROOF.HOSPITAL_DISCHARGE", "fileStoreId": proof}],
        "workflow": {"action": "APPLY"},
    }


async def test_birth_certificate_apply_verify_pay_at_the_counter_and_register(
    api: httpx.AsyncClient, platform: Platform
) -> None:
    citizen = await citizen_login(api)
    code = await service_code(api, citizen, MODULE)
    registrar = await employee_with(api, "BND_REG_1", "9123400201", "BND_REGISTRAR")
    applied = (await apply(api, citizen, code, birth(await upload(api, citizen)))).json()["Application"]
    verified = await act(api, registrar, code, applied, "VERIFY")
    collector = await login(api, "COLL_AMR", CITY)
    number = applied["applicationNumber"]
    bill = (
        await api.post(
            "/billing-service/bill/v2/_fetchbill",
            params={"tenantId": CITY, "consumerCode": number, "businessService": "BND"},
            json=RI,
            headers=collector,
        )
    ).json()["Bill"][0]
    payment = {
        "tenantId": CITY,
        "totalDue": bill["totalAmount"],
        "totalAmountPaid": bill["totalAmount"],
        "paymentMode": "CASH",
        "payerName": "Demo Citizen",
        "paidBy": "OWNER",
        "mobileNumber": "9999999999",
        "paymentDetails": [
            {
                "billId": bill["id"],
                "totalDue": bill["totalAmount"],
                "totalAmountPaid": bill["totalAmount"],
                "businessService": "BND",
            }
        ],
    }
    paid = await api.post("/collection-services/payments/_create", json={**RI, "Payment": payment}, headers=collector)
    await drain(platform)
    found = await api.get(
        f"/public-service/v1/application/{code}", params={"applicationNumber": number}, headers=studio(citizen)
    )
    registered = found.json()["Application"][0]

    assert number.startswith("PB-BND-2026-")
    assert verified.status_code == 200, verified.text
    assert bill["totalAmount"] == 70  # 50 + two extra copies at 10
    assert paid.status_code == 200, paid.text
    assert (registered["workflowStatus"], registered["status"]) == ("REGISTERED", "ACTIVE")
    assert registered["certificate"]["token"].startswith(number + ".")


async def test_birth_certificate_with_an_unknown_relation_is_400_naming_the_row(api: httpx.AsyncClient) -> None:
    citizen = await citizen_login(api)
    code = await service_code(api, citizen, MODULE)
    application = birth(await upload(api, citizen))
    application["serviceDetails"]["parents"][0]["relation"] = "UNCLE"

    response = await apply(api, citizen, code, application)

    assert response.status_code == 400
    assert "serviceDetails.parents.0.relation" in response.json()["Errors"][0]["message"]
