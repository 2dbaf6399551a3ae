"""Alembic, driven from code: `digit migrate`, `digit demo` and the test setup all call `upgrade`.

Each block keeps its own branch of revisions (branch label = block name), so blocks add tables
without touching each other's history; `upgrade` goes to every head.
"""

from __future__ import annotations

from alembic import command
from alembic.config import Config
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine

from digit.kernel.resources import migrations_dir


def alembic_config(connection: Connection | None = None) -> Config:
    config = Config()
    config.set_main_option("path_separator", "os")
    config.set_main_option("script_location", str(migrations_dir()))
    config.set_main_option("version_locations", str(migrations_dir() / "versions"))
    config.attributes["connection"] = connection
    return config


async def upgrade(engine: AsyncEngine, revision: str = "heads") -> None:
    def run(connection: Connection) -> None:
        command.upgrade(alembic_config(connection), revision)

    async with engine.begin() as connection:
        await connection.run_sync(run)


def _count_revisions(script: object, block: str) -> int:
    from alembic.script import ScriptDirectory

    assert isinstance(script, ScriptDirectory)
    return sum(1 for rev in script.walk_revisions() if rev.revision.startswith(block + "_"))


async def new_revision(engine: AsyncEngine, *, block: str, message: str, table_prefixes: tuple[str, ...]) -> None:
    """Autogenerate a revision on the block's own branch, against a database already at every head."""
    from alembic.script import ScriptDirectory

    await upgrade(engine)

    def run(connection: Connection) -> None:
        config = alembic_config(connection)
        config.attributes["table_prefixes"] = table_prefixes
        script = ScriptDirectory.from_config(config)
        has_branch = any(block in (rev.branch_labels or ()) for rev in script.walk_revisions())
        command.revision(
            config,
            message=message,
            autogenerate=True,
            head=f"{block}@head" if has_branch else "base",
            branch_label=None if has_branch else block,
            rev_id=f"{block}_{_count_revisions(script, block) + 1:04d}",
        )

    async with engine.begin() as connection:
        await connection.run_sync(run)
