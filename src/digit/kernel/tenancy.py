"""Dotted tenant ids: `pb` is a state, `pb.amritsar` one of its cities."""

from __future__ import annotations


def state_of(tenant_id: str) -> str:
    return tenant_id.split(".", 1)[0]


def is_state(tenant_id: str) -> bool:
    return "." not in tenant_id


def is_city_of(city_id: str, state_id: str) -> bool:
    return not is_state(city_id) and state_of(city_id) == state_id


def lineage(tenant_id: str) -> list[str]:
    """The tenant and every ancestor, most specific first: where master data falls back to."""
    parts = tenant_id.split(".")
    return [".".join(parts[:i]) for i in range(len(parts), 0, -1)]


def most_specific(tenant_ids: set[str]) -> set[str]:
    """Drop tenants that are an ancestor of another one in the set (a citizen's `pb` beside `pb.amritsar`)."""
    return {t for t in tenant_ids if not any(o != t and o.startswith(t + ".") for o in tenant_ids)}
