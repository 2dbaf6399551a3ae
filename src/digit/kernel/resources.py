"""Files that ship with the package (demo data, migrations), found the same way installed or checked out.

A wheel carries them inside `digit/`; an editable install or a checkout finds them at the project root.
"""

from __future__ import annotations

from pathlib import Path

_PACKAGE_DIR = Path(__file__).resolve().parent.parent
_PROJECT_ROOT = _PACKAGE_DIR.parent.parent


def _shipped(packaged: Path, checkout: Path) -> Path:
    return packaged if packaged.is_dir() else checkout


def demo_data_dir() -> Path:
    return _shipped(_PACKAGE_DIR / "data" / "demo", _PROJECT_ROOT / "data" / "demo")


def migrations_dir() -> Path:
    return _shipped(_PACKAGE_DIR / "migrations", _PROJECT_ROOT / "migrations")
