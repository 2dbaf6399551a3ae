"""Where messages go: SMS senders (development sink, HTTP gateway) and email senders (sink, SMTP).

A sender either returns (the channel accepted the message) or raises `DeliveryFailed` with a code.
Nothing here logs a recipient or a message text; httpx and aiosmtplib are kept from doing so too
(their INFO/DEBUG lines carry request URLs, where a gateway template may put both).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from email.message import EmailMessage
from typing import Protocol
from urllib.parse import quote

import aiosmtplib
import httpx
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from digit.blocks.notification.models import SinkMessageRow
from digit.blocks.notification.vault import Vault
from digit.kernel.clock import Clock
from digit.kernel.db import stamp
from digit.kernel.prepared import built
from digit.kernel.security import SYSTEM_UUID

for _chatty in ("httpx", "httpcore", "aiosmtplib"):
    logging.getLogger(_chatty).setLevel(logging.WARNING)


class DeliveryFailed(Exception):
    """The channel did not take the message; `code` says why without saying what was sent."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


@dataclass(frozen=True)
class Sms:
    delivery_id: str
    tenant_id: str
    mobile_number: str
    message: str
    category: str


@dataclass(frozen=True)
class Email:
    delivery_id: str
    tenant_id: str
    to: tuple[str, ...]
    subject: str
    body: str
    is_html: bool = False
    category: str = "TRANSACTION"


class SmsSender(Protocol):
    async def send_sms(self, sms: Sms) -> None: ...


class EmailSender(Protocol):
    async def send_email(self, email: Email) -> None: ...


@dataclass
class SinkSender:
    """Development sink: keeps what would have been sent, encrypted, for an admin to read back."""

    sessions: async_sessionmaker[AsyncSession]
    vault: Vault
    clock: Clock

    async def send_sms(self, sms: Sms) -> None:
        await self._keep(await self.rows_of(sms))

    async def send_email(self, email: Email) -> None:
        await self._keep(await self.rows_of(email))

    async def rows_of(self, message: Sms | Email, *, session: AsyncSession | None = None) -> list[SinkMessageRow]:
        """What keeping the message means: one row per recipient. A caller that holds a write `session` may
        insert them itself, so the message is 'sent' exactly when its transaction commits."""
        if isinstance(message, Sms):
            return [
                await self._row(message, channel="SMS", recipient=message.mobile_number, subject=None, session=session)
            ]
        return [
            await self._row(message, channel="EMAIL", recipient=address, subject=message.subject, session=session)
            for address in message.to
        ]

    async def _row(
        self,
        message: Sms | Email,
        *,
        channel: str,
        recipient: str,
        subject: str | None,
        session: AsyncSession | None,
    ) -> SinkMessageRow:
        tenant_id = message.tenant_id
        body = message.message if isinstance(message, Sms) else message.body
        field_name = "mobileNumber" if channel == "SMS" else "emailId"
        row = built(
            SinkMessageRow,
            tenant_id=tenant_id,
            delivery_id=message.delivery_id,
            channel=channel,
            category=message.category,
            recipient_index=self.vault.index(tenant_id=tenant_id, field=field_name, value=recipient),
            recipient=await self.vault.seal(tenant_id=tenant_id, plaintext=recipient, session=session),
            subject=await self.vault.seal(tenant_id=tenant_id, plaintext=subject, session=session)
            if subject is not None
            else None,
            body=await self.vault.seal(tenant_id=tenant_id, plaintext=body, session=session),
        )
        stamp(row, actor_uuid=SYSTEM_UUID, now_ms=self.clock.now_ms())
        return row

    async def _keep(self, rows: Sequence[SinkMessageRow]) -> None:
        async with self.sessions() as session, session.begin():
            session.add_all(rows)


@dataclass
class HttpGatewaySender:
    """An SMS gateway reached by a URL template: `{mobileNumber}`, `{message}`, `{category}`, `{tenantId}`
    are replaced (URL-encoded). GET sends only the URL; POST also sends those four fields as JSON."""

    url_template: str
    method: str = "GET"
    timeout_s: float = 10.0
    transport: httpx.AsyncBaseTransport | None = field(default=None, repr=False)

    async def send_sms(self, sms: Sms) -> None:
        values = {
            "mobileNumber": sms.mobile_number,
            "message": sms.message,
            "category": sms.category,
            "tenantId": sms.tenant_id,
        }
        url = self.url_template
        for key, value in values.items():
            url = url.replace("{" + key + "}", quote(value, safe=""))
        method = self.method.upper()
        try:
            async with httpx.AsyncClient(timeout=self.timeout_s, transport=self.transport) as client:
                if method == "POST":
                    response = await client.post(url, json=values)
                else:
                    response = await client.get(url)
        except httpx.HTTPError:
            raise DeliveryFailed("GATEWAY_UNREACHABLE") from None
        if not response.is_success:
            raise DeliveryFailed(f"GATEWAY_HTTP_{response.status_code}")


@dataclass
class SmtpSender:
    host: str
    port: int
    sender: str
    username: str = ""
    password: str = field(default="", repr=False)
    start_tls: bool = False
    timeout_s: float = 10.0

    async def send_email(self, email: Email) -> None:
        message = EmailMessage()
        message["From"] = self.sender
        message["To"] = ", ".join(email.to)
        message["Subject"] = email.subject
        if email.is_html:
            message.set_content("This message is HTML; open it in a mail reader that shows HTML.")
            message.add_alternative(email.body, subtype="html")
        else:
            message.set_content(email.body)
        try:
            await aiosmtplib.send(
                message,
                hostname=self.host,
                port=self.port,
                username=self.username or None,
                password=self.password or None,
                start_tls=self.start_tls,
                timeout=self.timeout_s,
            )
        except (aiosmtplib.SMTPConnectError, aiosmtplib.SMTPTimeoutError, OSError):
            raise DeliveryFailed("SMTP_UNREACHABLE") from None
        except aiosmtplib.SMTPRecipientsRefused:
            raise DeliveryFailed("SMTP_RECIPIENTS_REFUSED") from None
        except aiosmtplib.SMTPException as error:
            raise DeliveryFailed(f"SMTP_{type(error).__name__.removeprefix('SMTP').upper()}") from None


def recipients_of(addresses: Sequence[str]) -> tuple[str, ...]:
    return tuple(a.strip() for a in addresses if a and a.strip())
