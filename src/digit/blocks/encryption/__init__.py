"""egov-enc-service: AES-256-GCM data keys per state tenant, Ed25519 signatures, blind indexes, key rotation."""

from __future__ import annotations

from digit.blocks.encryption.api import router
from digit.blocks.encryption.client import ENCRYPTION_CLIENT, InProcessEncryptionClient
from digit.blocks.encryption.service import KeyStore
from digit.blocks.mdms.client import MDMS_CLIENT
from digit.kernel.blocks import Block, SeedContext
from digit.kernel.platform import Platform
from digit.kernel.tenancy import is_state


def install(platform: Platform) -> None:
    store = KeyStore(
        platform.settings,
        platform.sessions,
        platform.read_sessions,
        platform.clock,
        check_ms=platform.settings.enc_key_check_ms,
    )
    platform.provide(ENCRYPTION_CLIENT, InProcessEncryptionClient(store))


async def seed(platform: Platform, context: SeedContext) -> None:
    """Create the keys of every state tenant now, so no request has to write one later."""
    client = platform.get(ENCRYPTION_CLIENT)
    assert isinstance(client, InProcessEncryptionClient)
    mdms = platform.get(MDMS_CLIENT)
    states = set()
    for tenant_dir in sorted(p.name for p in (context.demo_dir / "mdms").iterdir() if p.is_dir()):
        for tenant in await mdms.get_master(tenant_id=tenant_dir, module="tenant", master="tenants"):
            code = tenant.get("code") if isinstance(tenant, dict) else None
            if isinstance(code, str) and code:
                states.add(code if is_state(code) else code.split(".", 1)[0])
    for state in sorted(states):
        await client.store.ensure(state)
    context.report(f"keys ready for {len(states)} state tenant(s)")


BLOCK = Block(name="encryption", routers=[router], depends=("mdms",), install=install, seed=seed)
