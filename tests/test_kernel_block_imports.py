"""Blocks reach each other one declared way (issue 12): read from the source, imports inside functions included.

A block imports another block's `client` module only (its Protocol, key and the types they exchange), and only
of a block it names in `Block(depends=...)` or `Block(optional=...)`; and no two blocks import each other,
however indirectly. Served alone, a block then brings everything it imports. The web UI (`src/digit/web`) is
no block, but it too reaches blocks through their `client` modules only.
"""

from __future__ import annotations

import ast
import pkgutil
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

import pytest

from digit.kernel.blocks import BLOCK_PACKAGES, Block

SRC = Path(__file__).resolve().parent.parent / "src"
CLIENT_MODULE = "client"
WEB = SRC / "digit" / "web"


@dataclass(frozen=True)
class BlockImport:
    """One import of another block's module, and where it is written."""

    block: str  # the imported block's name
    module: str  # its module imported ("client", "service", ... or "" for the package itself)
    where: str  # path:line


def _blocks_by_package() -> dict[str, Block]:
    """Every block, keyed by its package (`digit.blocks.user`, `digit.services.pgr`)."""
    found: dict[str, Block] = {}
    for package_name in BLOCK_PACKAGES:
        package = pkgutil.resolve_name(package_name)
        for info in pkgutil.iter_modules(package.__path__):
            block = getattr(pkgutil.resolve_name(f"{package_name}.{info.name}"), "BLOCK", None)
            if info.ispkg and isinstance(block, Block):
                found[f"{package_name}.{info.name}"] = block
    return found


BLOCKS = _blocks_by_package()


def _imported_names(node: ast.AST) -> list[str]:
    """Dotted names an import statement reaches (`from a.b import c` reaches `a.b.c`, which may be a module)."""
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    if isinstance(node, ast.ImportFrom) and node.module and not node.level:
        return [f"{node.module}.{alias.name}" for alias in node.names]
    return []


def _target(name: str) -> tuple[str, str] | None:
    """(package of the block, its module or "") a dotted name points into, or None outside blocks."""
    for package in BLOCKS:
        if name == package or name.startswith(f"{package}."):
            rest = name.removeprefix(package).lstrip(".")
            return package, rest.split(".", 1)[0]
    return None


def _imports_of(package: str) -> list[BlockImport]:
    """Imports of OTHER blocks written anywhere in the package, at any depth of the syntax tree."""
    return _imports_under(SRC.joinpath(*package.split(".")), own=package)


def _imports_under(folder: Path, *, own: str | None) -> list[BlockImport]:
    """Imports of blocks (other than the package `own`) written in the folder's files, at any depth."""
    found: set[BlockImport] = set()
    for path in sorted(folder.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            for name in _imported_names(node):
                target = _target(name)
                if target is None or target[0] == own:
                    continue
                where = f"{path.relative_to(SRC.parent)}:{getattr(node, 'lineno', 0)}"
                found.add(BlockImport(block=BLOCKS[target[0]].name, module=target[1], where=where))
    return sorted(found, key=lambda i: i.where)


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Groups of blocks that reach each other through imports (strongly connected, more than one block)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    groups: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for other in graph[node]:
            if other not in index:
                visit(other)
                low[node] = min(low[node], low[other])
            elif other in stack:
                low[node] = min(low[node], index[other])
        if low[node] == index[node]:
            group = [stack.pop()]
            while group[-1] != node:
                group.append(stack.pop())
            if len(group) > 1:
                groups.append(sorted(group))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return groups


@pytest.mark.parametrize("package", sorted(BLOCKS), ids=lambda p: p.rsplit(".", 1)[-1])
def test_block_imports_only_clients_of_blocks_it_declares(package: str) -> None:
    block = BLOCKS[package]
    declared = set(block.depends) | set(block.optional)

    imports = _imports_of(package)

    undeclared = [i for i in imports if i.block not in declared]
    not_clients = [i for i in imports if i.module != CLIENT_MODULE]
    assert not undeclared, f"{block.name} imports blocks it does not declare: {undeclared}"
    assert not not_clients, f"{block.name} imports more than client modules: {not_clients}"


def test_blocks_import_each_other_in_no_cycle() -> None:
    graph: dict[str, set[str]] = defaultdict(set)
    for package, block in BLOCKS.items():
        graph[block.name].update(i.block for i in _imports_of(package))

    assert _cycles(graph) == []


def test_web_imports_only_clients_of_blocks() -> None:
    imports = _imports_under(WEB, own=None)

    not_clients = [i for i in imports if i.module != CLIENT_MODULE]
    assert imports, "the web UI reaches blocks: the walk found none of its imports"
    assert not not_clients, f"the web UI imports more than blocks' client modules: {not_clients}"
