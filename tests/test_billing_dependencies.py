"""Billing and collection declare what they use (issue 12): served alone they bring it, and they import
only the client interfaces of the blocks they declare."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from digit.kernel.blocks import discover_blocks

SRC = Path(__file__).resolve().parent.parent / "src" / "digit" / "blocks"


def _names(*blocks: str) -> set[str]:
    return {block.name for block in discover_blocks(blocks)}


def _imported_blocks(package: str) -> dict[str, set[str]]:
    """Other blocks this package imports, each with the modules of theirs it imports."""
    found: dict[str, set[str]] = {}
    for path in (SRC / package).rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            modules = [node.module] if isinstance(node, ast.ImportFrom) and node.module else []
            modules += [alias.name for alias in node.names] if isinstance(node, ast.Import) else []
            for module in modules:
                match = re.match(r"digit\.blocks\.(\w+)\.(\w+)", module)
                if match and match.group(1) != package:
                    found.setdefault(match.group(1), set()).add(match.group(2))
    return found


def test_serving_billing_alone_brings_the_user_block_that_checks_payers() -> None:
    assert {"billing", "user", "idgen", "mdms"} <= _names("billing")


def test_serving_collection_alone_leaves_the_optional_pdf_block_out() -> None:
    served = _names("collection")

    assert {"collection", "billing", "mdms", "idgen", "encryption"} <= served
    assert "pdf" not in served


@pytest.mark.parametrize("package", ["billing", "collection"])
def test_block_imports_only_clients_of_blocks_it_declares(package: str) -> None:
    [block] = [b for b in discover_blocks([package]) if b.name == package]

    imported = _imported_blocks(package)

    assert set(imported) <= set(block.depends) | set(block.optional)
    assert all(modules == {"client"} for modules in imported.values()), imported
