"""Grains: each rollup table holds its cube at several widths, so a query reads the narrowest that answers it.

A cube with every dimension at day level barely compresses when the dimensions are many (a day of a city
has fewer complaints than it has combinations of type x locality x channel x status x employee), and then
"reads O(buckets)" would read O(rows). So every rollup row also carries a `grain`: the full cube (`all`) plus
narrower copies where some dimension columns hold `*` (summed over). The consumers keep every grain in step
(the same contribution, projected), and the metric engine picks the narrowest grain that holds every
dimension the query filters or groups by. Measures are additive, so each grain gives the same totals.

Time has grains too: in the tables of `MONTHLY`, every grain `g` has a month copy `g@m` whose `day_ms` is the
first day of the month, so a range of many months reads the month rows for its whole months and the day rows
only for the days at its edges (`Cube.span` in metrics.py): a year reads 12 month rows per cell, not 365 days.
The backlog has none: its cells are keyed by the hour an SLA runs out, which a month would not compress.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import cast

ALL = "all"
ANY = "*"
MONTHLY = "@m"  # suffix of a grain's month copy

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


MONTHLY_TABLES = frozenset(
    {"eg_analytics_complaint_daily", "eg_analytics_resolution_hist", "eg_analytics_collection_daily"}
)


def month_of(day_ms: int) -> int:
    """The first day (00:00 UTC, epoch ms) of the month of `day_ms`."""
    moment = datetime.fromtimestamp(day_ms / 1000, tz=UTC)
    return int(datetime(moment.year, moment.month, 1, tzinfo=UTC).timestamp() * 1000)


def next_month(month_ms: int) -> int:
    moment = datetime.fromtimestamp(month_ms / 1000, tz=UTC)
    return int(datetime(moment.year + moment.month // 12, moment.month % 12 + 1, 1, tzinfo=UTC).timestamp() * 1000)


def projections(table: str, key: Mapping[str, object]) -> list[dict[str, object]]:
    """The cube keys of one contribution, one per grain of the table and, in `MONTHLY` tables, one per grain's
    month copy (just `key` for a table without grains)."""
    grains = GRAINS.get(table)
    if grains is None:
        return [dict(key)]
    cells = [{**key, **dict.fromkeys(summed, ANY), "grain": grain} for grain, summed in grains.items()]
    if table in MONTHLY_TABLES:
        month = month_of(cast(int, key["day_ms"]))
        cells += [{**cell, "grain": f"{cell['grain']}{MONTHLY}", "day_ms": month} for cell in list(cells)]
    return cells


def whole_months(first_day_ms: int, last_day_ms: int) -> tuple[int, int] | None:
    """[first, end) month starts of the months wholly inside the days [first_day, last_day]; None if none."""
    first = month_of(first_day_ms)
    if first != first_day_ms:
        first = next_month(first)
    end = month_of(last_day_ms + 86_400_000)
    return (first, end) if first < end else None


def narrowest(table: str, needed_columns: set[str]) -> str:
    """The first (narrowest) grain that keeps every needed dimension column."""
    for grain, summed in GRAINS[table].items():
        if not needed_columns & set(summed):
            return grain
    return ALL
