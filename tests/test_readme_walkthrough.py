"""The README's walkthrough runs as written, against the app (block: kernel; docs for client authors)."""

from __future__ import annotations

import re
import textwrap
from pathlib import Path
from typing import Any

README = Path(__file__).resolve().parents[1] / "README.md"
BLOCK = re.compile(r"<!-- walkthrough:start -->\s*```python\n(.*?)```\s*<!-- walkthrough:end -->", re.S)


def walkthrough() -> str:
    found = BLOCK.search(README.read_text(encoding="utf-8"))
    assert found, "README.md has no walkthrough block"
    return found.group(1)


async def test_readme_walkthrough_runs_against_the_app(make_api: Any) -> None:
    _, api = await make_api(fixed_otp="123456")
    source = "async def _walkthrough(api, OTP):\n" + textwrap.indent(walkthrough(), "    ")
    namespace: dict[str, Any] = {}
    exec(compile(source, str(README), "exec"), namespace)  # noqa: S102  (our own README, on purpose)

    await namespace["_walkthrough"](api, "123456")
