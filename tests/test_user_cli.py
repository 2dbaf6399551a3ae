"""`digit user create`: an operator makes a state's first administrator (block: user)."""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx
from asgi_lifespan import LifespanManager
from typer.testing import CliRunner

from digit.app import create_app
from digit.blocks.user import commands
from tests.builders import token_response
from tests.conftest import base_settings

ARGS = [
    "create",
    "--tenant",
    "pb.jalandhar",
    "--username",
    "HR_JAL",
    "--roles",
    "HRMS_ADMIN,EMPLOYEE",
    "--name",
    "Ravi",
]


def _login_status(database_url: str, var_dir: Path, password: str) -> tuple[int, set[str]]:
    async def run() -> tuple[int, set[str]]:
        app = create_app(base_settings(database_url, var_dir))
        async with LifespanManager(app) as manager:
            transport = httpx.ASGITransport(app=manager.app)
            async with httpx.AsyncClient(transport=transport, base_url="http://digit.test") as api:
                response = await token_response(api, username="HR_JAL", password=password, tenant_id="pb.jalandhar")
        roles = {r["code"] for r in response.json().get("UserRequest", {}).get("roles", [])}
        return response.status_code, roles

    return asyncio.run(run())


def test_user_create_makes_a_user_who_can_log_in_with_the_roles(database_url: str, tmp_path: Path) -> None:
    env = {
        "DIGIT_DATABASE_URL": database_url,
        "DIGIT_VAR_DIR": str(tmp_path),
        "DIGIT_NEW_USER_PASSWORD": "Jal@ndhar2026",
    }

    result = CliRunner().invoke(commands, ARGS, env=env)
    status, roles = _login_status(database_url, tmp_path, "Jal@ndhar2026")

    assert result.exit_code == 0, result.output
    assert status == 200
    assert roles == {"HRMS_ADMIN", "EMPLOYEE"}


def test_user_create_with_a_weak_password_is_refused(database_url: str, tmp_path: Path) -> None:
    env = {"DIGIT_DATABASE_URL": database_url, "DIGIT_VAR_DIR": str(tmp_path), "DIGIT_NEW_USER_PASSWORD": "weak"}

    result = CliRunner().invoke(commands, ARGS, env=env)

    assert result.exit_code == 1
    assert "INVALID_PWD" in result.output
