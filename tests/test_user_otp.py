"""User: OTPs for registration and login: single use, expiry, rate limit, hashed, fixed dev OTP (block: user)."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from pydantic import ValidationError
from sqlalchemy import select

from digit.blocks.user.models import OtpRow
from digit.kernel.clock import FrozenClock
from digit.kernel.platform import Platform
from digit.kernel.settings import Environment, Settings
from tests.builders import send_otp, sent_otp, token_response

NEW_MOBILE = "9876543210"


async def _register(api: httpx.AsyncClient, otp: str, mobile: str = NEW_MOBILE) -> httpx.Response:
    user = {"name": "Asha Verma", "mobileNumber": mobile, "tenantId": "pb", "otpReference": otp}
    return await api.post("/user/citizen/_create", json={"RequestInfo": {}, "user": user})


async def _citizen_login(api: httpx.AsyncClient, code: str, mobile: str = "9999999999") -> httpx.Response:
    return await token_response(api, username=mobile, password=code, tenant_id="pb", user_type="CITIZEN")


async def test_register_with_the_sms_otp_creates_a_citizen_at_the_state(api: httpx.AsyncClient) -> None:
    await send_otp(api, NEW_MOBILE, purpose="register")
    code = await sent_otp(api, NEW_MOBILE)

    response = await _register(api, code)

    assert response.status_code == 200
    user = response.json()["user"][0]
    assert (user["type"], user["tenantId"], user["userName"], user["mobileNumber"]) == (
        "CITIZEN",
        "pb",
        NEW_MOBILE,
        NEW_MOBILE,
    )
    assert [r["code"] for r in user["roles"]] == ["CITIZEN"]


async def test_register_with_a_wrong_otp_is_400_invalid_otp(api: httpx.AsyncClient) -> None:
    await send_otp(api, NEW_MOBILE, purpose="register")

    response = await _register(api, "000000")

    assert response.status_code == 400
    assert response.json()["Errors"][0]["code"] == "INVALID_OTP"


async def test_register_an_existing_mobile_is_refused_at_send(api: httpx.AsyncClient) -> None:
    response = await send_otp(api, "9999999999", purpose="register")

    assert response.status_code == 400
    assert response.json()["Errors"][0]["code"] == "USER_ALREADY_EXISTS"


async def test_login_otp_for_an_unknown_mobile_is_refused_at_send(api: httpx.AsyncClient) -> None:
    response = await send_otp(api, NEW_MOBILE, purpose="login")

    assert response.status_code == 400
    assert response.json()["Errors"][0]["code"] == "USER_NOT_FOUND"


async def test_login_otp_works_once_only(api: httpx.AsyncClient) -> None:
    await send_otp(api, "9999999999")
    code = await sent_otp(api, "9999999999")

    first = await _citizen_login(api, code)
    second = await _citizen_login(api, code)

    assert first.status_code == 200
    assert second.status_code == 400
    assert second.json()["Errors"][0]["code"] == "INVALID_CREDENTIALS"


async def test_login_otp_after_expiry_is_refused(api: httpx.AsyncClient, clock: FrozenClock) -> None:
    await send_otp(api, "9999999999")
    code = await sent_otp(api, "9999999999")
    clock.advance(seconds=901)

    response = await _citizen_login(api, code)

    assert response.status_code == 400


async def test_otp_is_void_after_five_wrong_codes(api: httpx.AsyncClient) -> None:
    await send_otp(api, "9999999999")
    code = await sent_otp(api, "9999999999")
    for wrong in ("111111", "222222", "333333", "444444", "555555"):
        await _citizen_login(api, wrong)

    response = await _citizen_login(api, code)

    assert response.status_code == 400


async def test_sixth_otp_within_the_window_is_refused(api: httpx.AsyncClient) -> None:
    for _ in range(5):
        assert (await send_otp(api, "9999999999")).status_code == 200

    response = await send_otp(api, "9999999999")

    assert response.status_code == 429
    assert response.json()["Errors"][0]["code"] == "TOO_MANY_OTP_REQUESTS"


async def test_otp_sends_are_allowed_again_after_the_window(api: httpx.AsyncClient, clock: FrozenClock) -> None:
    for _ in range(5):
        await send_otp(api, "9999999999")
    clock.advance(seconds=901)

    response = await send_otp(api, "9999999999")

    assert response.status_code == 200


async def test_otp_is_stored_only_as_a_hash(api: httpx.AsyncClient, platform: Platform) -> None:
    await send_otp(api, "9999999999")
    code = await sent_otp(api, "9999999999")

    async with platform.read_sessions() as session:
        rows = list(await session.scalars(select(OtpRow)))

    assert len(rows) == 1
    assert code not in " ".join([rows[0].code_hash, rows[0].mobile_index, rows[0].id])
    assert "9999999999" not in rows[0].mobile_index


async def test_fixed_dev_otp_logs_a_citizen_in(make_api: Any) -> None:
    _, api = await make_api(fixed_otp="123456")
    await send_otp(api, "9999999999")

    response = await _citizen_login(api, "123456")

    assert response.status_code == 200


async def test_fixed_otp_is_not_accepted_without_the_setting(api: httpx.AsyncClient) -> None:
    await send_otp(api, "9999999999")

    response = await _citizen_login(api, "123456")

    assert response.status_code == 400


def test_fixed_otp_is_refused_in_production() -> None:
    with pytest.raises(ValidationError, match="DIGIT_FIXED_OTP"):
        Settings(env=Environment.PRODUCTION, fixed_otp="123456", master_key="a-real-production-secret-0123456789")


async def test_register_accepts_the_capitalised_user_key(api: httpx.AsyncClient) -> None:
    await send_otp(api, NEW_MOBILE, purpose="register")
    code = await sent_otp(api, NEW_MOBILE)
    user = {"name": "Asha Verma", "mobileNumber": NEW_MOBILE, "tenantId": "pb", "otpReference": code}

    response = await api.post("/user/citizen/_create", json={"RequestInfo": {}, "User": user})

    assert response.status_code == 200
