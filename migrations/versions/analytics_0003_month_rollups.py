"""month rollups

Every grain of the complaint, resolution and collection rollups gains a month copy (grain `<grain>@m`,
`day_ms` = the first day of the month, see `digit.blocks.analytics.grains`): dashboards over long ranges read
months, not days. The month rows are summed here from the day rows already in the store, so no rebuild is
needed; from now on the consumers keep both in step.

Revision ID: analytics_0003
Revises: analytics_0002
Create Date: 2026-11-30 17:39:50.520995
"""

from collections.abc import Sequence

from alembic import op

revision: str = "analytics_0003"
down_revision: str | None = "analytics_0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

AUDIT = "created_by, created_time, last_modified_by, last_modified_time, row_version"
SYSTEM = "'00000000-0000-0000-0000-000000000000'"  # digit.kernel.security.SYSTEM_UUID
TABLES = {  # table -> (dimension columns but the day, measure columns)
    "eg_analytics_complaint_daily": (
        ("service_code", "department", "locality", "channel", "status", "assignee"),
        (
            "complaints",
            "closed",
            "resolved",
            "rejected",
            "reopened",
            "escalated",
            "sla_counted",
            "sla_met",
            "rating_sum",
            "rating_count",
            "resolution_ms_sum",
            "resolution_count",
        ),
    ),
    "eg_analytics_resolution_hist": (
        ("service_code", "department", "locality", "channel", "hours"),
        ("complaints", "resolution_ms_sum"),
    ),
    "eg_analytics_collection_daily": (
        ("business_service", "tax_head", "payment_mode", "locality"),
        ("amount", "lines"),
    ),
}


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        month = (
            "(extract(epoch from date_trunc('month', to_timestamp(day_ms / 1000) at time zone 'UTC')) * 1000)::bigint"
        )
        new_id = "md5(random()::text || clock_timestamp()::text)"
    else:
        month = "CAST(strftime('%s', day_ms / 1000, 'unixepoch', 'start of month') AS INTEGER) * 1000"
        new_id = "lower(hex(randomblob(16)))"
    for table, (dims, measures) in TABLES.items():
        columns = ", ".join((*dims, *measures))
        sums = ", ".join(f"sum({m})" for m in measures)
        keys = ", ".join(dims)
        op.execute(
            f"INSERT INTO {table} (id, grain, tenant_id, day_ms, {columns}, {AUDIT}) "  # noqa: S608 - constants
            f"SELECT {new_id}, grain || '@m', tenant_id, {month}, {keys}, {sums}, {SYSTEM}, 0, {SYSTEM}, 0, 1 "
            f"FROM {table} WHERE substr(grain, length(grain) - 1) <> '@m' "
            f"GROUP BY grain, tenant_id, {month}, {keys}"
        )


def downgrade() -> None:
    raise NotImplementedError("migrations are forward-only")
