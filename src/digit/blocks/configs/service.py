"""Configuration entries by schema (DIGIT's config-service `_search`), held as MDMS master data.

A schema code `NotificationChannel` is the master `config-service.NotificationChannel`; a dotted code
(`module.master`) names any master. Records fall back from a city to its state, as master data does.
"""

from __future__ import annotations

from typing import Any

from digit.blocks.configs.schemas import ConfigCriteria, ConfigData
from digit.blocks.mdms.client import MdmsClient

DEFAULT_MODULE = "config-service"
IDENTIFYING_FIELDS = ("code", "uniqueIdentifier", "id", "name")


def master_of(schema_code: str) -> tuple[str, str]:
    module, _, master = schema_code.rpartition(".")
    return (module or DEFAULT_MODULE), master


def _identifier(record: dict[str, Any], index: int) -> str:
    for field in IDENTIFYING_FIELDS:
        value = record.get(field)
        if isinstance(value, str | int) and str(value):
            return str(value)
    return str(index)


def _matches(record: dict[str, Any], wanted: dict[str, Any]) -> bool:
    return all(record.get(field) == value for field, value in wanted.items())


async def search_configs(mdms: MdmsClient, *, criteria: ConfigCriteria) -> list[ConfigData]:
    """The schema's entries for the tenant (its own, else its state's) that hold every `criteria` value."""
    module, master = master_of(criteria.schema_code)
    records = await mdms.get_master(tenant_id=criteria.tenant_id, module=module, master=master)
    found = []
    for index, record in enumerate(records):
        if not isinstance(record, dict) or not _matches(record, criteria.criteria or {}):
            continue
        identifier = _identifier(record, index)
        found.append(
            ConfigData(
                id=f"{criteria.schema_code}.{identifier}",
                tenant_id=criteria.tenant_id,
                schema_code=criteria.schema_code,
                unique_identifier=identifier,
                data=record,
                is_active=record.get("active", record.get("isActive", True)) is not False,
            )
        )
    return found
