"""What protecting PII costs: EncryptionClient encrypt / decrypt / blind_index / sign / verify per second
(keys cached, as in a running process), and the first use of a key in a fresh process (read + unwrap).

    .venv/bin/python -m bench.encryption [--seconds 1] [--database-url URL]

Default database: a fresh SQLite file in a temporary folder.
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

from digit.app import build_platform
from digit.blocks.encryption.client import ENCRYPTION_CLIENT
from digit.kernel.migrate import upgrade
from digit.kernel.settings import Environment, Settings


async def rate(label: str, seconds: float, call: Callable[[], Awaitable[object]]) -> None:
    done = 0
    start = time.perf_counter()
    while time.perf_counter() - start < seconds:
        for _ in range(100):
            await call()
        done += 100
    elapsed = time.perf_counter() - start
    print(f"  {label:<28} {done / elapsed:>12,.0f} /s   ({1e6 * elapsed / done:,.1f} us each)")


async def main(database_url: str, var_dir: Path, seconds: float) -> None:
    settings = Settings(env=Environment.TEST, database_url=database_url, var_dir=var_dir, run_background=False)
    platform, _ = build_platform(settings)
    await upgrade(platform.engine)
    enc = platform.get(ENCRYPTION_CLIENT)
    start = time.perf_counter()
    sealed = await enc.encrypt(tenant_id="pb.amritsar", plaintext="9876543210")
    print(f"first encrypt (creates the state's key): {1000 * (time.perf_counter() - start):.1f} ms")
    signature = await enc.sign(tenant_id="pb", value="9876543210")
    await platform.close()

    platform, _ = build_platform(settings)  # a fresh process: nothing cached
    enc = platform.get(ENCRYPTION_CLIENT)
    start = time.perf_counter()
    await enc.decrypt(sealed)
    print(f"first decrypt in a fresh process (read + unwrap): {1000 * (time.perf_counter() - start):.1f} ms")
    print(f"cached keys, {seconds:g} s each:")
    await rate("encrypt 10 chars", seconds, lambda: enc.encrypt(tenant_id="pb.amritsar", plaintext="9876543210"))
    await rate("decrypt 10 chars", seconds, lambda: enc.decrypt(sealed))

    async def index() -> str:
        return enc.blind_index(tenant_id="pb", field="mobileNumber", value="9876543210")

    await rate("blind_index", seconds, index)
    await rate("sign (Ed25519)", seconds, lambda: enc.sign(tenant_id="pb", value="9876543210"))
    await rate("verify (Ed25519)", seconds, lambda: enc.verify(tenant_id="pb", value="9876543210", signature=signature))
    await platform.close()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=1.0)
    parser.add_argument("--database-url", default="")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        url = args.database_url or f"sqlite+aiosqlite:///{scratch}/bench.db"
        print(
            "command: .venv/bin/python -m bench.encryption "
            + " ".join(f"--{k.replace('_', '-')} {v}" for k, v in vars(args).items() if v)
        )
        asyncio.run(main(url, Path(scratch), args.seconds))
