"""Payment gateways: the interface a real gateway implements, a registry, and the sandbox the platform serves.

A gateway is asked three things: start an order (where to send the payer), check a return/callback the payer's
browser brings back (its signature), and tell an order's status server-to-server (for reconciliation and for
`_update`, which never trusts browser parameters alone).
"""

from __future__ import annotations

import hashlib
import hmac
import uuid
from dataclasses import dataclass
from decimal import Decimal
from typing import Protocol
from urllib.parse import urlencode

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from digit.blocks.pg.models import SandboxOrderRow
from digit.blocks.pg.schemas import FINAL_TXN_STATUSES, SandboxOrderStatus, TxnStatus
from digit.kernel.db import stamp
from digit.kernel.errors import Invalid
from digit.kernel.platform import Platform
from digit.kernel.security import SYSTEM_UUID


@dataclass(frozen=True)
class GatewayOrder:
    txn_id: str
    tenant_id: str
    amount: Decimal


@dataclass(frozen=True)
class GatewayStatus:
    status: str  # SUCCESS | FAILURE | PENDING
    gateway_txn_id: str | None = None
    amount: Decimal | None = None
    code: str | None = None
    message: str | None = None
    payment_mode: str | None = None


class Gateway(Protocol):
    name: str

    async def initiate(self, session: AsyncSession, order: GatewayOrder) -> str:
        """Register the order with the gateway; returns the URL to send the payer to."""
        ...

    async def verify_return(self, session: AsyncSession, order: GatewayOrder, params: dict[str, str]) -> GatewayStatus:
        """Check what the payer's browser brought back (signature, amount); raise Invalid if forged."""
        ...

    async def fetch_status(self, session: AsyncSession, order: GatewayOrder) -> GatewayStatus:
        """Ask the gateway itself how the order stands."""
        ...


class GatewayRegistry:
    def __init__(self) -> None:
        self._gateways: dict[str, Gateway] = {}

    def register(self, gateway: Gateway) -> None:
        self._gateways[gateway.name.upper()] = gateway

    def get(self, name: str) -> Gateway:
        gateway = self._gateways.get(name.upper())
        if gateway is None:
            raise Invalid("INVALID_GATEWAY", f"no payment gateway {name}; known: {', '.join(sorted(self._gateways))}")
        return gateway

    def names(self) -> list[str]:
        return sorted(self._gateways)


class SandboxGateway:
    """A gateway the platform serves itself: a page where the payer clicks success or failure, then a callback
    signed with HMAC-SHA256 under a key derived from the platform's master key."""

    name = "SANDBOX"

    def __init__(self, platform: Platform) -> None:
        self._platform = platform
        secret = platform.settings.master_key.get_secret_value().encode()
        self._key = hmac.new(secret, b"pg-sandbox-callback-v1", hashlib.sha256).digest()

    def sign(self, *, txn_id: str, status: str, gateway_txn_id: str, amount: str) -> str:
        message = f"{txn_id}|{status}|{gateway_txn_id}|{amount}".encode()
        return hmac.new(self._key, message, hashlib.sha256).hexdigest()

    async def initiate(self, session: AsyncSession, order: GatewayOrder) -> str:
        now_ms = self._platform.clock.now_ms()
        row = SandboxOrderRow(
            id=order.txn_id, tenant_id=order.tenant_id, amount=order.amount, status=SandboxOrderStatus.CREATED
        )
        stamp(row, actor_uuid=SYSTEM_UUID, now_ms=now_ms)
        session.add(row)
        return f"{self._platform.settings.public_url}/pg-service/sandbox/pay/{order.txn_id}"

    async def decide(self, session: AsyncSession, *, txn_id: str, success: bool) -> str:
        """The payer clicked: record the outcome and return the signed callback path."""
        row = await session.scalar(select(SandboxOrderRow).where(SandboxOrderRow.id == txn_id).with_for_update())
        if row is None:
            raise Invalid("INVALID_TXN_ID", "no such sandbox order")
        if row.status == SandboxOrderStatus.CREATED:
            row.status = SandboxOrderStatus.SUCCESS if success else SandboxOrderStatus.FAILURE
            row.gateway_txn_id = "SBX" + uuid.uuid4().hex[:16].upper()
            row.decided_time = self._platform.clock.now_ms()
            stamp(row, actor_uuid=SYSTEM_UUID, now_ms=row.decided_time)
        amount = str(row.amount)
        params = {
            "eg_pg_txnid": txn_id,
            "status": row.status,
            "gatewayTxnId": row.gateway_txn_id or "",
            "amount": amount,
        }
        params["signature"] = self.sign(
            txn_id=txn_id, status=row.status, gateway_txn_id=params["gatewayTxnId"], amount=amount
        )
        return "/pg-service/transaction/v1/_redirect?" + urlencode(params)

    async def verify_return(self, session: AsyncSession, order: GatewayOrder, params: dict[str, str]) -> GatewayStatus:
        status = params.get("status", "")
        gateway_txn_id = params.get("gatewayTxnId", "")
        amount = params.get("amount", "")
        expected = self.sign(txn_id=order.txn_id, status=status, gateway_txn_id=gateway_txn_id, amount=amount)
        if not hmac.compare_digest(expected, params.get("signature", "")):
            raise Invalid("PG_CALLBACK_SIGNATURE_INVALID", "the gateway callback's signature does not verify")
        try:
            paid = Decimal(amount)
        except ArithmeticError:
            raise Invalid("PG_CALLBACK_INVALID", "the gateway callback's amount is not a number") from None
        if paid != order.amount:
            raise Invalid("TXN_AMOUNT_MISMATCH", "the amount the gateway reports differs from the transaction")
        if status not in FINAL_TXN_STATUSES:
            raise Invalid("PG_CALLBACK_INVALID", "the gateway callback's status is unknown")
        return GatewayStatus(
            status=status, gateway_txn_id=gateway_txn_id, amount=paid, code=status, payment_mode="SANDBOX"
        )

    async def fetch_status(self, session: AsyncSession, order: GatewayOrder) -> GatewayStatus:
        row = await session.scalar(select(SandboxOrderRow).where(SandboxOrderRow.id == order.txn_id))
        if row is None or row.status == SandboxOrderStatus.CREATED:
            return GatewayStatus(status=TxnStatus.PENDING)
        return GatewayStatus(
            status=row.status,
            gateway_txn_id=row.gateway_txn_id,
            amount=row.amount,
            code=row.status,
            payment_mode="SANDBOX",
        )
