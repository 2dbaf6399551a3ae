"""EncryptionClient as other blocks use it: blind indexes, keys per state, keys made in a caller's transaction."""

from __future__ import annotations

from sqlalchemy import select, text

from digit.blocks.encryption.client import ENCRYPTION_CLIENT, EncryptionClient
from digit.blocks.encryption.models import EncKeyRow
from digit.kernel.platform import Platform


def client_of(platform: Platform) -> EncryptionClient:
    return platform.get(ENCRYPTION_CLIENT)


def test_blind_index_ignores_spaces_and_email_case(platform: Platform) -> None:
    enc = client_of(platform)

    first = enc.blind_index(tenant_id="pb.amritsar", field="emailId", value=" Asha@Example.org ")
    second = enc.blind_index(tenant_id="pb", field="emailId", value="asha@example.org")

    assert first == second


def test_blind_index_differs_per_field(platform: Platform) -> None:
    enc = client_of(platform)

    mobile = enc.blind_index(tenant_id="pb", field="mobileNumber", value="9876543210")
    other = enc.blind_index(tenant_id="pb", field="altContactNumber", value="9876543210")

    assert mobile != other


def test_blind_index_differs_per_state(platform: Platform) -> None:
    enc = client_of(platform)

    punjab = enc.blind_index(tenant_id="pb", field="mobileNumber", value="9876543210")
    other = enc.blind_index(tenant_id="xy", field="mobileNumber", value="9876543210")

    assert punjab != other


async def test_encrypt_uses_one_key_for_a_state_and_its_cities(platform: Platform) -> None:
    enc = client_of(platform)

    city = await enc.encrypt(tenant_id="pb.amritsar", plaintext="a")
    state = await enc.encrypt(tenant_id="pb", plaintext="b")

    assert city.split("|")[0] == state.split("|")[0]


async def test_seed_made_the_demo_state_keys(platform: Platform) -> None:
    async with platform.read_sessions() as session:
        kinds = set(await session.scalars(select(EncKeyRow.kind).where(EncKeyRow.tenant_id == "pb", EncKeyRow.active)))

    assert kinds == {"SYM", "SIGN"}


async def test_first_key_made_inside_a_callers_transaction_is_dropped_with_a_rollback(platform: Platform) -> None:
    enc = client_of(platform)
    async with platform.sessions() as session:
        await session.execute(text("SELECT 1 FROM eg_enc_key"))  # a write lock on SQLite
        inside = await enc.encrypt(tenant_id="zz.city", plaintext="a", session=session)
        opened = await enc.decrypt(inside)
        await session.rollback()

    after = await enc.encrypt(tenant_id="zz", plaintext="b")

    assert opened == "a"
    assert after.split("|")[0] != inside.split("|")[0]


async def test_no_key_is_stored_in_the_clear(platform: Platform) -> None:
    enc = client_of(platform)
    await enc.encrypt(tenant_id="pb", plaintext="x")
    async with platform.read_sessions() as session:
        rows = list(await session.scalars(select(EncKeyRow)))

    assert rows
    assert all(len(row.wrapped_key) == 80 for row in rows)  # base64(12-byte nonce + 32-byte key + 16-byte tag)
