"""Auto-escalation: DIGIT's MDMS `Workflow.AutoEscalation` records applied to applications past their SLA.

A record `{businessService, module, state, action, stateSLA, businessSLA, topic, active}` says: an application of
`businessService` sitting in `state` whose state SLA (and/or business SLA) is exceeded by more than `stateSLA`
(`businessSLA`) days gets `action`, taken by the auto-escalation system user (roles AUTO_ESCALATE and SYSTEM,
plus the roles the action names: the record is the authority). As in DIGIT, escalated instances are also
published on the record's `topic`, and a failing application is skipped without stopping the others.

The round runs every minute as the kernel's periodic job `ESCALATION` (in `digit worker`), in the one process
that leads `workflow.escalation` (kernel/periodic.py: an advisory lock on PostgreSQL, a file lock on SQLite);
when it dies another takes over. An on-demand round (the `_escalate` endpoint) runs in the process asked. Every
round, scheduled or not, first takes the `workflow.escalation.round` lock, so rounds never overlap anywhere.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from digit.blocks.mdms.client import MDMS_CLIENT
from digit.blocks.workflow import service
from digit.blocks.workflow.businessservice import flows_by_id
from digit.blocks.workflow.models import CurrentStateRow
from digit.blocks.workflow.schemas import ProcessInstanceIn
from digit.kernel.envelope import Role, UserType
from digit.kernel.errors import DomainError, Forbidden
from digit.kernel.events import emit
from digit.kernel.periodic import Leadership, Periodic
from digit.kernel.platform import Platform
from digit.kernel.security import Actor
from digit.kernel.tenancy import state_of

log = logging.getLogger(__name__)

AUTO_ESCALATION_UUID = "00000000-0000-0000-0000-00000000e5c1"
ESCALATION_JOB = "workflow.escalation"
INTERVAL_S = 60.0
DAY_MS = 24 * 3600 * 1000


@dataclass(frozen=True)
class EscalationRule:
    business_service: str
    module: str | None
    state: str
    action: str
    state_sla_exceeded_ms: int | None
    business_sla_exceeded_ms: int | None
    topic: str | None

    @classmethod
    def of(cls, record: dict[str, Any]) -> EscalationRule | None:
        if str(record.get("active", True)).lower() == "false":
            return None
        if not all(isinstance(record.get(k), str) and record.get(k) for k in ("businessService", "state", "action")):
            return None
        return cls(
            business_service=record["businessService"],
            module=record.get("module"),
            state=record["state"],
            action=record["action"],
            state_sla_exceeded_ms=_days_to_ms(record.get("stateSLA")),
            business_sla_exceeded_ms=_days_to_ms(record.get("businessSLA")),
            topic=record.get("topic") or None,
        )


def _days_to_ms(value: Any) -> int | None:
    if value is None or value == "":
        return None
    try:
        return int(float(value) * DAY_MS)
    except (TypeError, ValueError):
        return None


def escalation_actor(tenant_id: str, action_roles: set[str]) -> Actor:
    state = state_of(tenant_id)
    codes = {"AUTO_ESCALATE", "SYSTEM", *action_roles}
    return Actor(
        uuid=AUTO_ESCALATION_UUID,
        type=UserType.SYSTEM,
        tenant_id=state,
        roles=tuple(Role(code=code, tenant_id=state) for code in sorted(codes)),
    )


class Escalator:
    def __init__(self, platform: Platform) -> None:
        self._platform = platform
        self.leadership = Leadership(platform, ESCALATION_JOB)  # who runs the scheduled rounds
        self._turns = Leadership(platform, f"{ESCALATION_JOB}.round")  # rounds of every process take turns
        self._round = asyncio.Lock()

    async def run_once(self, *, business_service: str | None = None) -> list[dict[str, Any]]:
        """One round now, after any round another process is running; returns the escalated ProcessInstances."""
        async with self._turns.round(wait=True), self._round:
            return await self._escalate(business_service)

    async def _due(self) -> list[tuple[str, str]]:
        async with self._platform.read_sessions() as session:
            query = (
                select(CurrentStateRow.tenant_id, CurrentStateRow.business_service)
                .where(CurrentStateRow.is_terminal.is_(False))
                .distinct()
            )
            return [(t, b) for t, b in await session.execute(query)]

    async def _rules(self, tenant_id: str, business_service: str) -> list[EscalationRule]:
        mdms = self._platform.get(MDMS_CLIENT)
        records = await mdms.get_master(tenant_id=tenant_id, module="Workflow", master="AutoEscalation")
        rules = [EscalationRule.of(r) for r in records if isinstance(r, dict)]
        return [r for r in rules if r is not None and r.business_service == business_service]

    async def _escalate(self, only: str | None) -> list[dict[str, Any]]:
        escalated: list[dict[str, Any]] = []
        now_ms = self._platform.clock.now_ms()
        for tenant_id, code in await self._due():
            if only and code != only:
                continue
            for rule in await self._rules(tenant_id, code):
                for row in await self._overdue(tenant_id, rule, now_ms):
                    done = await self._apply(row, rule)
                    if done is not None:
                        escalated.append(done)
        return escalated

    async def _overdue(self, tenant_id: str, rule: EscalationRule, now_ms: int) -> list[CurrentStateRow]:
        if rule.state_sla_exceeded_ms is None and rule.business_sla_exceeded_ms is None:
            return []
        query = select(CurrentStateRow).where(
            CurrentStateRow.tenant_id == tenant_id,
            CurrentStateRow.business_service == rule.business_service,
            CurrentStateRow.state_name == rule.state,
            CurrentStateRow.is_terminal.is_(False),
        )
        if rule.state_sla_exceeded_ms is not None:
            query = query.where(CurrentStateRow.state_sla_due_ms < now_ms - rule.state_sla_exceeded_ms)
        if rule.business_sla_exceeded_ms is not None:
            query = query.where(CurrentStateRow.business_sla_due_ms < now_ms - rule.business_sla_exceeded_ms)
        async with self._platform.read_sessions() as session:
            return list(await session.scalars(query.order_by(CurrentStateRow.business_id).limit(500)))

    async def _apply(self, row: CurrentStateRow, rule: EscalationRule) -> dict[str, Any] | None:
        instance = ProcessInstanceIn(
            tenant_id=row.tenant_id,
            business_service=row.business_service,
            business_id=row.business_id,
            action=rule.action,
            module_name=row.module_name or rule.module,
            comment="auto-escalated: SLA exceeded",
        )
        async with self._platform.sessions() as session:
            try:
                flow = (await flows_by_id(session, [row.config_id]))[row.config_id]
                state = flow.states.get(row.state_uuid)
                action = state.actions.get(rule.action) if state else None
                roles = flow.action_roles(action) if action else set()
                actor = escalation_actor(row.tenant_id, roles)
                now_ms = self._platform.clock.now_ms()
                done = await service.transition(
                    session, instances=[instance], actor=actor, now_ms=now_ms, users=None, escalated=True
                )
                if rule.topic:
                    await emit(
                        session,
                        rule.topic,
                        tenant_id=row.tenant_id,
                        aggregate_id=row.business_id,
                        data={
                            "businessService": row.business_service,
                            "businessId": row.business_id,
                            "tenantId": row.tenant_id,
                            "action": rule.action,
                            "fromState": rule.state,
                            "toState": done[0].state,
                        },
                        actor_uuid=actor.uuid,
                        now_ms=now_ms,
                    )
                await session.commit()
            except DomainError as error:
                await session.rollback()
                log.warning(
                    "escalation_skipped",
                    extra={"business_id": row.business_id, "tenant_id": row.tenant_id, "code": error.code},
                )
                return None
        log.info("escalated", extra={"business_id": row.business_id, "tenant_id": row.tenant_id})
        return done[0].wire()


async def escalate_due(platform: Platform, *, business_service: str | None = None) -> list[dict[str, Any]]:
    """Run one escalation round now (tests await this; the scheduler calls it every minute)."""
    return await platform.get(Escalator).run_once(business_service=business_service)


async def escalate_on_request(platform: Platform, actor: Actor, *, business_service: str) -> list[dict[str, Any]]:
    """One round for one business service, when DIGIT's cron job asks: its escalation user or a superuser only."""
    if not actor.has_any_role({"AUTO_ESCALATE", "SYSTEM", "SUPERUSER"}, actor.tenant_id) and not actor.is_system:
        raise Forbidden("NOT_AUTHORIZED", "only the escalation system user or a superuser may escalate")
    return await escalate_due(platform, business_service=business_service)


async def _scheduled_round(platform: Platform) -> int:
    return len(await platform.get(Escalator).run_once())


ESCALATION = Periodic(name=ESCALATION_JOB, every_s=INTERVAL_S, run=_scheduled_round, leader=True)
