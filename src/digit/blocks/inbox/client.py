"""What modules use to put their own business objects into inbox items (one batched call per page)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import Any, Protocol

from digit.kernel.platform import Key

BusinessObjects = Callable[[str, Sequence[str]], Awaitable[dict[str, dict[str, Any]]]]
"""(tenant_id, business_ids) -> {business_id: business object}; no PII beyond what the module's own search shows."""


class InboxClient(Protocol):
    def register_business_objects(
        self, module_name: str, fetch: BusinessObjects, *, aliases: Sequence[str] = ()
    ) -> None: ...


class InProcessInboxClient:
    def __init__(self) -> None:
        self.sources: dict[str, BusinessObjects] = {}
        self.aliases: dict[str, str] = {}  # lower-cased alias or name -> the module name the workflow records

    def register_business_objects(
        self, module_name: str, fetch: BusinessObjects, *, aliases: Sequence[str] = ()
    ) -> None:
        """A module (e.g. pgr-services) hands the inbox a batched lookup of its records by businessId, and the
        other names DIGIT's clients give it in `processSearchCriteria.moduleName` (e.g. `rainmaker-pgr`)."""
        self.sources[module_name] = fetch
        for name in (module_name, *aliases):
            self.aliases[name.lower()] = module_name

    def module_name(self, given: str | None) -> str | None:
        """The recorded module name for what a client sent (any case, any registered alias)."""
        if not given:
            return None
        return self.aliases.get(given.lower(), given)


INBOX_CLIENT = Key[InboxClient](InboxClient)
"""The platform key of `InboxClient`."""
