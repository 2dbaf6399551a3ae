"""What a building block declares, and how the app finds blocks without naming them.

Each package under `digit.blocks` (and `digit.services`) exposes `BLOCK = Block(...)` in its
`__init__.py`. Adding a block is adding a folder; the kernel never imports one by name.
"""

from __future__ import annotations

import pkgutil
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import typer
from fastapi import APIRouter

from digit.kernel.events import Consumer
from digit.kernel.periodic import Periodic
from digit.kernel.platform import Platform

BLOCK_PACKAGES = ("digit.blocks", "digit.services")


@dataclass(frozen=True)
class SeedContext:
    """Where demo data lives and how to tell a person what is happening."""

    demo_dir: Path
    report: Callable[[str], None]


@dataclass(frozen=True)
class Block:
    name: str
    routers: Sequence[APIRouter] = ()
    depends: tuple[str, ...] = ()  # blocks it cannot work without: served with it, installed before it
    optional: tuple[str, ...] = ()  # blocks it uses when they are served: installed before it, never pulled in
    install: Callable[[Platform], None] | None = None
    seed: Callable[[Platform, SeedContext], Awaitable[None]] | None = None
    background: Sequence[Periodic] = ()  # periodic work, run by `digit worker` (kernel/periodic.py)
    cli: typer.Typer | None = None
    cli_name: str | None = None
    """The `digit <name>` its commands go under, when not the block's name (Studio's are `digit service ...`)."""
    consumers: Sequence[Consumer] = ()
    open_routes: tuple[str, ...] = field(default=())
    anonymous_routes: tuple[str, ...] = field(default=())  # also answer without a token (kernel/anonymous.py)


def discover_blocks(names: Sequence[str] = ()) -> list[Block]:
    """All blocks (or the named ones plus what they depend on), ordered so dependencies (and optional blocks
    that are served) come first."""
    found: dict[str, Block] = {}
    for package_name in BLOCK_PACKAGES:
        package = pkgutil.resolve_name(package_name)  # blocks are plugins: found by folder, never named
        for info in sorted(pkgutil.iter_modules(package.__path__), key=lambda i: i.name):
            if not info.ispkg:
                continue
            module = pkgutil.resolve_name(f"{package_name}.{info.name}")
            block = getattr(module, "BLOCK", None)
            if isinstance(block, Block):
                found[block.name] = block
    wanted = set(names) if names else set(found)
    unknown = wanted - set(found)
    if unknown:
        raise ValueError(f"unknown blocks: {', '.join(sorted(unknown))}; known: {', '.join(sorted(found))}")
    ordered: list[Block] = []
    visiting: set[str] = set()

    def visit(name: str) -> None:
        if any(b.name == name for b in ordered):
            return
        if name in visiting:
            raise ValueError(f"blocks depend on each other in a cycle through {name}")
        visiting.add(name)
        for dependency in found[name].depends:
            if dependency not in found:
                raise ValueError(f"block {name} depends on unknown block {dependency}")
            visit(dependency)
        for extra in found[name].optional:
            if extra not in found:
                raise ValueError(f"block {name} names unknown optional block {extra}")
            if extra in wanted:
                visit(extra)
        visiting.discard(name)
        ordered.append(found[name])

    for name in sorted(wanted):
        visit(name)
    return ordered
