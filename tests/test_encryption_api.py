"""egov-enc-service through HTTP: encrypt/decrypt any JSON, sign/verify, key rotation, access and tenants."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from digit.blocks.encryption.client import ENCRYPTION_CLIENT
from digit.kernel.clock import FrozenClock
from digit.kernel.platform import Platform
from tests.builders import login

E = "/egov-enc-service/crypto/v1"
RI: dict[str, Any] = {"apiId": "Rainmaker"}
MakeApi = Callable[..., Awaitable[tuple[FastAPI, httpx.AsyncClient]]]


@pytest.fixture
async def admin(api: httpx.AsyncClient) -> dict[str, str]:
    return await login(api, "ADMIN", "pb")


async def encrypt(api: httpx.AsyncClient, headers: dict[str, str], value: Any, tenant_id: str = "pb") -> Any:
    body = {"RequestInfo": RI, "encryptionRequests": [{"tenantId": tenant_id, "type": "Normal", "value": value}]}
    response = await api.post(f"{E}/_encrypt", json=body, headers=headers)
    assert response.status_code == 200, response.text
    return response.json()[0]


def key_id(ciphertext: str) -> str:
    return ciphertext.split("|", 1)[0]


async def test_encrypt_object_encrypts_every_leaf_and_keeps_keys(api: httpx.AsyncClient, admin: dict[str, str]) -> None:
    value = {"user": {"mobileNumber": "9876543210", "name": "Asha"}, "tags": ["a", None, 7]}

    sealed = await encrypt(api, admin, value)

    assert set(sealed) == {"user", "tags"}
    assert sealed["tags"][1] is None
    leaves = [sealed["user"]["mobileNumber"], sealed["user"]["name"], sealed["tags"][0], sealed["tags"][2]]
    assert all(len(key_id(leaf)) == 6 and key_id(leaf).isdigit() for leaf in leaves)
    assert "9876543210" not in str(sealed)


async def test_decrypt_of_the_encrypt_answer_gives_the_plaintext_back(
    api: httpx.AsyncClient, admin: dict[str, str]
) -> None:
    body = {
        "encryptionRequests": [
            {"tenantId": "pb.amritsar", "type": "Imp", "value": {"mobileNumber": "9876543210"}},
            {"tenantId": "pb", "type": "Normal", "value": ["Personal", "Private"]},
        ]
    }
    sealed = (await api.post(f"{E}/_encrypt", json=body, headers=admin)).json()

    response = await api.post(f"{E}/_decrypt", json=sealed, headers=admin)

    assert response.status_code == 200, response.text
    assert response.json() == [{"mobileNumber": "9876543210"}, ["Personal", "Private"]]


async def test_encrypt_same_value_twice_gives_different_ciphertexts(
    api: httpx.AsyncClient, admin: dict[str, str]
) -> None:
    first = await encrypt(api, admin, "9876543210")

    second = await encrypt(api, admin, "9876543210")

    assert first != second


async def test_encrypt_without_token_is_401(api: httpx.AsyncClient) -> None:
    body = {"encryptionRequests": [{"tenantId": "pb", "type": "Normal", "value": "x"}]}

    response = await api.post(f"{E}/_encrypt", json=body)

    assert response.status_code == 401


async def test_decrypt_as_a_gro_is_403(api: httpx.AsyncClient, admin: dict[str, str]) -> None:
    sealed = await encrypt(api, admin, "9876543210", tenant_id="pb.amritsar")
    gro = await login(api, "GRO_AMR", "pb.amritsar")

    response = await api.post(
        f"{E}/_decrypt", json={"RequestInfo": RI, "tenantId": "pb.amritsar", "v": sealed}, headers=gro
    )

    assert response.status_code == 403


async def test_encrypt_for_an_unknown_tenant_is_400(api: httpx.AsyncClient, admin: dict[str, str]) -> None:
    body = {"encryptionRequests": [{"tenantId": "pb.nowhere", "type": "Normal", "value": "x"}]}

    response = await api.post(f"{E}/_encrypt", json=body, headers=admin)

    assert response.status_code == 400
    assert [e["code"] for e in response.json()["Errors"]] == ["INVALID_TENANT_ID"]


async def test_encrypt_with_an_unknown_type_is_400(api: httpx.AsyncClient, admin: dict[str, str]) -> None:
    body = {"encryptionRequests": [{"tenantId": "pb", "type": "Secret", "value": "x"}]}

    response = await api.post(f"{E}/_encrypt", json=body, headers=admin)

    assert response.status_code == 400
    assert [e["code"] for e in response.json()["Errors"]] == ["INVALID_ENCRYPTION_TYPE"]


async def test_encrypt_for_another_state_is_403(api: httpx.AsyncClient, admin: dict[str, str]) -> None:
    body = {"encryptionRequests": [{"tenantId": "xy", "type": "Normal", "value": "x"}]}

    response = await api.post(f"{E}/_encrypt", json=body, headers=admin)

    assert response.status_code == 403


async def test_decrypt_of_another_states_value_is_403(
    api: httpx.AsyncClient, admin: dict[str, str], platform: Platform
) -> None:
    foreign = await platform.get(ENCRYPTION_CLIENT).encrypt(tenant_id="xy", plaintext="9876543210")

    response = await api.post(f"{E}/_decrypt", json=[foreign], headers=admin)

    assert response.status_code == 403
    assert "9876543210" not in response.text


async def test_decrypt_of_a_tampered_ciphertext_is_400(api: httpx.AsyncClient, admin: dict[str, str]) -> None:
    sealed = await encrypt(api, admin, "9876543210")
    kid, body = sealed.split("|", 1)
    flipped = body[:10] + ("A" if body[10] != "A" else "B") + body[11:]

    response = await api.post(f"{E}/_decrypt", json=[f"{kid}|{flipped}"], headers=admin)

    assert response.status_code == 400
    assert [e["code"] for e in response.json()["Errors"]] == ["INVALID_CIPHERTEXT"]


async def test_decrypt_with_an_unknown_key_id_is_400(api: httpx.AsyncClient, admin: dict[str, str]) -> None:
    sealed = await encrypt(api, admin, "9876543210")
    other = "000000" if key_id(sealed) != "000000" else "000001"

    response = await api.post(f"{E}/_decrypt", json=[other + sealed[6:]], headers=admin)

    assert response.status_code == 400
    assert [e["code"] for e in response.json()["Errors"]] == ["INVALID_CIPHERTEXT"]


async def test_decrypt_of_plain_text_is_400(api: httpx.AsyncClient, admin: dict[str, str]) -> None:
    response = await api.post(f"{E}/_decrypt", json=["9876543210"], headers=admin)

    assert response.status_code == 400
    assert [e["code"] for e in response.json()["Errors"]] == ["INVALID_CIPHERTEXT"]


async def test_rotatekey_new_values_use_a_new_key_and_old_ones_still_decrypt(
    api: httpx.AsyncClient, admin: dict[str, str]
) -> None:
    old = await encrypt(api, admin, "before rotation")

    rotated = await api.post(f"{E}/_rotatekey", json={"RequestInfo": RI, "tenantId": "pb"}, headers=admin)
    new = await encrypt(api, admin, "after rotation")
    opened = await api.post(f"{E}/_decrypt", json=[old, new], headers=admin)

    assert rotated.status_code == 200
    assert rotated.json() == {"acknowledged": True}
    assert key_id(new) != key_id(old)
    assert opened.json() == ["before rotation", "after rotation"]


async def test_rotatekey_is_picked_up_by_another_process_within_the_check_interval(
    api: httpx.AsyncClient, admin: dict[str, str], make_api: MakeApi, clock: FrozenClock
) -> None:
    _, other = await make_api()
    before = await encrypt(other, admin, "x")
    await api.post(f"{E}/_rotatekey", json={"tenantId": "pb"}, headers=admin)
    rotated = await encrypt(api, admin, "x")
    cached = await encrypt(other, admin, "x")

    clock.advance(seconds=6)
    after = await encrypt(other, admin, "x")

    assert key_id(rotated) != key_id(before)
    assert key_id(cached) == key_id(before)  # within DIGIT_ENC_KEY_CHECK_MS (5 s) the old key may still be used
    assert key_id(after) == key_id(rotated)


async def test_rotatekey_by_a_gro_is_403(api: httpx.AsyncClient) -> None:
    gro = await login(api, "GRO_AMR", "pb.amritsar")

    response = await api.post(f"{E}/_rotatekey", json={"tenantId": "pb.amritsar"}, headers=gro)

    assert response.status_code == 403


async def test_values_do_not_decrypt_under_another_master_key(
    api: httpx.AsyncClient, admin: dict[str, str], make_api: MakeApi
) -> None:
    sealed = await encrypt(api, admin, "9876543210")
    _, other = await make_api(master_key="another-master-key-entirely")

    response = await other.post(f"{E}/_decrypt", json=[sealed], headers=admin)

    assert response.status_code == 400
    assert [e["code"] for e in response.json()["Errors"]] == ["ENC_KEY_UNAVAILABLE"]


async def test_sign_then_verify_is_true(api: httpx.AsyncClient, admin: dict[str, str]) -> None:
    signed = (await api.post(f"{E}/_sign", json={"tenantId": "pb", "value": "claim"}, headers=admin)).json()

    response = await api.post(f"{E}/_verify", json=signed, headers=admin)

    assert signed["value"] == "claim"
    assert response.status_code == 200
    assert response.json() == {"verified": True}


async def test_verify_of_another_value_is_false(api: httpx.AsyncClient, admin: dict[str, str]) -> None:
    signed = (await api.post(f"{E}/_sign", json={"tenantId": "pb", "value": "claim"}, headers=admin)).json()

    response = await api.post(f"{E}/_verify", json={**signed, "value": "claim!"}, headers=admin)

    assert response.json() == {"verified": False}


async def test_verify_of_a_garbled_signature_is_false(api: httpx.AsyncClient, admin: dict[str, str]) -> None:
    response = await api.post(f"{E}/_verify", json={"value": "claim", "signature": "not-a-signature"}, headers=admin)

    assert response.status_code == 200
    assert response.json() == {"verified": False}


async def test_verify_after_rotation_still_accepts_the_old_signature(
    api: httpx.AsyncClient, admin: dict[str, str]
) -> None:
    signed = (await api.post(f"{E}/_sign", json={"tenantId": "pb", "value": "claim"}, headers=admin)).json()
    await api.post(f"{E}/_rotatekey", json={"tenantId": "pb"}, headers=admin)

    response = await api.post(f"{E}/_verify", json=signed, headers=admin)

    assert response.json() == {"verified": True}
