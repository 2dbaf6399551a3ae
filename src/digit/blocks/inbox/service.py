"""Inbox rules: DIGIT's inbox criteria turned into a work-list query; business objects fetched per page."""

from __future__ import annotations

from typing import Any

from digit.blocks.inbox.client import InProcessInboxClient
from digit.blocks.inbox.schemas import InboxCriteria, InboxItem, InboxSearchResponse
from digit.blocks.workflow.client import SORTABLE, WorklistQuery, WorklistSource
from digit.kernel.envelope import split_values
from digit.kernel.errors import Invalid
from digit.kernel.security import Actor

SLA_FILTERS = {"breached", "nearing", "onTime"}


def _strings(value: Any) -> list[str]:
    if value is None or value == "":
        return []
    if isinstance(value, str):
        return split_values(value)
    if isinstance(value, list | tuple):
        return [str(v) for v in value if v not in (None, "")]
    return [str(value)]


def to_query(criteria: InboxCriteria, actor: Actor, *, module_name: str | None = None) -> WorklistQuery:
    process = criteria.process_search_criteria
    module = dict(criteria.module_search_criteria)
    assignee = process.assignee or module.pop("assignee", None)
    if assignee in ("me", "ME"):
        assignee = actor.uuid
    sla = module.pop("sla", None)
    if module.pop("slaBreached", None) in (True, "true"):
        sla = "breached"
    if sla is not None and sla not in SLA_FILTERS:
        raise Invalid("INVALID_SEARCH", f"sla must be one of {', '.join(sorted(SLA_FILTERS))}")
    sort_by = str(module.pop("sortBy", "createdTime"))
    if sort_by not in SORTABLE:
        raise Invalid("INVALID_SEARCH", f"sortBy must be one of {', '.join(sorted(SORTABLE))}")
    sort_order = str(module.pop("sortOrder", "DESC")).upper()
    # inbox-v2's PGR page names them complaintNumber, area and status (in moduleSearchCriteria)
    localities = _strings(module.pop("locality", None)) + _strings(module.pop("area", None))
    business_ids = _strings(module.pop("complaintNumber", None)) + _strings(module.pop("businessId", None))
    statuses = _strings(process.status) + _strings(module.pop("status", None))
    module.pop("tenantId", None)
    return WorklistQuery(
        tenant_id=criteria.tenant_id,
        business_services=_strings(process.business_service),
        module_name=module_name or process.module_name or None,
        business_ids=business_ids,
        statuses=statuses,
        assignee=str(assignee) if assignee else None,
        localities=localities,
        attributes={k: _strings(v) for k, v in module.items()},
        sla=sla,
        sort_by=sort_by,
        sort_descending=sort_order != "ASC",
        offset=criteria.offset,
        limit=criteria.limit,
    )


async def search(
    criteria: InboxCriteria, *, actor: Actor, worklist: WorklistSource, inbox: InProcessInboxClient
) -> InboxSearchResponse:
    module_name = inbox.module_name(criteria.process_search_criteria.module_name)
    page = await worklist.search(to_query(criteria, actor, module_name=module_name), actor=actor)
    objects: dict[str, dict[str, Any]] = {}
    by_module: dict[str, list[str]] = {}
    for item in page.items:
        by_module.setdefault(str(item.index.get("moduleName") or ""), []).append(item.index["businessId"])
    for module_name, business_ids in by_module.items():
        fetch = inbox.sources.get(module_name)
        if fetch is not None:
            objects.update(await fetch(criteria.tenant_id, business_ids))
    items = [
        InboxItem(
            process_instance=item.process_instance,
            business_object=objects.get(item.index["businessId"], item.index),
        )
        for item in page.items
    ]
    return InboxSearchResponse(
        total_count=page.total,
        nearing_sla_count=page.nearing_sla,
        sla_buckets=page.sla_buckets,
        status_map=page.status_map,
        items=items,
    )
