"""Dotted tenant ids: `pb` is a state, `pb.amritsar` one of its cities.

A state covers its cities: searching `pb` finds the rows of `pb` and of `pb.amritsar`, searching
`pb.amritsar` only that city's (`in_tenant`). Tenants go no deeper than state and city (the tenants block
refuses a deeper code), so a city has nothing below it and its filter stays a plain, indexed equality.
"""

from __future__ import annotations

from collections.abc import Collection

from sqlalchemy import ColumnElement, SQLColumnExpression, or_


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


def in_tenant(column: SQLColumnExpression[str], tenant_id: str, *, with_ancestors: bool = False) -> ColumnElement[bool]:
    """SQL: rows of the tenant and, for a state, of its cities. `with_ancestors`: a city's rows and its state's
    too (what a state holds for all its cities, such as state-level citizens and their roles)."""
    if is_state(tenant_id):
        return or_(column == tenant_id, _below(column, tenant_id))
    return column.in_(lineage(tenant_id)) if with_ancestors else column == tenant_id


def in_tenants(column: SQLColumnExpression[str], tenant_ids: Collection[str]) -> ColumnElement[bool]:
    """SQL: rows of any of the tenants, and of the cities of the states among them (nothing for none)."""
    states = sorted(t for t in tenant_ids if is_state(t))
    return or_(column.in_(sorted(tenant_ids)), *(_below(column, state) for state in states))


def _below(column: SQLColumnExpression[str], tenant_id: str) -> ColumnElement[bool]:
    """`pb.` followed by anything; `_` and `%` in a tenant id match only themselves."""
    return column.startswith(tenant_id + ".", autoescape=True)
