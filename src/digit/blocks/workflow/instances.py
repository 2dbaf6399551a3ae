"""What the workflow client hands other blocks: typed process instances, built straight from the row just
written or read (the hot path validates no dict), each able to give DIGIT's wire shape for API answers."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class NextAction:
    """An action the asking user may take now."""

    name: str
    next_state: str | None
    roles: tuple[str, ...]
    wire: Callable[[], dict[str, Any]] = field(repr=False, compare=False)
    """DIGIT's Action object."""


@dataclass(frozen=True)
class ProcessInstance:
    """One step of an application's workflow: the action taken and the state it reached."""

    id: str
    tenant_id: str
    business_service: str
    business_id: str
    action: str
    module_name: str | None
    state: str | None
    """The state reached, by name (DIGIT's `state.state`)."""
    state_uuid: str
    application_status: str | None
    comment: str | None
    documents: tuple[dict[str, Any], ...]
    """DIGIT Document objects, as they were sent with the action."""
    assigner: str
    assignees: tuple[str, ...]
    next_actions: tuple[NextAction, ...]
    rating: int | None
    escalated: bool
    created_time: int
    business_sla_left_ms: int | None
    state_sla_left_ms: int | None
    additional_details: dict[str, Any] | None
    wire: Callable[[], dict[str, Any]] = field(repr=False, compare=False)
    """DIGIT's ProcessInstance object (`businesssServiceSla`, `assignes`, full `state`)."""
