"""What other code reads of Studio: a configured service's definition model (the web UI renders its forms and
screens from it). Only this module is imported from outside the block; the types travel with it."""

from __future__ import annotations

from digit.services.studio.definition import Definition, DocumentDef, FieldDef

__all__ = ["Definition", "DocumentDef", "FieldDef"]
