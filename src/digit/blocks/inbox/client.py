"""What modules use to put their own business objects into inbox items (one batched call per page)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import Any, Protocol

BusinessObjects = Callable[[str, Sequence[str]], Awaitable[dict[str, dict[str, Any]]]]
"""(tenant_id, business_ids) -> {business_id: business object}; no PII beyond what the module's own search shows."""


class InboxClient(Protocol):
    def register_business_objects(self, module_name: str, fetch: BusinessObjects) -> None: ...


class InProcessInboxClient:
    def __init__(self) -> None:
        self.sources: dict[str, BusinessObjects] = {}

    def register_business_objects(self, module_name: str, fetch: BusinessObjects) -> None:
        """A module (e.g. pgr-services) hands the inbox a batched lookup of its records by businessId."""
        self.sources[module_name] = fetch
