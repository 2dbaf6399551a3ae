"""Grains: each rollup table holds its cube at several widths, so a query reads the narrowest that answers it.

A cube with every dimension at day level barely compresses when the dimensions are many (a day of a city
has fewer complaints than it has combinations of type x locality x channel x status x employee), and then
"reads O(buckets)" would read O(rows). So every rollup row also carries a `grain`: the full cube (`all`) plus
narrower copies where some dimension columns hold `*` (summed over). The consumers keep every grain in step
(the same contribution, projected), and the metric engine picks the narrowest grain that holds every
dimension the query filters or groups by. Measures are additive, so each grain gives the same totals.
"""

from __future__ import annotations

from collections.abc import Mapping

ALL = "all"
ANY = "*"

# table -> grain -> the dimension columns that grain sums over (holds as `*`); narrowest first, `all` last
GRAINS: Mapping[str, Mapping[str, tuple[str, ...]]] = {
    "eg_analytics_complaint_daily": {
        "status": ("service_code", "department", "locality", "channel", "assignee"),
        "locality": ("service_code", "department", "channel", "assignee"),
        "channel": ("service_code", "department", "locality", "assignee"),
        "type": ("locality", "channel", "assignee"),
        ALL: (),
    },
    "eg_analytics_resolution_hist": {
        "total": ("service_code", "department", "locality", "channel"),
        "locality": ("service_code", "department", "channel"),
        ALL: (),
    },
    "eg_analytics_complaint_backlog": {
        "total": ("service_code", "department", "locality", "channel"),
        "locality": ("service_code", "department", "channel"),
        ALL: (),
    },
    "eg_analytics_collection_daily": {
        "service": ("payment_mode", "locality"),
        "locality": ("payment_mode",),
        ALL: (),
    },
}


def projections(table: str, key: Mapping[str, object]) -> list[dict[str, object]]:
    """The cube keys of one contribution, one per grain of the table (just `key` for a table without grains)."""
    grains = GRAINS.get(table)
    if grains is None:
        return [dict(key)]
    return [{**key, **dict.fromkeys(summed, ANY), "grain": grain} for grain, summed in grains.items()]


def narrowest(table: str, needed_columns: set[str]) -> str:
    """The first (narrowest) grain that keeps every needed dimension column."""
    for grain, summed in GRAINS[table].items():
        if not needed_columns & set(summed):
            return grain
    return ALL
