"""localization: `digit localization load DIR` on DIGIT's message files, as a user runs it (block: localization).

The command runs in its own process against the test's database while the test's app is running, so
the app must pick the loaded messages up through the version counter. With DIGIT_SAMPLES_DIR set, the
real DIGIT deployment's messages are loaded too (DIGIT_REQUIRE_SAMPLES=1 makes a missing folder a failure).
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import sys
from pathlib import Path
from typing import Any

import httpx
import pytest

SEARCH = "/localization/messages/v1/_search"
DEVANAGARI = re.compile(r"[\u0900-\u097F]")


def record(code: str, text: str, locale: str = "en_IN", module: str = "rainmaker-demo") -> dict[str, str]:
    return {"code": code, "message": text, "module": module, "locale": locale}


def write(path: Path, content: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(content if isinstance(content, str) else json.dumps(content, ensure_ascii=False), "utf-8")


async def run_load(database_url: str, tmp_path: Path, *args: str) -> tuple[int, str]:
    env = {
        **os.environ,
        "DIGIT_DATABASE_URL": database_url,
        "DIGIT_VAR_DIR": str(tmp_path / "cli-var"),
        "COLUMNS": "400",
    }
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-c",
        "from digit.cli import main; main()",
        "localization",
        "load",
        *args,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    output, _ = await process.communicate()
    return process.returncode or 0, output.decode()


async def messages(api: httpx.AsyncClient, locale: str, module: str, tenant_id: str = "pb.amritsar") -> dict[str, str]:
    response = await api.post(SEARCH, params={"locale": locale, "tenantId": tenant_id, "module": module}, json={})
    assert response.status_code == 200, response.text
    return {m["code"]: m["message"] for m in response.json()["messages"] if m["locale"] == locale}


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    root = tmp_path / "localisations"
    write(
        root / "en_IN" / "rainmaker-demo.json",
        [
            record("DEMO_ONE", "One"),
            record("DEMO_TWO", "Two"),
            {"code": "DEMO_BAD", "module": "rainmaker-demo", "locale": "en_IN"},
            record("DEMO_ONE", "One again"),
            "not an object",
        ],
    )
    write(root / "hi_IN" / "rainmaker-demo.json", [record("DEMO_ONE", "एक", "hi_IN")])
    write(root / "hi_IN" / "broken.json", "{not json")
    return root


async def test_load_reports_counts_and_names_every_bad_record(
    api: httpx.AsyncClient, database_url: str, tmp_path: Path, folder: Path
) -> None:
    code, output = await run_load(database_url, tmp_path, str(folder), "--tenant", "pb")

    assert code == 0, output
    assert re.search(r"en_IN\s+.\s+rainmaker-demo\s+.\s+2", output), output
    assert "rainmaker-demo.json [2] code='DEMO_BAD': message: Field required" in output
    assert "rainmaker-demo.json [3] code='DEMO_ONE': the same locale, module and code as record 0" in output
    assert "rainmaker-demo.json [4]: not a JSON object" in output
    assert "broken.json: not readable JSON" in output


async def test_loaded_messages_are_seen_by_a_running_server(
    api: httpx.AsyncClient, database_url: str, tmp_path: Path, folder: Path
) -> None:
    before = await messages(api, "hi_IN", "rainmaker-demo")

    await run_load(database_url, tmp_path, str(folder), "--tenant", "pb")

    assert before == {}
    assert await messages(api, "en_IN", "rainmaker-demo") == {"DEMO_ONE": "One", "DEMO_TWO": "Two"}
    assert await messages(api, "hi_IN", "rainmaker-demo") == {"DEMO_ONE": "एक"}


async def test_load_at_an_unknown_tenant_stops_before_loading(
    api: httpx.AsyncClient, database_url: str, tmp_path: Path, folder: Path
) -> None:
    code, output = await run_load(database_url, tmp_path, str(folder), "--tenant", "xx")

    assert code == 2
    assert "not known" in output
    assert await messages(api, "en_IN", "rainmaker-demo") == {}


async def test_load_of_nothing_but_bad_files_exits_1(database_url: str, tmp_path: Path) -> None:
    write(tmp_path / "bad" / "en_IN" / "x.json", {"code": "not a list"})

    code, output = await run_load(database_url, tmp_path, str(tmp_path / "bad"), "--tenant", "pb")

    assert code == 1
    assert "not a DIGIT message file" in output


def samples_dir() -> Path:
    configured = os.environ.get("DIGIT_SAMPLES_DIR", "")
    required = os.environ.get("DIGIT_REQUIRE_SAMPLES") == "1"
    folder = Path(configured) / "localisations" if configured else None
    if folder is None or not folder.is_dir():
        if required:
            pytest.fail(f"DIGIT_REQUIRE_SAMPLES=1 but no DIGIT samples at {folder} (set DIGIT_SAMPLES_DIR)")
        pytest.skip("DIGIT_SAMPLES_DIR is not set to DIGIT's sample data")
    return folder


async def test_load_of_digit_sample_messages_serves_them_in_both_languages(
    api: httpx.AsyncClient, database_url: str, tmp_path: Path
) -> None:
    folder = samples_dir()

    code, output = await run_load(database_url, tmp_path, str(folder), "--tenant", "pb")

    assert code == 0, output[-2000:]
    hindi = await messages(api, "hi_IN", "rainmaker-pgr")
    english = await messages(api, "en_IN", "egov-user")
    assert len(hindi) > 500
    assert DEVANAGARI.search(hindi["PGR_CITIZEN_APPLY_PENDINGFORASSIGNMENT_SMS_MESSAGE"])
    assert "%s" in english["sms.login.otp.msg"]
